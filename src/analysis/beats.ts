/**
 * Classical beat classification: QRS detection, beat features (`features.ts`) and a
 * gradient-boosted trees classifier (`gbt.ts`) over beat classes close to the AAMI ones, with
 * left and right bundle branch block beats kept apart because anyECG asks about them:
 *
 *   N  normal and escape beats (MIT-BIH N e j n)      L  left bundle branch block beat
 *   R  right bundle branch block beat                 S  supraventricular ectopic (A a J S)
 *   V  ventricular ectopic (V E)                      F  fusion of ventricular and normal
 *   P  paced and paced fusion (/ f)
 * Unclassifiable beats (Q, ?) and ventricular flutter waves (!) are left out of training.
 */
import { detectQrs } from "./qrs.js";
import { beatFeatures, beatSignals, FEATURE_NAMES } from "./features.js";
import { hasHeader, predictProba, trainGbt, type GbtModel, type GbtOptions } from "./gbt.js";
import type { Ecg, EcgAnnotation } from "../ecg/record.js";
import { normalizeLeadName } from "../ecg/leads.js";

export const BEAT_CLASSES = ["N", "L", "R", "S", "V", "F", "P"] as const;
export type BeatClass = (typeof BEAT_CLASSES)[number];

const CLASS_OF_CODE: Readonly<Record<string, BeatClass>> = {
  N: "N", e: "N", j: "N", n: "N", L: "L", R: "R", A: "S", a: "S", J: "S", S: "S",
  V: "V", E: "V", F: "F", "/": "P", f: "P",
}; // prettier-ignore

/** The class of a WFDB beat code, or null for codes left out (Q, ?, !, non-beats). */
export function beatClassOf(code: string): BeatClass | null {
  return CLASS_OF_CODE[code] ?? null;
}

/** A WFDB beat code standing for each class (for answers built with the annotation rules). */
export const CLASS_CODE: Readonly<Record<BeatClass, string>> = {
  N: "N",
  L: "L",
  R: "R",
  S: "A",
  V: "V",
  F: "F",
  P: "/",
};

/** A trained beat classifier, as stored in JSON. */
export interface BeatClassifier {
  kind: "anyecg-beat-classifier";
  version: 1;
  classes: readonly BeatClass[];
  features: readonly string[];
  model: GbtModel;
  /** Records it was trained on (for provenance). */
  trainedOn: string[];
}

/** The lead the classifier reads: MLII / II when present, otherwise the first lead. */
export function classifierLead(ecg: Ecg): number {
  const i = ecg.leads.findIndex((l) => {
    const n = normalizeLeadName(l);
    return n === "II" || /^ML\s*II$/i.test(l.trim());
  });
  return i >= 0 ? i : 0;
}

/** Detected beats of one lead and their feature vectors. */
export interface SegmentBeats {
  beats: Int32Array;
  features: Float64Array[];
}

/** Detects beats in one lead and computes their features. */
export function segmentBeats(signal: Float32Array, fs: number): SegmentBeats {
  const beats = signal.length >= fs ? detectQrs(signal, fs) : new Int32Array(0);
  return { beats, features: beats.length ? beatFeatures(beatSignals(signal, fs), beats) : [] };
}

/**
 * The reference code of each detected beat: the nearest reference beat annotation within
 * `toleranceSeconds` (150 ms, as EC57), or null. `annotations` sorted by sample.
 */
export function labelDetectedBeats(
  detected: Int32Array,
  annotations: readonly EcgAnnotation[],
  fs: number,
  toleranceSeconds = 0.15,
): (string | null)[] {
  const ref = annotations.filter((a) => beatClassOf(a.code) !== null || "Q?!".includes(a.code));
  const tol = toleranceSeconds * fs;
  let j = 0;
  return Array.from(detected, (d) => {
    while (j + 1 < ref.length && ref[j + 1]!.sample <= d) j++;
    let best: EcgAnnotation | null = null;
    for (const k of [j, j + 1]) {
      const a = ref[k];
      if (a && Math.abs(a.sample - d) <= tol && (!best || Math.abs(a.sample - d) < Math.abs(best.sample - d)))
        best = a;
    }
    return best ? best.code : null;
  });
}

