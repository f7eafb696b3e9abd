/**
 * Training of the classical models (the baseline's, and the beat classifier an encoder with
 * `beatClasses` reads), from the MIT-BIH training
 * records only (`src/data/splits.ts`: the validation records 109 119 124 201 220 are never seen):
 * - the beat classifier (`src/analysis/beats.ts`) on beats detected in 70-s segments (a 10-s
 *   window with `CONTEXT_SECONDS` on each side, as at prediction time), each labelled with the
 *   reference annotation within 150 ms;
 * - the atrial fibrillation threshold on RR irregularity (`src/analysis/episodes.ts`), chosen to
 *   maximise the beat-level F1 of "in AF" on the same MIT-BIH training records plus the CPSC 2021
 *   training patients;
 * - the record classifiers (CinC 2017's rhythms, PTB-XL's diagnoses) and their out-of-fold
 *   copies (`record-classifiers.ts`).
 * The result is one JSON file, cached (training takes about a minute on the shared data).
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdir, writeFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  addTrainingBeats,
  beatClassOf,
  classifierLead,
  labelDetectedBeats,
  parseBeatClassifier,
  segmentBeats,
  trainBeatClassifier,
  type BeatClass,
  type BeatClassifier,
  type BeatRows,
} from "../analysis/beats.js";
import { CONTEXT_SECONDS } from "../analysis/features.js";
import { rrIrregularity } from "../analysis/episodes.js";
import type { GbtOptions } from "../analysis/gbt.js";
import type { DiagnosisClassifier } from "../analysis/diagnosis-classes.js";
import type { RhythmClassifier } from "../analysis/rhythm-classes.js";
import { InputError } from "../errors.js";
import { readJson } from "../model/checkpoint.js";
import { readEcg } from "../ecg/read.js";
import { annotationsIn, recordIdOf, type Ecg, type EcgAnnotation } from "../ecg/record.js";
import { trainRecordClassifiers, type RecordFold } from "./record-classifiers.js";
import { rhythmEpisodes } from "../data/intervals.js";
import { cpsc2021Split, mitdbSplit } from "../data/splits.js";
import { Progress, type ProgressSink } from "../data/progress.js";

/** Everything the classical baseline learned. */
export interface ClassicalModel {
  beats: BeatClassifier;
  af: { threshold: number; window: number; minBeats: number; trainF1: number };
  /** Out-of-fold beat classifiers (`TrainClassicalOptions.folds`), see `BeatFold`. */
  folds?: BeatFold[];
  /** The rhythm classifier, when the data had CinC 2017's recordings. */
  rhythms?: RhythmClassifier;
  /** The diagnosis classifier, when the data had PTB-XL's records. */
  diagnoses?: DiagnosisClassifier;
  /** Out-of-fold copies of the record classifiers, when there are some (see `RecordFold`). */
  recordFolds?: RecordFold[];
}

/**
 * A beat classifier trained without some training records. An encoder that reads the
 * classifier's probabilities (`encoder.beatClasses`) is trained on those records' windows with
 * the classifier that never saw them: the full classifier is perfect on its own training
 * records (sensitivity and PPV 0.98-1.00 for every class) but not on new patients (LBBB and
 * RBBB beats of the validation records: sensitivity 0), and an encoder trained on its
 * training-set outputs would trust it where it fails.
 */
export interface BeatFold {
  /** Record ids ("mitdb/106") this classifier did not see. */
  heldOut: string[];
  beats: BeatClassifier;
}

export interface TrainClassicalOptions {
  /** The data folder with mitdb/ (and optionally cpsc2021/). */
  dataDir: string;
  /** Only these MIT-BIH records (default: every training record present). */
  records?: string[];
  /** Seconds of each record used (default: all); for quick tests. */
  maxSeconds?: number;
  gbt?: GbtOptions;
  /** Also train this many out-of-fold classifiers (records dealt round-robin; default none). */
  folds?: number;
  log?: ProgressSink | null;
}

const SEGMENT_SECONDS = 10 + 2 * CONTEXT_SECONDS;

/** MIT-BIH training records present under `dataDir/mitdb`. */
export function mitdbTrainingRecords(dataDir: string): string[] {
  const dir = join(dataDir, "mitdb");
  if (!existsSync(dir))
    throw new InputError(dir, "MIT-BIH folder not found (needed to train the classical baseline)");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".atr"))
    .map((f) => f.slice(0, -4))
    .filter((r) => mitdbSplit(r) === "train")
    .sort();
}

