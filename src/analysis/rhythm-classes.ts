/**
 * Classical rhythm classification of a whole recording: normal sinus rhythm, atrial
 * fibrillation, other rhythm or too noisy to read (CinC 2017's four classes), from statistics of
 * its RR intervals and of its beats' shapes, by gradient-boosted trees (`gbt.ts`).
 *
 * Why: atrial fibrillation is an irregularly irregular rhythm without P waves, and "other
 * rhythms" (premature beats, flutter, blocks) are irregular in other ways; the statistics that
 * tell them apart are record-level (how many successive intervals change, how regular the rest
 * is) and hold across patients. Trained on CinC 2017's 2,502 training recordings, these trees
 * find AF on the 498 validation recordings at F1 83 (AUC 98.5, 4-class accuracy 83 %), where
 * the language model's reports, reading the encoder's token-level evidence, reached 67-71.
 *
 * A recording is read in segments of at most `SEGMENT_SECONDS` (CinC 2017's recordings are
 * 9-61 s; a day-long Holter is read as its 60-s pieces), and its probabilities are the mean of
 * its segments' weighted by their lengths. Training reads its recordings the same way.
 *
 * Features of a segment (RR in seconds; ratios of successive RRs as |log2|):
 * beats per second, median RR, coefficient of variation of RR, RMSSD over mean RR, mean |log2|
 * successive ratio, fraction of successive ratios beyond 7 %, their lower quartile, median and
 * upper quartile, fraction of RRs within 10 % of the median, shortest and longest RR over the
 * median; over the beats (features.ts): median QRS width, median and lower quartile of the
 * correlation with the median beat, median RMS difference from it, median high/low-frequency
 * QRS energy, median T level, median and upper quartile of the P-wave region's energy; the
 * segment's length.
 */
import { beatFeatures, beatSignals, FEATURE_NAMES } from "./features.js";
import { mean, median, quantile } from "./stats.js";
import { lowerBound } from "../search.js";
import { hasHeader, predictProba, trainGbt, type GbtModel, type GbtOptions } from "./gbt.js";

/** CinC 2017's classes (normal, AF, other rhythm, noisy), and the names reports and findings give them. */
export const RHYTHM_CLASS_NAMES = {
  N: "Normal sinus rhythm",
  A: "Atrial fibrillation",
  O: "Other rhythm",
  "~": "Noisy recording",
} as const;
export type RhythmClass = keyof typeof RHYTHM_CLASS_NAMES;
export const RHYTHM_CLASSES = Object.keys(RHYTHM_CLASS_NAMES) as RhythmClass[];

/** Longest piece of a recording read at once (s). */
export const SEGMENT_SECONDS = 60;

export const RHYTHM_FEATURE_NAMES = [
  "beatsPerSecond",
  "medianRR",
  "cvRR",
  "rmssd/meanRR",
  "meanChange",
  "changesOver7%",
  "change25%",
  "change50%",
  "change75%",
  "regularFraction",
  "minRR/median",
  "maxRR/median",
  "qrsWidth50%",
  "corrBeat50%",
  "corrBeat25%",
  "rmsDiff50%",
  "logHiLo50%",
  "tLevel50%",
  "pEnergy50%",
  "pEnergy75%",
  "seconds",
] as const;

/** A trained rhythm classifier, as stored in JSON. */
export interface RhythmClassifier {
  kind: "anyecg-rhythm-classifier";
  version: 1;
  classes: readonly RhythmClass[];
  features: readonly string[];
  model: GbtModel;
  /** Recordings it was trained on (how many, and from where). */
  trainedOn: string;
}

/**
 * Shallow trees with at least 5 recordings' weight per leaf: on CinC 2017 they score the same on
 * training and validation recordings (AF F1 83.3 / 83.1), where depth-3 trees fit the training
 * recordings better than they generalize (91.2 / 82.6).
 */
const GBT: GbtOptions = { rounds: 100, depth: 2, learningRate: 0.1, minChildWeight: 5 };

const column = (name: (typeof FEATURE_NAMES)[number]): number => FEATURE_NAMES.indexOf(name);

