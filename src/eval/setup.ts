/**
 * Builds the predictor an evaluation asks for — the model in a folder, or a baseline with what
 * it learns from: the constant baseline from training examples, the classical one from the
 * MIT-BIH training records (cached).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError } from "../errors.js";
import type { ProgressSink } from "../data/progress.js";
import { ClassicalPredictor } from "./baselines/classical.js";
import { loadOrTrainClassical } from "../train/classical.js";
import { ConstantPredictor, fitConstant } from "./baselines/constant.js";
import { readExamples } from "./examples.js";
import { loadModelPredictor } from "./model-predictor.js";
import type { Predictor } from "./predictors.js";

export const BASELINES = ["constant", "classical"] as const;
export type BaselineName = (typeof BASELINES)[number];

export interface PredictorSpec {
  /** A model folder; or */
  model?: string;
  /** a baseline. */
  baseline?: string;
  /** The model with the beat tool answering the localizations it knows. */
  tools?: boolean;
  /** The evaluated data file (its folder's train.jsonl is the default training file). */
  dataFile: string;
  /** Training examples for the constant baseline. */
  trainFile?: string;
  /** Folder with mitdb/ (and cpsc2021/) to train the classical baseline. */
  trainData?: string;
  /** Cache of the classical baseline's trained model. */
  classicalCache?: string;
  log?: ProgressSink | null;
}

/** The training file for the constant baseline: the one given, or train.jsonl beside the data. */
export function defaultTrainFile(spec: Pick<PredictorSpec, "trainFile" | "dataFile">): string | undefined {
  if (spec.trainFile) return spec.trainFile;
  const beside = join(dirname(spec.dataFile), "train.jsonl");
  return existsSync(beside) && beside !== spec.dataFile ? beside : undefined;
}

/** The constant baseline, fitted on the training file when there is one. */
export function constantPredictor(trainFile: string | undefined): ConstantPredictor {
  return new ConstantPredictor(trainFile ? fitConstant(readExamples(trainFile)) : undefined);
}

/** Makes the predictor (see the module comment). */
export async function createPredictor(spec: PredictorSpec): Promise<Predictor> {
  if (spec.model && spec.baseline)
    throw new InputError("--baseline", "give either --model or --baseline, not both");
  if (spec.tools && !spec.model)
    throw new InputError("--tools", "tools answer with a model: give --model <dir>");
  if (spec.model) return loadModelPredictor(spec.model, spec.tools);
  if (!spec.baseline)
    throw new InputError("--model", "give a model folder (--model <dir>) or --baseline constant|classical");
  if (!(BASELINES as readonly string[]).includes(spec.baseline)) {
    throw new InputError(
      "--baseline",
      `unknown baseline "${spec.baseline}" (known: ${BASELINES.join(", ")})`,
    );
  }
  const constant = constantPredictor(defaultTrainFile(spec));
  if (spec.baseline === "constant") return constant;
  const dataDir = spec.trainData ?? process.env.ANYECG_DATA;
  if (!dataDir) {
    throw new InputError(
      "--train-data",
      "the classical baseline trains on MIT-BIH: give the folder holding mitdb/ (or set ANYECG_DATA)",
    );
  }
  const cache = spec.classicalCache ?? join("runs", "classical", "model.json");
  const model = await loadOrTrainClassical(cache, { dataDir, log: spec.log });
  return new ClassicalPredictor(model, constant);
}
