/**
 * Runs one stage of the curriculum from its config (config.ts): the tokenizer (0a), text
 * pretraining (0b), contrastive encoder pretraining (0c, not in the shipped recipe, which trains
 * the classical beat classifier the encoder reads in its place), dense beat/rhythm labels for
 * the encoder (0d) and the multimodal stages (1-3 as the paper, and our localization-focused
 * stage 4).
 *
 * Reproducing `models/anyecg-small/` (from the repository root, with ../shared/data present)
 * is one command, `npx anyecg train configs/anyecg-small` (curriculum.ts), equivalent to:
 *
 *   npx anyecg dataset build --data ../shared/data --out runs/dataset
 *   npx anyecg train configs/anyecg-small/stage0-tokenizer.json
 *   npx anyecg train configs/anyecg-small/stage0-text.json
 *   npx anyecg train configs/anyecg-small/stage0-beats.json
 *   npx anyecg train configs/anyecg-small/stage0-labels.json
 *   npx anyecg train configs/anyecg-small/stage1.json
 *   npx anyecg train configs/anyecg-small/stage2.json
 *   npx anyecg train configs/anyecg-small/stage3.json
 *   npx anyecg train configs/anyecg-small/stage4-localization.json  # exports models/anyecg-small (F16)
 *
 * Each stage starts from the previous stage's best model (`runs/<name>/model`); any command
 * interrupted (Ctrl-C, SIGTERM, a closed session) continues with `--resume` (or by running the
 * curriculum command again) and ends with the same weights as an uninterrupted run.
 * Wall time measured for the shipped checkpoint on the shared 2-core machine: see
 * configs/anyecg-small/README.md.
 *
 * Every stage writes `runs/<name>/result.json` (steps/s, tokens/s, wall time, best validation
 * loss, examples used) next to `log.jsonl` and `loss.svg`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Example, TaskName } from "../data/example.js";
import { loadCinc2017Rhythms } from "../data/sources/cinc2017.js";
import { loadCpsc2021 } from "../data/sources/cpsc2021.js";
import { loadPtbxlClasses } from "../data/sources/ptbxl.js";
import { loadMitdb, type AnnotatedRecord } from "../data/sources/mitdb.js";
import { InputError } from "../errors.js";
import { Progress, type ProgressSink } from "../data/progress.js";
import { hashString, Rng } from "../data/rng.js";
import { AnyEcg, type TrainExample } from "../model/anyecg.js";
import { withNotes } from "../model/chat-template.js";
import { DRILL_DATASET, noteDrills } from "./note-drills.js";
import { readStageRecordClassifiers, recordOutOfFold } from "./record-classifiers.js";
import { loadOrTrainClassical, outOfFold, readStageClassifiers } from "./classical.js";
import { MODEL_SWITCHES, parseConfig } from "../model/config.js";
import { ecgTokenCount } from "../model/ecg-tokens.js";
import { Tokenizer } from "../model/tokenizer.js";
import { BatchStream } from "./batches.js";
import type { StageConfig } from "./config.js";
import { ContrastiveModel, type PairBatch } from "./contrastive.js";
import {
  DenseLabelModel,
  DenseWindowSampler,
  denseItem,
  labelledForHead,
  type DenseItem,
  type DenseWindow,
} from "./dense.js";
import { EcgLoader, mixStage, readExamples, repeatDatasets } from "./examples.js";
import { LocationJitter } from "./jitter.js";
import {
  trainLoop,
  type BatchSource,
  type LoopOptions,
  type LoopResult,
  type TrainableModel,
  type ValidSource,
} from "./loop.js";
import { setTrainable } from "./parts.js";
import { add, scale, type Tensor } from "../tensor/index.js";
import { standardizeProjector } from "./projector-init.js";
import { recoverDir, replaceDir, trainStateFile } from "./state.js";

export interface RunStageOptions {
  resume?: boolean;
  signal?: AbortSignal;
  /** Stop with the state saved on SIGINT/SIGTERM (the CLI sets it). */
  handleSignals?: boolean;
  /** Stop (state saved) after this many steps in total (tests). */
  stopAtStep?: number;
  /** Progress lines (default stderr; null: quiet). */
  progress?: ProgressSink | null;
}