/** Consecutive segments of a record, each with its annotations shifted to its own samples. */
export function* segments(
  ecg: Ecg,
  lead: number,
  maxSeconds?: number,
): Generator<{ signal: Float32Array; anns: EcgAnnotation[] }> {
  const len = Math.round(SEGMENT_SECONDS * ecg.fs);
  const total = Math.min(ecg.signals[lead]!.length, maxSeconds ? Math.round(maxSeconds * ecg.fs) : Infinity);
  for (let a = 0; a + ecg.fs * 5 <= total; a += len) {
    const b = Math.min(total, a + len);
    const anns = annotationsIn(ecg.annotations, a, b);
    yield { signal: ecg.signals[lead]!.subarray(a, b), anns };
  }
}

/** Beat-level AF truth and irregularity of one record (for the threshold search). */
interface AfSamples {
  irregularity: number[];
  inAf: boolean[];
}

function addAfSamples(acc: AfSamples, ecg: Ecg, lead: number, maxSeconds?: number): void {
  const episodes = rhythmEpisodes(ecg.annotations, ecg.signals[0]!.length).filter(
    (e) => e.rhythm === "(AFIB",
  );
  let offset = 0;
  for (const seg of segments(ecg, lead, maxSeconds)) {
    const { beats } = segmentBeats(seg.signal, ecg.fs);
    const codes = labelDetectedBeats(beats, seg.anns, ecg.fs);
    const classes = codes.map((c) => (c === null ? "N" : (beatClassOf(c) ?? "N"))) as BeatClass[];
    const irr = rrIrregularity(beats, classes);
    beats.forEach((b, i) => {
      if (Number.isNaN(irr[i]!)) return;
      const s = b + offset;
      acc.irregularity.push(irr[i]!);
      acc.inAf.push(episodes.some((e) => s >= e.start && s < e.end));
    });
    offset += seg.signal.length;
  }
}

/** The threshold with the best F1 of "irregularity > threshold" against "in AF". */
export function bestAfThreshold(acc: AfSamples): { threshold: number; f1: number } {
  let best = { threshold: 0.1, f1: 0 };
  for (let t = 0.02; t <= 0.4; t += 0.005) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    acc.irregularity.forEach((v, i) => {
      const p = v > t;
      if (p && acc.inAf[i]) tp++;
      else if (p) fp++;
      else if (acc.inAf[i]) fn++;
    });
    const f1 = tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
    if (f1 > best.f1) best = { threshold: Math.round(t * 1000) / 1000, f1 };
  }
  return best;
}

export async function readRecord(dataDir: string, db: string, name: string): Promise<Ecg> {
  return readEcg(join(dataDir, db, name), { annotators: ["atr"] });
}

