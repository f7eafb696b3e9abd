/**
 * A training stage's configuration: one JSON file per stage under `configs/<model>/`, read by
 * `anyecg train <config>`. Paths in the file are relative to the working directory (the
 * repository root), so the same files work from a fresh clone; `--data`, `--dataset` and `--out`
 * override them on the command line.
 *
 * Kinds of stage (see stages.ts):
 * - "tokenizer": stage 0a, byte-level BPE trained on the dataset's text -> `<out>/tokenizer.json`;
 * - "beats": the classical models (classical.ts): the beat classifier on the MIT-BIH training
 *   records, the rhythm classifier on CinC 2017's, the diagnosis classifier on PTB-XL's ->
 *   `<out>/classical.json`, for an encoder with `beatClasses` (StageConfig `beatClassifier`) and
 *   a model with `recordSummary` (`recordClassifiers`);
 * - "text": stage 0b, the language model on the questions and answers alone (no ECG);
 * - "contrastive": stage 0c, the ECG encoder against report/label text with the sigmoid loss;
 * - "labels": stage 0d, the encoder's time tokens labelled with beat types and rhythms (dense.ts);
 * - "multimodal": stages 1-3, the chat loss on (ECG, question, answer) examples.
 */
import { readFileSync } from "node:fs";
import type { TaskName } from "../data/example.js";
import type { SafetensorsWriteDtype } from "../nn/safetensors.js";
import { MODEL_SWITCHES } from "../model/config.js";

export type StageKind = "tokenizer" | "beats" | "text" | "contrastive" | "labels" | "multimodal";

/** Parts of the model a stage trains; everything else is frozen. */
export type TrainablePart = "encoder" | "projector" | "lm" | "lora";

export interface StageConfig {
  /** Run name: the run folder defaults to `runs/<name>`. */
  name: string;
  kind: StageKind;
  /** Run folder (state, log.jsonl, loss.svg, and the best model in `<out>/model`). */
  out: string;
  /** Folder with the dataset builder's train.jsonl and valid.jsonl. */
  dataset: string;
  /** Folder the examples' `ecg_path`s are relative to (the source databases). */
  data: string;
  /** Start from this checkpoint folder (the previous stage's `<out>/model`). */
  init?: string;
  /** Fresh model: a model config JSON file (AnyEcgConfig) and the tokenizer to use. */
  model?: string;
  tokenizer?: string;
  /** Tokenizer stage: total vocabulary size. */
  vocabSize?: number;
  /** Curriculum stage whose examples are trained on (0: every stage's). */
  stage: number;
  /** Only these tasks of the stage (default: all). */
  tasks?: TaskName[];
  /** Fraction (0-1) of the earlier stages' training examples mixed in (replay). */
  replay: number;
  /** The stages replayed (default: every stage before `stage`). */
  replayStages?: number[];
  /**
   * Multimodal stage: each training example of these datasets (as data files name them,
   * "ptb-xl") this many times (an integer >= 1), the rest once.
   */
  repeat?: Record<string, number>;
  trainable: TrainablePart[];
  /** Optimizer steps; each takes `accumulation` micro-batches of `batchSize` examples. */
  steps: number;
  batchSize: number;
  accumulation: number;
  lr: number;
  /** Final learning rate of the cosine schedule (default lr / 10). */
  minLr?: number;
  warmup: number;
  weightDecay: number;
  /** Global gradient-norm clip (0: none). */
  clip: number;
  /** Validation every N steps on the first `evalExamples` validation examples. */
  evalEvery: number;
  evalExamples: number;
  /** Resumable state every N steps (and on interruption). */
  saveEvery: number;
  seed: number;
  /** Examples whose estimated length exceeds this many tokens are left out. */
  maxTokens?: number;
  /** Labels stage: length of the windows drawn, in seconds (default 10). */
  windowSeconds?: number;
  /**
   * Labels stage: share of the windows drawn from CinC 2017's AF-labelled recordings (default 0;
   * thousands of patients for the AF rhythm, against MIT-BIH's and CPSC 2021's 28).
   */
  cinc2017Share?: number;
  /**
   * Labels stage: share of the windows drawn from PTB-XL's training records, labelled as a whole
   * with their diagnostic superclasses (default 0; for a head whose findings name them).
   */
  ptbxlShare?: number;
  /** Labels stage: noise and baseline wander on the training windows (default false). */
  augment?: boolean;
  /**
   * Multimodal stage that trains the encoder: add the labels stage's loss on `batchSize`
   * labelled windows per micro-batch, times `weight` (the window settings above apply).
   */
  labels?: { weight: number; batchSize: number };
  /**
   * Multimodal stage: before training, set the projector's first layer to standardize its input
   * features over the ECG tokens of this many training examples (a data-dependent
   * initialisation; see Projector.standardizeInput). For the stage that starts the projector.
   */
  standardizeProjector?: number;
  /**
   * Multimodal stage starting from `init`: switch the model's time words on (AnyEcgConfig
   * `timeWords`; they add no weights, so the stage that starts the projector can turn them on).
   */
  timeWords?: boolean;
  /** Multimodal stage starting from `init`: switch the findings summary on (AnyEcgConfig `findingsSummary`). */
  findingsSummary?: boolean;
  /** Multimodal stage starting from `init`: switch the finding words on (AnyEcgConfig `findingWords`). */
  findingWords?: boolean;
  /** Multimodal stage starting from `init`: switch the beat notes on (AnyEcgConfig `beatNotes`). */
  beatNotes?: boolean;
  /** Multimodal stage starting from `init`: switch the record summary on (AnyEcgConfig `recordSummary`; needs `recordClassifiers`). */
  recordSummary?: boolean;
  /** Multimodal stage starting from `init`: switch the record notes on (AnyEcgConfig `recordNotes`; needs `recordClassifiers`). */
  recordNotes?: boolean;
  /**
   * A model with beat notes: made-up note drills added to the stage's training examples
   * (note-drills.ts): the text stage learns the copy from them, a multimodal stage keeps it.
   */
  noteDrills?: number;
  /**
   * Multimodal stage: move each localization window of an annotated database by a random offset
   * every time it is drawn, with the answer recomputed (jitter.ts). Default false.
   */
  jitter?: boolean;
  /**
   * A beat classifier file (the classical baseline's model JSON or a checkpoint's
   * beat-classifier.json) given to the starting model, for an encoder with `beatClasses`; later
   * stages inherit it with the checkpoint.
   */
  beatClassifier?: string;
  /**
   * A file with record classifiers (a beats stage's classical.json or a checkpoint's
   * record-classifiers.json) given to the starting model, for `recordSummary`; later stages
   * inherit them with the checkpoint.
   */
  recordClassifiers?: string;
  /**
   * Beats stage: also train this many out-of-fold classifiers (classical.ts, BeatFold; default
   * none); stages given the file then prepare those records' ECGs with them.
   */
  folds?: number;
  /** After the stage: write the best model here (e.g. models/anyecg-small) in this dtype. */
  export?: { dir: string; dtype?: SafetensorsWriteDtype };
}