export interface StageResult {
  name: string;
  kind: StageConfig["kind"];
  out: string;
  /** Training examples used, and those left out as longer than maxTokens. */
  examples: number;
  dropped: number;
  validExamples: number;
  /** Tokenizer stage: vocabulary size and mean tokens per answer. */
  vocabSize?: number;
  tokensPerAnswer?: number;
  loop?: LoopResult;
  seconds: number;
}

/** Runs a stage; returns what it measured (also written to `<out>/result.json`). */
export async function runStage(c: StageConfig, o: RunStageOptions = {}): Promise<StageResult> {
  const started = Date.now();
  mkdirSync(c.out, { recursive: true });
  const res =
    c.kind === "tokenizer"
      ? tokenizerStage(c, o)
      : c.kind === "beats"
        ? await beatsStage(c, o)
        : c.kind === "labels"
          ? await labelsStage(c, o)
          : await modelStage(c, o);
  res.seconds = (Date.now() - started) / 1000;
  writeFileSync(join(c.out, "result.json"), JSON.stringify(res, null, 2) + "\n");
  return res;
}

function base(c: StageConfig): StageResult {
  return { name: c.name, kind: c.kind, out: c.out, examples: 0, dropped: 0, validExamples: 0, seconds: 0 };
}

// ---- stage 0a: tokenizer ---------------------------------------------------------------------

function tokenizerStage(c: StageConfig, o: RunStageOptions): StageResult {
  const file = join(c.out, "tokenizer.json");
  if (existsSync(file) && !o.resume) throw new RangeError(`${file} exists: resume it or choose another output folder`); // prettier-ignore
  const examples = mixStage(readExamples(join(c.dataset, "train.jsonl")), c);
  const texts = examples.flatMap((e) => [e.question, e.answer]);
  const tok = existsSync(file) ? Tokenizer.load(file) : Tokenizer.train(texts, c.vocabSize!);
  tok.save(file);
  const sample = Rng.for(c.seed, "tokenizer").sample(examples, 2000);
  const perAnswer = sample.reduce((s, e) => s + tok.encode(e.answer).length, 0) / Math.max(1, sample.length);
  return { ...base(c), examples: examples.length, vocabSize: tok.vocabSize, tokensPerAnswer: perAnswer };
}

// ---- beat classifier -------------------------------------------------------------------------

/** Trains the classical models on the MIT-BIH (and CPSC 2021) training records of `c.data`. */
async function beatsStage(c: StageConfig, o: RunStageOptions): Promise<StageResult> {
  const file = join(c.out, "classical.json");
  if (existsSync(file) && !o.resume) throw new RangeError(`${file} exists: resume it or choose another output folder`); // prettier-ignore
  const log = o.progress === undefined ? process.stderr : o.progress;
  const model = await loadOrTrainClassical(file, { dataDir: c.data, folds: c.folds ?? 0, log });
  return { ...base(c), examples: model.beats.trainedOn.length };
}

// ---- model stages ------------------------------------------------------------------------------

/** The stage's starting model: the init checkpoint, or a fresh model of `model` with `tokenizer`. */
export async function startingModel(c: StageConfig): Promise<AnyEcg> {
  const model = await initialModel(c);
  if (c.beatClassifier) {
    const classical = readStageClassifiers(c.beatClassifier);
    model.beatClassifier = classical.beats;
    if (classical.folds) model.classifierOf = outOfFold(classical.folds, classical.beats);
  }
  if (c.recordClassifiers) {
    const { classifiers, folds } = readStageRecordClassifiers(c.recordClassifiers);
    model.recordClassifiers = classifiers;
    if (folds.length) model.recordClassifiersOf = recordOutOfFold(folds, classifiers);
  }
  return model;
}

