/**
 * Classical diagnosis of a 12-lead ECG: PTB-XL's five diagnostic superclasses (normal ECG,
 * myocardial infarction, ST/T change, conduction disturbance, hypertrophy), each from the
 * amplitudes and intervals a cardiologist measures on every lead's median beat, by one
 * gradient-boosted trees model per class (`gbt.ts`; a record may have several).
 *
 * Why: these are the criteria the diagnoses are defined by (QRS width for conduction
 * disturbances, R and S voltages for hypertrophy, ST deviation and T inversion for ST/T
 * changes, Q waves for infarction), measured alike on every patient. Trained on the 352
 * training records of PTB-XL here (folds 1-8 of records 1-500), they separate the classes of
 * the 72 fold-9 records at macro AUC 91 (NORM 92, MI 85, STTC 92, CD 98, HYP 89), where the
 * encoder trained on the same records reaches 77 and the reports written from it 68.
 *
 * Only ECGs with all 12 standard leads are read (`diagnosisFeatures` gives null otherwise): the
 * criteria compare leads, and a missing lead is not a normal one.
 *
 * Features: beats per second and median RR; the widest QRS over the leads and the span from the
 * earliest onset to the latest offset; per lead, on its median beat (0.5-40 Hz) against the
 * PR-segment baseline, in the record's units (mV): R (the QRS maximum), S (its minimum), the
 * deepest Q before R, the ST level 60 ms after the QRS, the T wave's largest deviation
 * (100-400 ms after the QRS), the P wave's (250-30 ms before it), R / (R - S), and the time of R
 * after the QRS onset.
 */
import { beatSignals, medianBeat, qrsBounds } from "./features.js";
import { median } from "./stats.js";
import { hasHeader, predictProba, trainGbt, type GbtModel, type GbtOptions } from "./gbt.js";

/** PTB-XL's diagnostic superclasses, and the names reports and findings give them. */
export const DIAGNOSIS_CLASS_NAMES = {
  NORM: "Normal ECG",
  MI: "Myocardial infarction",
  STTC: "ST/T change",
  CD: "Conduction disturbance",
  HYP: "Hypertrophy",
} as const;
export type DiagnosisClass = keyof typeof DIAGNOSIS_CLASS_NAMES;
export const DIAGNOSIS_CLASSES = Object.keys(DIAGNOSIS_CLASS_NAMES) as DiagnosisClass[];

const LEAD_FEATURES = ["R", "S", "Q", "ST", "T", "P", "R/(R-S)", "timeOfR"] as const;
const LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"];

export const DIAGNOSIS_FEATURE_NAMES: readonly string[] = [
  "beatsPerSecond",
  "medianRR",
  "widestQrs",
  "qrsSpan",
  ...LEADS.flatMap((l) => LEAD_FEATURES.map((f) => `${l}.${f}`)),
];

/** A trained diagnosis classifier, as stored in JSON: one two-class model per class. */
export interface DiagnosisClassifier {
  kind: "anyecg-diagnosis-classifier";
  version: 1;
  classes: readonly DiagnosisClass[];
  features: readonly string[];
  models: GbtModel[];
  trainedOn: string;
}

/** As the rhythm classifier's: shallow trees, at least 5 records' weight per leaf. */
const GBT: GbtOptions = { rounds: 100, depth: 2, learningRate: 0.1, minChildWeight: 5 };

/** The sample of `x` in [a, b) deviating most from `base`, as a deviation (0 when empty). */
function largestDeviation(x: Float32Array, a: number, b: number, base: number): number {
  let d = 0;
  for (let i = Math.max(0, a); i < Math.min(x.length, b); i++) if (Math.abs(x[i]! - base) > Math.abs(d)) d = x[i]! - base; // prettier-ignore
  return d;
}