/** Training rows: features and class indices. */
export interface BeatRows {
  X: Float64Array[];
  y: number[];
}

/** Adds the labelled beats of one segment (reference annotations at the segment's samples) to `rows`. */
export function addTrainingBeats(
  rows: BeatRows,
  seg: SegmentBeats,
  annotations: readonly EcgAnnotation[],
  fs: number,
): void {
  const codes = labelDetectedBeats(seg.beats, annotations, fs);
  codes.forEach((code, i) => {
    const c = code === null ? null : beatClassOf(code);
    if (c === null) return;
    rows.X.push(seg.features[i]!);
    rows.y.push(BEAT_CLASSES.indexOf(c));
  });
}

/**
 * Trains the classifier. Classes are weighted by the inverse square root of their frequency, so
 * that rare ectopic classes are not drowned by normal beats without over-calling them either.
 */
export function trainBeatClassifier(
  rows: BeatRows,
  trainedOn: string[],
  opts: GbtOptions = {},
): BeatClassifier {
  const counts = new Array<number>(BEAT_CLASSES.length).fill(0);
  for (const c of rows.y) counts[c]!++;
  const n = rows.y.length;
  const present = counts.filter((c) => c > 0).length;
  const w = rows.y.map((c) => Math.sqrt(n / (present * counts[c]!)));
  const model = trainGbt(rows.X, rows.y, BEAT_CLASSES.length, opts, w);
  return {
    kind: "anyecg-beat-classifier",
    version: 1,
    classes: BEAT_CLASSES,
    features: FEATURE_NAMES,
    model,
    trainedOn,
  };
}

/** Checks that parsed JSON is a classifier this code can use. */
export function parseBeatClassifier(json: unknown): BeatClassifier {
  const header = {
    kind: "anyecg-beat-classifier",
    version: 1,
    classes: BEAT_CLASSES,
    features: FEATURE_NAMES,
  };
  if (!hasHeader(json, header) || !(json as BeatClassifier).model)
    throw new RangeError("not a beat classifier of this version (retrain it)");
  return json as BeatClassifier;
}

/** Detected beats with their classes and class probabilities. */
export interface ClassifiedBeats {
  beats: Int32Array;
  classes: BeatClass[];
  proba: Float64Array[];
}

/** Classifies the beats of a segment's features. */
export function classifySegment(clf: BeatClassifier, seg: SegmentBeats): ClassifiedBeats {
  const proba = seg.features.map((x) => predictProba(clf.model, x));
  const classes = proba.map((p) => {
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    return clf.classes[best]!;
  });
  return { beats: seg.beats, classes, proba };
}

/** Detects and classifies the beats of one lead. */
export function classifyBeats(clf: BeatClassifier, signal: Float32Array, fs: number): ClassifiedBeats {
  return classifySegment(clf, segmentBeats(signal, fs));
}

/** Per-class sensitivity and positive predictivity from a confusion matrix (rows: truth). */
export interface ClassScores {
  n: number;
  sensitivity: number | null;
  ppv: number | null;
}

/** Confusion matrix counts[truth][predicted] over class indices. */
export function confusion(truth: readonly number[], predicted: readonly number[], k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  truth.forEach((t, i) => m[t]![predicted[i]!]!++);
  return m;
}

/** Se = TP / (TP + FN), PPV = TP / (TP + FP) per class (null when undefined). */
export function classScores(
  m: readonly (readonly number[])[],
  classes: readonly string[],
): Record<string, ClassScores> {
  const out: Record<string, ClassScores> = {};
  classes.forEach((c, k) => {
    const row = m[k]!.reduce((a, b) => a + b, 0);
    const col = m.reduce((a, r) => a + r[k]!, 0);
    const tp = m[k]![k]!;
    out[c] = { n: row, sensitivity: row ? tp / row : null, ppv: col ? tp / col : null };
  });
  return out;
}