async function initialModel(c: StageConfig): Promise<AnyEcg> {
  if (c.init) {
    // only the switches a stage turns on: a stage never switches off what its init was trained with
    const switchOn = Object.fromEntries(MODEL_SWITCHES.filter((k) => c[k]).map((k) => [k, true]));
    return AnyEcg.load(c.init, { merge: false, switchOn });
  }
  const tok = Tokenizer.load(c.tokenizer!);
  let json: { lm?: { vocabSize?: number } };
  try {
    json = JSON.parse(readFileSync(c.model!, "utf8")) as typeof json;
  } catch (e) {
    throw new RangeError(`${c.model}: ${(e as Error).message}`);
  }
  const cfg = parseConfig(
    { ...json, lm: { ...json.lm, vocabSize: json.lm?.vocabSize ?? tok.vocabSize } },
    c.model,
  );
  return new AnyEcg(cfg, tok, c.seed);
}

/** An example with its estimated length in LM tokens (text + ECG tokens). */
interface Item {
  ex: Example;
  len: number;
}

/** The stage's examples of one split, with lengths, without those longer than the limit. */
async function stageItems(
  c: StageConfig,
  split: "train" | "valid",
  model: AnyEcg,
  loader: EcgLoader,
  o: RunStageOptions,
): Promise<{ items: Item[]; dropped: number }> {
  const file = join(c.dataset, `${split}.jsonl`);
  if (split === "valid" && !existsSync(file)) return { items: [], dropped: 0 };
  let examples = mixStage(readExamples(file), c);
  if (c.repeat && split === "train") examples = repeatDatasets(examples, c.repeat);
  if (c.noteDrills && split === "train") {
    if (!model.config.beatNotes) throw new RangeError(`${c.name}: noteDrills needs a model with beat notes (beatNotes)`); // prettier-ignore
    examples = [...examples, ...noteDrills(c.noteDrills, c.seed)];
  }
  if (c.kind === "contrastive") examples = examples.filter((e) => !Array.isArray(e.ecg_path));
  if (split === "valid") examples = Rng.for(c.seed, "valid").sample(examples, c.evalExamples);
  const limit = Math.min(c.maxTokens ?? Infinity, model.config.lm.maxPositions);
  const tok = model.tokenizer;
  const progress = new Progress(`${c.name} ${split}`, examples.length, "examples", o.progress === undefined ? process.stderr : o.progress); // prettier-ignore
  const items: Item[] = [];
  let dropped = 0;
  for (const ex of examples) {
    const ecg = c.kind === "text" ? 0 : (await loader.durations(ex)).reduce((s, d) => s + ecgTokenCount(d, model.config), 0); // prettier-ignore
    const text =
      c.kind === "contrastive" ? 0 : tok.encode(ex.question).length + tok.encode(ex.answer).length + 12;
    const len = ecg + text;
    if (len > limit) dropped++;
    else items.push({ ex, len });
    progress.tick();
  }
  progress.finish();
  return { items, dropped };
}

/**
 * A conversation of the example, with its ECGs read and prepared; a text stage's has no ECG
 * (its question may carry their notes: `textQuestion`).
 */
async function conversation(
  ex: Example,
  model: AnyEcg,
  loader: EcgLoader,
  text: boolean,
): Promise<TrainExample> {
  const answer = { role: "assistant", content: ex.answer } as const;
  if (text) return { messages: [{ role: "user", content: await textQuestion(ex, model, loader) }, answer] };
  const ecgs = (await loader.load(ex)).map((e) => model.prepare(e));
  return { messages: [{ role: "user", content: ex.question, ecgs }, answer] };
}

/** Tasks whose text-stage questions carry their ECGs' beat notes. */
const NOTED_TASKS: ReadonlySet<TaskName> = new Set(["location", "location_long"]);

/**
 * A text-stage question. For a model with beat notes (`beatNotes`), a localization question
 * comes after its ECGs' notes, as the ECG stages will write them (without the ECG block): the
 * answer is often the note's, so the language model learns to copy notes before it sees ECG
 * tokens. Switched on only from stage 1, the model never learned to copy them (beat-notes.ts).
 */
export async function textQuestion(ex: Example, model: AnyEcg, loader: EcgLoader): Promise<string> {
  // a drill (note-drills.ts) has no ECG: its notes are written already
  if (!model.config.beatNotes || !NOTED_TASKS.has(ex.task) || ex.dataset === DRILL_DATASET)
    return ex.question;
  const notes = (await loader.load(ex)).map((e) => model.beatNoteOf(model.prepare(e)));
  return withNotes(notes, ex.question);
}