/** The eight LEAD_FEATURES of one lead's median beat `m` (R at `r`), QRS from `on` to `off`. */
function leadFeatures(m: Float32Array, fs: number, on: number, off: number): number[] {
  const ms = (t: number): number => Math.round(t * fs);
  const base = median(m.subarray(Math.max(0, on - ms(0.06)), Math.max(1, on - ms(0.01))));
  let R = -Infinity;
  let S = Infinity;
  let atR = on;
  for (let i = on; i <= off; i++) {
    if (m[i]! > R) [R, atR] = [m[i]!, i];
    S = Math.min(S, m[i]!);
  }
  let Q = 0;
  for (let i = on; i < atR; i++) Q = Math.min(Q, m[i]! - base);
  return [
    R - base,
    S - base,
    Q,
    m[Math.min(m.length - 1, off + ms(0.06))]! - base,
    largestDeviation(m, off + ms(0.1), off + ms(0.4), base),
    largestDeviation(m, on - ms(0.25), on - ms(0.03), base),
    (R - base) / Math.max(1e-3, R - S),
    (atR - on) / fs,
  ];
}

/**
 * The features (DIAGNOSIS_FEATURE_NAMES) of a record given as its 12 standard-lead slots at
 * `fs` with its beats (s, sorted), or null when a lead is missing or no beat was found.
 */
export function diagnosisFeatures(
  slots: readonly (Float32Array | null)[],
  fs: number,
  beats: ArrayLike<number>,
): Float64Array | null {
  if (slots.length !== LEADS.length || slots.some((s) => !s) || beats.length < 2) return null;
  const peaks = Int32Array.from(beats, (t) => Math.round(t * fs));
  const before = Math.round(0.3 * fs);
  const after = Math.round(0.5 * fs);
  const beatsOf = slots.map((x) => medianBeat(beatSignals(x!, fs).wide, peaks, before, after));
  const bounds = beatsOf.map((m) => qrsBounds(m, fs, before));
  const on = Math.min(...bounds.map((b) => b.onset));
  const off = Math.max(...bounds.map((b) => b.offset));
  const rr = Array.from({ length: beats.length - 1 }, (_, i) => beats[i + 1]! - beats[i]!);
  const seconds = slots[0]!.length / fs;
  return Float64Array.from([
    beats.length / seconds,
    median(rr),
    Math.max(...bounds.map((b) => b.offset - b.onset)) / fs,
    (off - on) / fs,
    ...beatsOf.flatMap((m) => leadFeatures(m, fs, on, off)),
  ]);
}

/** Each class's probability (DIAGNOSIS_CLASSES order) of a record, or null when it cannot be read. */
export function classifyDiagnosis(
  clf: DiagnosisClassifier,
  slots: readonly (Float32Array | null)[],
  fs: number,
  beats: ArrayLike<number>,
): Float64Array | null {
  const x = diagnosisFeatures(slots, fs, beats);
  return x && Float64Array.from(clf.models, (m) => predictProba(m, x)[1]!);
}

/** Trains on records' feature rows `X` with their classes (one set per row). */
export function trainDiagnosisClassifier(
  X: readonly Float64Array[],
  classes: readonly ReadonlySet<DiagnosisClass>[],
  trainedOn: string,
): DiagnosisClassifier {
  return {
    kind: "anyecg-diagnosis-classifier",
    version: 1,
    classes: DIAGNOSIS_CLASSES,
    features: DIAGNOSIS_FEATURE_NAMES,
    models: DIAGNOSIS_CLASSES.map((c) =>
      trainGbt(
        X,
        classes.map((s) => (s.has(c) ? 1 : 0)),
        2,
        GBT,
      ),
    ),
    trainedOn,
  };
}

/** Checks that parsed JSON is a diagnosis classifier this code can use. */
export function parseDiagnosisClassifier(json: unknown): DiagnosisClassifier {
  const header = { kind: "anyecg-diagnosis-classifier", version: 1, classes: DIAGNOSIS_CLASSES, features: DIAGNOSIS_FEATURE_NAMES }; // prettier-ignore
  if (!hasHeader(json, header) || (json as DiagnosisClassifier).models?.length !== DIAGNOSIS_CLASSES.length)
    throw new RangeError("not a diagnosis classifier of this version (retrain it)");
  return json as DiagnosisClassifier;
}