/** Trains the beat classifier and the AF threshold (see the module comment). */
export async function trainClassical(opts: TrainClassicalOptions): Promise<ClassicalModel> {
  const records = opts.records ?? mitdbTrainingRecords(opts.dataDir);
  const invalid = records.filter((r) => mitdbSplit(r) !== "train");
  if (invalid.length) throw new RangeError(`not MIT-BIH training records: ${invalid.join(", ")}`);
  const cpscDir = join(opts.dataDir, "cpsc2021");
  const cpsc = existsSync(cpscDir) && !opts.records
    ? readdirSync(cpscDir).filter((f) => f.endsWith(".atr")).map((f) => f.slice(0, -4)).filter((r) => cpsc2021Split(r) === "train").sort()
    : []; // prettier-ignore
  const bar =
    opts.log === null
      ? null
      : new Progress("classical train", records.length + cpsc.length, "records", opts.log);
  const rowsOf = new Map<string, BeatRows>();
  const af: AfSamples = { irregularity: [], inAf: [] };
  for (const name of records) {
    const ecg = await readRecord(opts.dataDir, "mitdb", name);
    const lead = classifierLead(ecg);
    const rows: BeatRows = { X: [], y: [] };
    for (const seg of segments(ecg, lead, opts.maxSeconds)) {
      addTrainingBeats(rows, segmentBeats(seg.signal, ecg.fs), seg.anns, ecg.fs);
    }
    rowsOf.set(name, rows);
    addAfSamples(af, ecg, lead, opts.maxSeconds);
    bar?.tick();
  }
  for (const name of cpsc) {
    const ecg = await readRecord(opts.dataDir, "cpsc2021", name);
    addAfSamples(af, ecg, classifierLead(ecg), opts.maxSeconds);
    bar?.tick();
  }
  bar?.finish();
  const train = (names: string[]): BeatClassifier => {
    const rows = names.map((r) => rowsOf.get(r)!);
    return trainBeatClassifier({ X: rows.flatMap((r) => r.X), y: rows.flatMap((r) => r.y) }, names.map((r) => `mitdb/${r}`), opts.gbt); // prettier-ignore
  };
  const k = opts.folds ?? 0;
  const folds = Array.from({ length: k }, (_, f) => {
    const heldOut = records.filter((_, i) => i % k === f);
    return { heldOut: heldOut.map((r) => `mitdb/${r}`), beats: train(records.filter((r) => !heldOut.includes(r))) }; // prettier-ignore
  });
  const t = bestAfThreshold(af);
  const record = opts.records ? null : await trainRecordClassifiers(opts.dataDir, { log: opts.log });
  return {
    beats: train(records),
    af: { threshold: t.threshold, window: 12, minBeats: 8, trainF1: t.f1 },
    ...(k > 0 ? { folds } : {}),
    ...record?.classifiers,
    ...(record ? { recordFolds: record.folds } : {}),
  };
}

/** Reads a cached model, or trains one and writes it atomically. */
export async function loadOrTrainClassical(
  cacheFile: string,
  opts: TrainClassicalOptions,
): Promise<ClassicalModel> {
  if (existsSync(cacheFile)) {
    try {
      const json = readClassicalModel(cacheFile);
      const has = (db: string, part: unknown) => opts.records || !existsSync(join(opts.dataDir, db)) || part; // prettier-ignore
      const complete =
        has("cinc2017", json.rhythms) &&
        has("ptbxl", json.diagnoses) &&
        has("cinc2017", json.recordFolds) &&
        has("ptbxl", json.recordFolds);
      if (typeof json.af?.threshold === "number" && (json.folds?.length ?? 0) === (opts.folds ?? 0) && complete) return json; // prettier-ignore
    } catch {
      // Stale or broken cache: retrain below.
    }
  }
  const model = await trainClassical(opts);
  await mkdir(dirname(cacheFile), { recursive: true });
  await writeFile(cacheFile + ".tmp", JSON.stringify(model));
  await rename(cacheFile + ".tmp", cacheFile);
  return model;
}

/**
 * The beat classifier each training ECG is prepared with: the fold's that never saw its record
 * when there is one (see `BeatFold`), else `full`.
 */
export function outOfFold(folds: readonly BeatFold[], full: BeatClassifier): (ecg: Ecg) => BeatClassifier {
  const byRecord = new Map(folds.flatMap((f) => f.heldOut.map((r) => [r, f.beats] as const)));
  return (ecg) => byRecord.get(recordIdOf(ecg)) ?? full;
}

/**
 * The beat classifiers a stage gives its model (`beatClassifier`): a classical model file's (with
 * its folds), or a checkpoint's beat-classifier.json. The file is read once.
 */
export function readStageClassifiers(path: string): Pick<ClassicalModel, "beats" | "folds"> {
  const json = readJson(path);
  if (json && typeof json === "object" && "beats" in json) return parseClassicalModel(json, path);
  try {
    return { beats: parseBeatClassifier(json) };
  } catch (e) {
    throw new InputError(path, (e as Error).message);
  }
}

/** Reads a classical model file (a beats stage's classical.json); errors name the file. */
export function readClassicalModel(path: string): ClassicalModel {
  return parseClassicalModel(readJson(path), path);
}

function parseClassicalModel(value: unknown, path: string): ClassicalModel {
  const json = value as ClassicalModel;
  try {
    parseBeatClassifier(json?.beats);
    for (const f of json.folds ?? []) {
      parseBeatClassifier(f.beats);
      if (!Array.isArray(f.heldOut)) throw new RangeError("a fold lists no held-out records");
    }
  } catch (e) {
    throw new InputError(path, (e as Error).message);
  }
  return json;
}