/** The text a report/label answer is contrasted with ("Report: " dropped). */
export function pairText(ex: Example): string {
  return ex.answer.replace(/^Report:\s*/, "");
}

interface Batch<T> {
  data: T;
  tokens: number;
}

/** A multimodal stage's batch: conversations, and labelled windows for the labels term (or none). */
interface ChatBatch {
  chat: TrainExample[];
  labels: DenseItem[];
}

/**
 * The labels stage's loss as a term of a multimodal stage that trains the encoder (config
 * `labels`): the report and answer losses alone pull every token the same way and collapse the
 * encoder (measured, see dense.ts); the per-token targets keep its time tokens apart while the
 * chat loss teaches it what reports need. Its windows follow the stage's labels settings.
 */
async function labelsTerm(
  c: StageConfig,
  model: AnyEcg,
  loader: EcgLoader,
  o: { weight: number; batchSize: number },
): Promise<{ windows: LabelWindows; loss: (items: DenseItem[]) => Tensor }> {
  if (!c.trainable.includes("encoder"))
    throw new RangeError(`${c.name}: a labels term needs the encoder in trainable (it trains nothing else)`);
  const dense = new DenseLabelModel(model.encoder);
  return {
    windows: await labelWindows(c, model, loader, o.batchSize),
    loss: (items) => scale(dense.loss(items), o.weight),
  };
}

/** Fixed validation batches: the items sorted by length, cut into batches. */
function validBatches(items: Item[], size: number, min: number): Item[][] {
  const sorted = [...items].sort((a, b) => a.len - b.len);
  const out: Item[][] = [];
  for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size));
  return out.filter((b) => b.length >= min);
}

/** Settings that determine the trajectory (a resumed state must come from the same ones). */
function fingerprint(c: StageConfig): string {
  const { kind, init, model, tokenizer, stage, tasks, replay, replayStages, trainable, steps, batchSize, accumulation, lr, minLr, warmup, weightDecay, clip, seed, maxTokens, windowSeconds, cinc2017Share, ptbxlShare, augment, labels, standardizeProjector, timeWords, findingsSummary, findingWords, jitter, beatClassifier, recordClassifiers, beatNotes, noteDrills, repeat, recordSummary, recordNotes } = c; // prettier-ignore
  const key = { kind, init, model, tokenizer, stage, tasks, replay, replayStages, trainable, steps, batchSize, accumulation, lr, minLr, warmup, weightDecay, clip, seed, maxTokens, windowSeconds, cinc2017Share, ptbxlShare, augment, labels, standardizeProjector, timeWords, findingsSummary, findingWords, jitter, beatClassifier, recordClassifiers, beatNotes, noteDrills, repeat, recordSummary, recordNotes }; // prettier-ignore
  return hashString(JSON.stringify(key)).toString(16);
}

