/**
 * Training of the record classifiers a model may read (src/analysis/record-classifiers.ts), each
 * when the data has its database, every record read as the model reads an ECG (`recordInput`):
 * - the rhythm classifier (rhythm-classes.ts) on CinC 2017's training recordings;
 * - the diagnosis classifier (diagnosis-classes.ts) on PTB-XL's training records with a
 *   diagnostic statement;
 * - and RECORD_FOLDS out-of-fold copies of both (`RecordFold`).
 *
 * Why the folds: the full diagnosis classifier separates its own training records perfectly
 * (macro AUC 100.0 on the 352 PTB-XL training records, 91.2 on validation; 85.3 out of fold), so
 * a model trained on notes written by it would learn notes that are never wrong and never
 * unsure. Each training record is prepared instead with the fold's classifiers that never saw
 * it, whose errors and doubts are those the model meets on new patients.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  DIAGNOSIS_CLASSES,
  diagnosisFeatures,
  trainDiagnosisClassifier,
  type DiagnosisClass,
  type DiagnosisClassifier,
} from "../analysis/diagnosis-classes.js";
import {
  parseRecordClassifiers,
  type RecordClassifiers,
  type RecordInput,
} from "../analysis/record-classifiers.js";
import {
  RHYTHM_CLASSES,
  recordRhythmFeatures,
  trainRhythmClassifier,
  type RhythmClass,
  type RhythmClassifier,
} from "../analysis/rhythm-classes.js";
import { loadCinc2017 } from "../data/sources/cinc2017.js";
import type { AnnotatedRecord } from "../data/sources/mitdb.js";
import { loadPtbxlClasses, ptbxlClassCode } from "../data/sources/ptbxl.js";
import { Progress, type ProgressSink } from "../data/progress.js";
import { readEcg } from "../ecg/read.js";
import { recordIdOf, type Ecg } from "../ecg/record.js";
import { InputError } from "../errors.js";
import { readJson } from "../model/checkpoint.js";
import { recordInput } from "../model/preprocess.js";

/** How many out-of-fold copies the record classifiers are trained with. */
export const RECORD_FOLDS = 5;

/** Record classifiers trained without some training records (`heldOut`, as `recordIdOf` names them). */
export interface RecordFold extends RecordClassifiers {
  heldOut: string[];
}

/** The full record classifiers and their out-of-fold copies. */
export interface TrainedRecordClassifiers {
  classifiers: RecordClassifiers;
  folds: RecordFold[];
}

/** One record's training rows; records of a `group` (a patient) share a fold. */
interface RecordRows<Y> {
  id: string;
  group: string;
  X: Float64Array[];
  y: Y[];
}

/** Reads each record (paths under `dataDir`) as the model reads an ECG, with a progress bar. */
async function readRecords<T>(
  dataDir: string,
  paths: readonly string[],
  title: string,
  log: ProgressSink | null | undefined,
  each: (input: RecordInput, i: number, id: string) => T,
): Promise<T[]> {
  const bar = log === null ? null : new Progress(title, paths.length, "records", log);
  const out: T[] = [];
  for (const [i, p] of paths.entries()) {
    const ecg = await readEcg(join(dataDir, p));
    out.push(each(recordInput(ecg), i, recordIdOf(ecg)));
    bar?.tick();
  }
  bar?.finish();
  return out;
}

/** Rows of CinC 2017's training recordings under `dataDir` (null: none there): one per 60-s piece. */
async function rhythmRows(
  dataDir: string,
  log: ProgressSink | null | undefined,
  limit: number,
): Promise<RecordRows<number>[] | null> {
  if (!existsSync(join(dataDir, "cinc2017"))) return null;
  const recordings = (await loadCinc2017(dataDir)).filter((r) => r.split === "train").slice(0, limit);
  const paths = recordings.map((r) => r.path);
  return readRecords(dataDir, paths, "rhythm train", log, ({ lead, fs, beats }, i, id) => {
    const X = recordRhythmFeatures(lead, fs, beats).map((s) => s.features);
    const y = RHYTHM_CLASSES.indexOf(recordings[i]!.label as RhythmClass);
    return { id, group: recordings[i]!.patient, X, y: X.map(() => y) };
  });
}

/** Rows of PTB-XL's 12-lead training records with a diagnostic statement (null: none there). */
async function diagnosisRows(
  dataDir: string,
  log: ProgressSink | null | undefined,
  limit: number,
): Promise<RecordRows<Set<DiagnosisClass>>[] | null> {
  if (!existsSync(join(dataDir, "ptbxl"))) return null;
  const records = (await loadPtbxlClasses(dataDir)).filter((r) => r.split === "train").slice(0, limit);
  const paths = records.map((r) => r.info.path);
  const classesOf = (r: AnnotatedRecord) =>
    new Set(DIAGNOSIS_CLASSES.filter((c) => r.episodes.some((e) => e.rhythm === ptbxlClassCode(c))));
  const rows = await readRecords(dataDir, paths, "diagnosis train", log, ({ slots, fs, beats }, i, id) => {
    const x = diagnosisFeatures(slots, fs, beats);
    return { id, group: records[i]!.patient, X: x ? [x] : [], y: x ? [classesOf(records[i]!)] : [] };
  });
  return rows.filter((r) => r.X.length > 0);
}