const KINDS: StageKind[] = ["tokenizer", "beats", "text", "contrastive", "labels", "multimodal"];
const PARTS: TrainablePart[] = ["encoder", "projector", "lm", "lora"];
const TASKS: TaskName[] = ["report", "location", "location_long", "ecgqa", "multi"];

const DEFAULTS = {
  dataset: "runs/dataset",
  data: "../shared/data",
  stage: 0,
  replay: 0,
  trainable: [] as TrainablePart[],
  steps: 100,
  batchSize: 8,
  accumulation: 1,
  lr: 1e-3,
  warmup: 10,
  weightDecay: 0.01,
  clip: 1,
  evalEvery: 100,
  evalExamples: 64,
  saveEvery: 50,
  seed: 1,
};

export interface ConfigOverrides {
  data?: string;
  dataset?: string;
  out?: string;
  /**
   * Folder standing for `runs/` in every path of the config (out, init, tokenizer,
   * beatClassifier, recordClassifiers, dataset, export): a whole curriculum can run elsewhere (tests, a bigger disk) with unchanged files.
   */
  runs?: string;
}

function rebase(path: string, runs: string | undefined): string {
  return runs && /^runs[\\/]/.test(path) ? `${runs}/${path.slice(5)}` : path;
}

/** Reads and checks a stage config file; errors name the file and the field. */
export function loadStageConfig(file: string, overrides: ConfigOverrides = {}): StageConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new RangeError(`${file}: ${(e as Error).message}`);
  }
  return parseStageConfig(json, file, overrides);
}