async function modelStage(c: StageConfig, o: RunStageOptions): Promise<StageResult> {
  const model = await startingModel(c);
  try {
    const loader = new EcgLoader(c.data);
    const train = await stageItems(c, "train", model, loader, o);
    const valid = await stageItems(c, "valid", model, loader, o);
    const contrastive = c.kind === "contrastive";
    const lengths = train.items.map((i) => i.len);
    const stream = new BatchStream(lengths, { batchSize: c.batchSize, seed: c.seed, dropLast: contrastive });
    const modelDir = join(c.out, "model");
    const save = (dir: string): void => model.save(dir);
    const loopOpts = loopOptions(c, o, modelDir, save);
    let loop: LoopResult;
    if (contrastive) {
      setTrainable(model, []);
      const cm = new ContrastiveModel(model.encoder, model.lm, model.tokenizer, c.seed);
      for (const p of cm.parameters()) p.frozen = false;
      const pairs = async (items: Item[]): Promise<Batch<PairBatch>> => {
        const ecgs = await Promise.all(items.map(async (i) => (await loader.load(i.ex)).map((e) => model.prepare(e))[0]!)); // prettier-ignore
        return {
          data: { ecgs, texts: items.map((i) => pairText(i.ex)) },
          tokens: items.reduce((s, i) => s + i.len, 0),
        };
      };
      loop = await runLoop(
        cm,
        stream,
        train.items,
        validBatches(valid.items, c.batchSize, 2),
        pairs,
        loopOpts,
      );
    } else {
      setTrainable(model, c.trainable);
      // a resumed stage loads its trained projector from the state: no initialisation to redo
      if (c.standardizeProjector && !existsSync(trainStateFile(c.out))) {
        const some = train.items.slice(0, c.standardizeProjector);
        standardizeProjector(model, (await Promise.all(some.map((it) => loader.load(it.ex)))).flat());
      }
      const labels = c.labels ? await labelsTerm(c, model, loader, c.labels) : null;
      const jitter = c.jitter ? new LocationJitter(c.data) : null;
      // training draws only: validation keeps its fixed windows
      const drawn = (ex: Example, i: number, k: number, valid: boolean): Promise<Example> =>
        jitter && !valid ? jitter.apply(ex, Rng.for(c.seed, "jitter", i, k)) : Promise.resolve(ex);
      const convs = async (items: Item[], i: number, valid: boolean): Promise<Batch<ChatBatch>> => ({
        data: {
          chat: await Promise.all(
            items.map(async (it, k) =>
              conversation(await drawn(it.ex, i, k, valid), model, loader, c.kind === "text"),
            ),
          ),
          labels: labels ? await (valid ? labels.windows.valid(i) : labels.windows.train(i)) : [],
        },
        tokens: items.reduce((s, it) => s + it.len, 0),
      });
      const m: TrainableModel<ChatBatch> = {
        parameters: () => model.parameters(),
        loss: (b) => (labels ? add(model.loss(b.chat), labels.loss(b.labels)) : model.loss(b.chat)),
      };
      loop = await runLoop(
        m,
        stream,
        train.items,
        validBatches(valid.items, c.batchSize, 1),
        convs,
        loopOpts,
      );
    }
    await finishStage(c, loop, modelDir, save);
    return {
      ...base(c),
      examples: train.items.length,
      dropped: train.dropped,
      validExamples: valid.items.length,
      loop,
    };
  } finally {
    model.dispose();
  }
}

/** The loop settings of a stage; a better validation saves the model to `modelDir`. */
function loopOptions(
  c: StageConfig,
  o: RunStageOptions,
  modelDir: string,
  save: (dir: string) => void,
): Omit<LoopOptions<never>, "valid"> {
  recoverDir(modelDir);
  return {
    runDir: c.out,
    title: c.name,
    steps: c.steps,
    accumulation: c.accumulation,
    lr: c.lr,
    minLr: c.minLr,
    warmup: c.warmup,
    weightDecay: c.weightDecay,
    clip: c.clip,
    evalEvery: c.evalEvery,
    saveEvery: c.saveEvery,
    fingerprint: fingerprint(c),
    resume: o.resume,
    signal: o.signal,
    handleSignals: o.handleSignals,
    stopAtStep: o.stopAtStep,
    progress: o.progress,
    onBest: () => replaceDir(modelDir, save),
  };
}

/** After a finished loop: the final model when nothing was validated, and the export. */
async function finishStage(
  c: StageConfig,
  loop: LoopResult,
  modelDir: string,
  save: (dir: string) => void,
): Promise<void> {
  if (loop.stopped) return;
  if (loop.bestValid === null) replaceDir(modelDir, save); // no validation: the final model
  if (!c.export) return;
  const best = await AnyEcg.load(modelDir, { merge: false });
  try {
    replaceDir(c.export.dir, (tmp) => best.save(tmp, { dtype: c.export!.dtype ?? "F16" }));
  } finally {
    best.dispose();
  }
}

// ---- stage 0d: dense labels ----------------------------------------------------------------------

/** The annotated records (MIT-BIH, CPSC 2021) of one side of the split. */
async function annotatedRecords(dataDir: string): Promise<AnnotatedRecord[]> {
  const out: AnnotatedRecord[] = [];
  if (existsSync(join(dataDir, "mitdb"))) out.push(...(await loadMitdb(dataDir)));
  if (existsSync(join(dataDir, "cpsc2021"))) out.push(...(await loadCpsc2021(dataDir)));
  if (out.length === 0)
    throw new InputError(dataDir, "no annotated database (mitdb, cpsc2021) in the data folder");
  return out;
}