function fitRhythms(rows: readonly RecordRows<number>[]): RhythmClassifier {
  const [X, y] = [rows.flatMap((r) => r.X), rows.flatMap((r) => r.y)];
  return trainRhythmClassifier(X, y, `${rows.length} CinC 2017 training recordings`);
}

function fitDiagnoses(rows: readonly RecordRows<Set<DiagnosisClass>>[]): DiagnosisClassifier {
  const [X, y] = [rows.flatMap((r) => r.X), rows.flatMap((r) => r.y)];
  return trainDiagnosisClassifier(X, y, `${rows.length} PTB-XL training records`);
}

/** The rhythm classifier alone (no folds; null: no CinC 2017 under `dataDir`). */
export async function trainRhythms(
  dataDir: string,
  log?: ProgressSink | null,
  limit = Infinity,
): Promise<RhythmClassifier | null> {
  const rows = await rhythmRows(dataDir, log, limit);
  return rows && fitRhythms(rows);
}

/** The diagnosis classifier alone (no folds; null: no PTB-XL under `dataDir`). */
export async function trainDiagnoses(
  dataDir: string,
  log?: ProgressSink | null,
  limit = Infinity,
): Promise<DiagnosisClassifier | null> {
  const rows = await diagnosisRows(dataDir, log, limit);
  return rows && fitDiagnoses(rows);
}

/** Each row's fold in 0..k-1: groups dealt round-robin in order of first appearance. */
export function dealFolds(groups: readonly string[], k: number): number[] {
  const index = new Map<string, number>();
  for (const g of groups) if (!index.has(g)) index.set(g, index.size);
  return groups.map((g) => index.get(g)! % k);
}

/** A classifier on all rows, and its fit without each fold. */
function withFolds<R extends { id: string; group: string }, C>(
  rows: readonly R[] | null,
  fit: (rows: readonly R[]) => C,
  k: number,
): { full: C; folds: { heldOut: string[]; clf: C }[] } | null {
  if (!rows) return null;
  const fold = dealFolds(
    rows.map((r) => r.group),
    k,
  );
  const folds = Array.from({ length: k }, (_, f) => ({
    heldOut: rows.filter((_, i) => fold[i] === f).map((r) => r.id),
    clf: fit(rows.filter((_, i) => fold[i] !== f)),
  }));
  return { full: fit(rows), folds };
}

/**
 * The record classifiers of the databases under `dataDir` (null when it has neither), with
 * `folds` out-of-fold copies (0: none). `limit` caps each database's records (tests).
 */
export async function trainRecordClassifiers(
  dataDir: string,
  opts: { log?: ProgressSink | null; limit?: number; folds?: number } = {},
): Promise<TrainedRecordClassifiers | null> {
  const { log, limit = Infinity, folds: k = RECORD_FOLDS } = opts;
  const rhythms = withFolds(await rhythmRows(dataDir, log, limit), fitRhythms, k);
  const diagnoses = withFolds(await diagnosisRows(dataDir, log, limit), fitDiagnoses, k);
  if (!rhythms && !diagnoses) return null;
  const classifiers = parseRecordClassifiers({ rhythms: rhythms?.full, diagnoses: diagnoses?.full });
  const folds = Array.from({ length: k }, (_, f) => {
    const r = rhythms?.folds[f];
    const d = diagnoses?.folds[f];
    return {
      heldOut: [...(r?.heldOut ?? []), ...(d?.heldOut ?? [])],
      ...(r ? { rhythms: r.clf } : {}),
      ...(d ? { diagnoses: d.clf } : {}),
    };
  });
  return { classifiers, folds };
}

/**
 * The record classifiers an ECG is prepared with in training: its fold's when a fold held it
 * out (see RecordFold), else the full ones (they never saw it either).
 */
export function recordOutOfFold(
  folds: readonly RecordFold[],
  full: RecordClassifiers,
): (ecg: Ecg) => RecordClassifiers {
  const byRecord = new Map(folds.flatMap((f) => f.heldOut.map((r) => [r, f] as const)));
  return (ecg) => byRecord.get(recordIdOf(ecg)) ?? full;
}

/**
 * The record classifiers a stage gives its model (`recordClassifiers`), with their folds: a
 * classical model file's (a beats stage's classical.json), or a checkpoint's
 * record-classifiers.json (no folds).
 */
export function readStageRecordClassifiers(path: string): TrainedRecordClassifiers {
  const json = readJson(path);
  try {
    if (!json || typeof json !== "object" || !("beats" in json))
      return { classifiers: parseRecordClassifiers(json), folds: [] };
    const { rhythms, diagnoses, recordFolds } = json as {
      rhythms?: unknown;
      diagnoses?: unknown;
      recordFolds?: unknown;
    };
    const folds = (Array.isArray(recordFolds) ? recordFolds : []).map((f: unknown) => {
      const heldOut = (f as RecordFold).heldOut;
      if (!Array.isArray(heldOut)) throw new RangeError("a record fold lists no held-out records");
      return { heldOut, ...parseRecordClassifiers(f) };
    });
    return { classifiers: parseRecordClassifiers({ rhythms, diagnoses }), folds };
  } catch (e) {
    throw new InputError(path, (e as Error).message);
  }
}
