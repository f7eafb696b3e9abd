/**
 * The model as a predictor: `AnyEcg.load(dir)` then `model.chat({ ecgs, messages })` with the
 * example's question as the user's message and its ECGs (localization windows cut) attached.
 *
 * The model code is imported dynamically and used through the small `ChatModel` interface, so
 * the evaluation builds and runs its baselines whatever state `src/model` is in; a build without
 * it gives a clear error rather than a crash.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EcgInputError } from "../ecg/errors.js";
import type { Ecg } from "../ecg/record.js";
import type { PredictInput, Prediction, Predictor } from "./predictors.js";

/** A chat message as the evaluation sends it. */
export interface EvalChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What the evaluation needs from the model. */
export interface ChatModel {
  chat(request: { ecgs: Ecg[]; messages: EvalChatMessage[] }): Promise<unknown>;
}

/** The answer text of whatever `chat` returns: a string, or an object with `text`, `answer` or `content`. */
export function answerText(reply: unknown): string {
  if (typeof reply === "string") return reply;
  if (reply && typeof reply === "object") {
    for (const k of ["text", "answer", "content"]) {
      const v = (reply as Record<string, unknown>)[k];
      if (typeof v === "string") return v;
    }
  }
  return "";
}

/** Wraps a loaded model. */
export class ModelPredictor implements Predictor {
  readonly needsEcgs = true;
  constructor(
    private readonly model: ChatModel,
    readonly name: string,
  ) {}

  async predict(input: PredictInput): Promise<Prediction> {
    const reply = await this.model.chat({
      ecgs: input.ecgs,
      messages: [{ role: "user", content: input.example.question }],
    });
    return { answer: answerText(reply).trim() };
  }
}

/** Loads `AnyEcg` from `dir` (a folder with config.json, tokenizer.json, model.safetensors). */
export async function loadModelPredictor(dir: string): Promise<ModelPredictor> {
  if (!existsSync(join(dir, "config.json"))) {
    throw new EcgInputError(
      dir,
      "no config.json here: not a model folder (use --baseline to run a baseline)",
    );
  }
  // A variable specifier: the model module is optional at build time (see the module comment).
  const specifier = "../model/index.js";
  let mod: { AnyEcg?: { load(dir: string): Promise<ChatModel> } };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (err) {
    throw new EcgInputError(dir, `cannot load the model code (${(err as Error).message})`);
  }
  if (typeof mod.AnyEcg?.load !== "function") {
    throw new EcgInputError(dir, "this build has no AnyEcg.load (src/model/index.ts)");
  }
  return new ModelPredictor(await mod.AnyEcg.load(dir), `anyecg:${dir}`);
}