/** Fills defaults and checks every field of a parsed config object. */
export function parseStageConfig(json: unknown, file: string, overrides: ConfigOverrides = {}): StageConfig {
  const fail = (msg: string): never => {
    throw new RangeError(`${file}: ${msg}`);
  };
  if (!json || typeof json !== "object" || Array.isArray(json)) fail("not a JSON object");
  const o = json as Partial<StageConfig>;
  if (typeof o.name !== "string" || !/^[\w.-]+$/.test(o.name))
    fail("name must be a word (letters, digits, . - _)");
  if (!KINDS.includes(o.kind as StageKind)) fail(`kind must be one of ${KINDS.join(", ")}`);
  const c: StageConfig = { ...DEFAULTS, out: `runs/${o.name}`, ...o } as StageConfig;
  const r = overrides.runs;
  c.out = rebase(c.out, r);
  c.dataset = rebase(c.dataset, r);
  if (c.init) c.init = rebase(c.init, r);
  if (c.tokenizer) c.tokenizer = rebase(c.tokenizer, r);
  if (c.beatClassifier) c.beatClassifier = rebase(c.beatClassifier, r);
  if (c.recordClassifiers) c.recordClassifiers = rebase(c.recordClassifiers, r);
  if (c.export) c.export = { ...c.export, dir: rebase(c.export.dir, r) };
  if (overrides.data) c.data = overrides.data;
  if (overrides.dataset) c.dataset = overrides.dataset;
  if (overrides.out) c.out = overrides.out;
  const posInt = (k: keyof StageConfig): void => {
    const v = c[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) fail(`${k} must be a positive integer`);
  };
  for (const k of ["steps", "batchSize", "accumulation", "evalEvery", "evalExamples", "saveEvery"] as const)
    posInt(k);
  if (!Number.isInteger(c.seed)) fail("seed must be an integer");
  if (!Number.isInteger(c.stage) || c.stage < 0 || c.stage > 3) fail("stage must be 0, 1, 2 or 3");
  if (!(c.lr > 0)) fail("lr must be > 0");
  if (c.minLr !== undefined && !(c.minLr >= 0 && c.minLr <= c.lr)) fail("minLr must be in [0, lr]");
  if (!(c.replay >= 0 && c.replay <= 1)) fail("replay must be a fraction in [0, 1]");
  if (c.replayStages && (!Array.isArray(c.replayStages) || c.replayStages.some((s) => !Number.isInteger(s))))
    fail("replayStages must list stage numbers");
  if (c.repeat !== undefined) {
    if (c.kind !== "multimodal") fail("repeat is for multimodal stages");
    const ok = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 100;
    if (
      !c.repeat ||
      typeof c.repeat !== "object" ||
      Array.isArray(c.repeat) ||
      !Object.values(c.repeat).every(ok)
    )
      fail('repeat must map dataset names to integers in [1, 100], e.g. { "ptb-xl": 4 }');
  }
  if (!Number.isInteger(c.warmup) || c.warmup < 0) fail("warmup must be an integer >= 0");
  if (!(c.weightDecay >= 0)) fail("weightDecay must be >= 0");
  if (!(c.clip >= 0)) fail("clip must be >= 0");
  if (!Array.isArray(c.trainable) || c.trainable.some((p) => !PARTS.includes(p)))
    fail(`trainable must list parts among ${PARTS.join(", ")}`);
  if (c.tasks && (!Array.isArray(c.tasks) || c.tasks.some((t) => !TASKS.includes(t))))
    fail(`tasks must list tasks among ${TASKS.join(", ")}`);
  if (c.kind === "tokenizer" && !(Number.isInteger(c.vocabSize) && c.vocabSize! > 256))
    fail("a tokenizer stage needs vocabSize (an integer > 256)");
  const trainsModel = c.kind !== "tokenizer" && c.kind !== "beats";
  if (trainsModel && !c.init && !(c.model && c.tokenizer))
    fail("needs init (a checkpoint folder) or both model and tokenizer");
  if (trainsModel && c.trainable.length === 0) fail("trainable lists nothing to train");
  if (c.folds !== undefined && (c.kind !== "beats" || !Number.isInteger(c.folds) || c.folds < 2))
    fail("folds (an integer >= 2) is for the beats stage");
  for (const k of ["beatClassifier", "recordClassifiers"] as const)
    if (c[k] !== undefined && (!trainsModel || typeof c[k] !== "string"))
      fail(`${k} (a file) is for stages that train a model`);
  if (c.maxTokens !== undefined) posInt("maxTokens");
  if (c.noteDrills !== undefined) {
    if (c.kind !== "text" && c.kind !== "multimodal") fail("noteDrills is for text and multimodal stages");
    posInt("noteDrills");
  }
  if (c.windowSeconds !== undefined && !(c.windowSeconds > 0 && c.windowSeconds <= 600))
    fail("windowSeconds must be in (0, 600]");
  if (c.cinc2017Share !== undefined && !(c.cinc2017Share >= 0 && c.cinc2017Share < 1))
    fail("cinc2017Share must be in [0, 1)");
  if (c.ptbxlShare !== undefined && !(c.ptbxlShare >= 0 && c.ptbxlShare + (c.cinc2017Share ?? 0) < 1))
    fail("ptbxlShare must be >= 0, and with cinc2017Share below 1");
  if (c.augment !== undefined && typeof c.augment !== "boolean") fail("augment must be true or false");
  if (c.jitter !== undefined) {
    if (typeof c.jitter !== "boolean") fail("jitter must be true or false");
    if (c.kind !== "multimodal") fail("jitter is for multimodal stages");
  }
  for (const k of MODEL_SWITCHES) {
    if (c[k] === undefined) continue;
    if (typeof c[k] !== "boolean") fail(`${k} must be true or false`);
    if (c.kind !== "multimodal" || !c.init) fail(`${k} is for multimodal stages that start from init`);
  }
  if (c.standardizeProjector !== undefined) {
    if (c.kind !== "multimodal") fail("standardizeProjector is for multimodal stages");
    posInt("standardizeProjector");
  }
  if (c.labels !== undefined) {
    if (c.kind !== "multimodal") fail("labels (a labels term) is for multimodal stages");
    if (!(c.labels.weight > 0) || !(Number.isInteger(c.labels.batchSize) && c.labels.batchSize > 0))
      fail("labels needs weight > 0 and batchSize (a positive integer)");
  }
  return c;
}