/** The features (RHYTHM_FEATURE_NAMES) of one segment: a lead at `fs` and its beats (samples, sorted). */
export function segmentRhythmFeatures(lead: Float32Array, fs: number, beats: Int32Array): Float64Array {
  const seconds = lead.length / fs;
  const rr = Array.from(
    { length: Math.max(0, beats.length - 1) },
    (_, i) => (beats[i + 1]! - beats[i]!) / fs,
  );
  const changes = rr.slice(1).map((r, i) => Math.abs(Math.log2(r / rr[i]!)));
  const mid = median(rr) || 1;
  const average = mean(rr) || 1;
  const sd = Math.sqrt(mean(rr.map((r) => (r - average) ** 2)));
  const rmssd = Math.sqrt(mean(rr.slice(1).map((r, i) => (r - rr[i]!) ** 2)));
  const beatRows = beats.length ? beatFeatures(beatSignals(lead, fs), beats) : [];
  const of = (name: (typeof FEATURE_NAMES)[number]): number[] => beatRows.map((f) => f[column(name)]!);
  const corr = of("corrBeat");
  const p = of("pEnergy");
  return Float64Array.from([
    beats.length / seconds,
    median(rr),
    sd / average,
    rmssd / average,
    mean(changes),
    changes.length ? changes.filter((c) => c > 0.1).length / changes.length : 0,
    quantile(changes, 0.25),
    median(changes),
    quantile(changes, 0.75),
    rr.length ? rr.filter((r) => Math.abs(r - mid) <= 0.1 * mid).length / rr.length : 0,
    rr.length ? Math.min(...rr) / mid : 0,
    rr.length ? Math.max(...rr) / mid : 0,
    median(of("qrsWidth")),
    median(corr),
    quantile(corr, 0.25),
    median(of("rmsDiff")),
    median(of("logHiLo")),
    median(of("tLevel")),
    median(p),
    quantile(p, 0.75),
    seconds,
  ]);
}

/** A recording's pieces of equal length, at most SEGMENT_SECONDS each: [start, end) in samples. */
export function rhythmSegments(samples: number, fs: number): { start: number; end: number }[] {
  const n = Math.max(1, Math.ceil(samples / (SEGMENT_SECONDS * fs)));
  return Array.from({ length: n }, (_, k) => ({
    start: Math.round((k * samples) / n),
    end: Math.round(((k + 1) * samples) / n),
  }));
}

/** Each segment's features (`rhythmSegments`), for a lead at `fs` with beats at `beats` (s, sorted). */
export function recordRhythmFeatures(
  lead: Float32Array,
  fs: number,
  beats: ArrayLike<number>,
): { features: Float64Array; samples: number }[] {
  return rhythmSegments(lead.length, fs).map(({ start, end }) => {
    // the beats whose sample lies in [start, end), found by binary search: a day has 1,440 pieces
    const from = lowerBound(beats, (start - 0.5) / fs);
    const to = lowerBound(beats, (end - 0.5) / fs);
    const inside = Int32Array.from(
      { length: to - from },
      (_, i) => Math.round(beats[from + i]! * fs) - start,
    );
    return { features: segmentRhythmFeatures(lead.subarray(start, end), fs, inside), samples: end - start };
  });
}

/** Class probabilities (RHYTHM_CLASSES order) of a recording: its segments' mean, weighted by length. */
export function classifyRhythm(
  clf: RhythmClassifier,
  lead: Float32Array,
  fs: number,
  beats: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(RHYTHM_CLASSES.length);
  for (const s of recordRhythmFeatures(lead, fs, beats)) {
    const p = predictProba(clf.model, s.features);
    for (let k = 0; k < out.length; k++) out[k] += (p[k]! * s.samples) / lead.length;
  }
  return out;
}

/** Trains on segments' feature rows `X` with class indices `y` (RHYTHM_CLASSES). */
export function trainRhythmClassifier(
  X: readonly Float64Array[],
  y: readonly number[],
  trainedOn: string,
): RhythmClassifier {
  return {
    kind: "anyecg-rhythm-classifier",
    version: 1,
    classes: RHYTHM_CLASSES,
    features: RHYTHM_FEATURE_NAMES,
    model: trainGbt(X, y, RHYTHM_CLASSES.length, GBT),
    trainedOn,
  };
}

/** Checks that parsed JSON is a rhythm classifier this code can use. */
export function parseRhythmClassifier(json: unknown): RhythmClassifier {
  const header = { kind: "anyecg-rhythm-classifier", version: 1, classes: RHYTHM_CLASSES, features: RHYTHM_FEATURE_NAMES }; // prettier-ignore
  if (!hasHeader(json, header) || !(json as RhythmClassifier).model)
    throw new RangeError("not a rhythm classifier of this version (retrain it)");
  return json as RhythmClassifier;
}