/** Batches of labelled windows for the labels stage and the labels term of later stages. */
interface LabelWindows {
  train(i: number): Promise<DenseItem[]>;
  valid(i: number): Promise<DenseItem[]>;
}

/** The stage's window samplers (records, CinC 2017 share, augmentation) as batches of `size`. */
async function labelWindows(
  c: StageConfig,
  model: AnyEcg,
  loader: EcgLoader,
  size: number,
): Promise<LabelWindows> {
  const records = await annotatedRecords(c.data);
  const share = c.cinc2017Share ?? 0;
  const af = share > 0 ? labelledForHead(await loadCinc2017Rhythms(c.data), model.config) : [];
  const ptbxlShare = c.ptbxlShare ?? 0;
  const ptbxl = ptbxlShare > 0 ? labelledForHead(await loadPtbxlClasses(c.data), model.config) : [];
  const side = (split: "train" | "valid", seed: number, augment: boolean): DenseWindowSampler => {
    const some = records.filter((r) => r.split === split);
    if (some.length === 0) throw new InputError(c.data, `no annotated ${split} records (mitdb, cpsc2021)`);
    const sources = [
      { records: some, share: 1 - share - ptbxlShare },
      { records: af.filter((r) => r.split === split), share },
      { records: ptbxl.filter((r) => r.split === split), share: ptbxlShare },
    ];
    return new DenseWindowSampler(sources, c.windowSeconds ?? 10, seed, augment);
  };
  const train = side("train", c.seed, c.augment ?? false);
  const valid = side("valid", c.seed + 1, false);
  const items = (windows: DenseWindow[]): Promise<DenseItem[]> =>
    Promise.all(windows.map((w) => denseItem(loader, w, model)));
  return { train: (i) => items(train.batch(i, size)), valid: (i) => items(valid.batch(i, size)) };
}

async function labelsStage(c: StageConfig, o: RunStageOptions): Promise<StageResult> {
  const model = await startingModel(c);
  try {
    const windows = await labelWindows(c, model, new EcgLoader(c.data), c.batchSize);
    const validBatches = Math.ceil(c.evalExamples / c.batchSize);
    setTrainable(model, []);
    const dm = new DenseLabelModel(model.encoder);
    for (const p of dm.parameters()) p.frozen = false;
    const modelDir = join(c.out, "model");
    const tokens = (b: DenseItem[]): number =>
      b.reduce((s, i) => s + i.targets.length / model.config.encoder.findings!.length, 0);
    const save = (dir: string): void => model.save(dir);
    const loop = await trainLoop(
      dm,
      { batch: windows.train, tokens },
      { ...loopOptions(c, o, modelDir, save), valid: { count: validBatches, batch: windows.valid } },
    );
    await finishStage(c, loop, modelDir, save);
    return {
      ...base(c),
      examples: loop.step * c.batchSize * c.accumulation,
      validExamples: validBatches * c.batchSize,
      loop,
    };
  } finally {
    model.dispose();
  }
}

/** Wires items, batches and a model into the loop. */
async function runLoop<T>(
  model: TrainableModel<T>,
  stream: BatchStream,
  items: Item[],
  valid: Item[][],
  make: (items: Item[], i: number, valid: boolean) => Promise<Batch<T>>,
  opts: Omit<LoopOptions<Batch<T>>, "valid">,
): Promise<LoopResult> {
  const wrapped: TrainableModel<Batch<T>> = {
    parameters: () => model.parameters(),
    loss: (b) => model.loss(b.data),
  };
  const source: BatchSource<Batch<T>> = {
    batch: (i) =>
      make(
        stream.batch(i).map((k) => items[k]!),
        i,
        false,
      ),
    tokens: (b) => b.tokens,
  };
  const validSource: ValidSource<Batch<T>> | undefined = valid.length
    ? { count: valid.length, batch: (i) => make(valid[i]!, i, true) }
    : undefined;
  return trainLoop(wrapped, source, { ...opts, valid: validSource });
}
