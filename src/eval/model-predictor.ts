/**
 * The model as a predictor: `AnyEcg.load(dir)` then `model.chat({ ecgs, messages })` with the
 * example's question as the user's message and its ECGs (localization windows cut) attached;
 * `model.scoreAnswers` on the same conversation gives the report labels' likelihood (scorer b).
 * The predictor sees the model through the small `ChatModel` interface, so tests can pass any
 * chat function.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { AnyEcg } from "../model/index.js";
import type { Ecg } from "../ecg/record.js";
import type { LabelSet } from "./label-sets.js";
import { likelihoodLabelScores } from "./likelihood.js";
import type { PredictInput, Prediction, Predictor } from "./predictors.js";

/** A chat message as the evaluation sends it. */
export interface EvalChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A conversation as the evaluation sends it. */
export interface EvalChatRequest {
  ecgs: Ecg[];
  messages: EvalChatMessage[];
  /** Let the beat tool answer the localizations it knows (`ChatOptions.tools`). */
  tools?: boolean;
}

/** What the evaluation needs from the model (`AnyEcg` has it). */
export interface ChatModel {
  chat(request: EvalChatRequest): Promise<string>;
  /** Summed log-probability of each candidate answer given the conversation (scorer b). */
  scoreAnswers(request: EvalChatRequest, answers: readonly string[]): number[];
}

/** Wraps a loaded model; with `tools`, the beat tool answers the localizations it knows. */
export class ModelPredictor implements Predictor {
  readonly needsEcgs = true;
  constructor(
    private readonly model: ChatModel,
    readonly name: string,
    private readonly tools = false,
  ) {}

  async predict(input: PredictInput): Promise<Prediction> {
    const reply = await this.model.chat(this.request(input));
    return { answer: reply.trim() };
  }

  /** Scorer (b): each label's likelihood along the model's report `answer` (`likelihood.ts`). */
  scoreLabels(
    input: PredictInput,
    sets: readonly LabelSet[],
    answer: string,
  ): Promise<Record<string, number[]>> {
    const request = this.request(input);
    return Promise.resolve(
      likelihoodLabelScores(sets, answer, (answers) => this.model.scoreAnswers(request, answers)),
    );
  }

  private request(input: PredictInput): EvalChatRequest {
    return {
      ecgs: input.ecgs,
      messages: [{ role: "user", content: input.example.question }],
      ...(this.tools ? { tools: true } : {}),
    };
  }
}

/**
 * Loads `AnyEcg` from `dir` (a folder with config.json, tokenizer.json, model.safetensors);
 * `tools`: with the beat tool (named `anyecg+tools:<dir>` in the results).
 */
export async function loadModelPredictor(dir: string, tools = false): Promise<ModelPredictor> {
  if (!existsSync(join(dir, "config.json"))) {
    throw new InputError(dir, "no config.json here: not a model folder (use --baseline to run a baseline)");
  }
  return new ModelPredictor(await AnyEcg.load(dir), `anyecg${tools ? "+tools" : ""}:${dir}`, tools);
}
