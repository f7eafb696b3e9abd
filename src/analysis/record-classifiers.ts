/**
 * The classical record classifiers a model may carry (`recordSummary`): the rhythm classifier
 * (rhythm-classes.ts, any ECG) and the diagnosis classifier (diagnosis-classes.ts, 12-lead
 * ECGs). Each gives whole-record probabilities of findings named as reports name them.
 */
import {
  classifyDiagnosis,
  DIAGNOSIS_CLASS_NAMES,
  DIAGNOSIS_CLASSES,
  parseDiagnosisClassifier,
  type DiagnosisClassifier,
} from "./diagnosis-classes.js";
import {
  classifyRhythm,
  parseRhythmClassifier,
  RHYTHM_CLASS_NAMES,
  RHYTHM_CLASSES,
  type RhythmClassifier,
} from "./rhythm-classes.js";

export interface RecordClassifiers {
  rhythms?: RhythmClassifier;
  diagnoses?: DiagnosisClassifier;
}

/** A finding's whole-record probability. */
export interface RecordFinding {
  name: string;
  p: number;
}

/** A record as the classifiers read it: standard-lead slots, the beat-feature lead, beats (s). */
export interface RecordInput {
  slots: readonly (Float32Array | null)[];
  lead: Float32Array;
  fs: number;
  beats: Float64Array;
}

/** The findings the classifiers can read on this record, with their probabilities. */
export function recordFindings(c: RecordClassifiers, r: RecordInput): RecordFinding[] {
  const out: RecordFinding[] = [];
  if (c.rhythms) {
    const p = classifyRhythm(c.rhythms, r.lead, r.fs, r.beats);
    RHYTHM_CLASSES.forEach((k, i) => out.push({ name: RHYTHM_CLASS_NAMES[k], p: p[i]! }));
  }
  const d = c.diagnoses ? classifyDiagnosis(c.diagnoses, r.slots, r.fs, r.beats) : null;
  if (d) DIAGNOSIS_CLASSES.forEach((k, i) => out.push({ name: DIAGNOSIS_CLASS_NAMES[k], p: d[i]! }));
  return out;
}

/** Checks parsed JSON ({ rhythms?, diagnoses? }, at least one). */
export function parseRecordClassifiers(json: unknown): RecordClassifiers {
  const o = (json ?? {}) as { rhythms?: unknown; diagnoses?: unknown };
  if (typeof o !== "object" || (o.rhythms === undefined && o.diagnoses === undefined))
    throw new RangeError("has no record classifier (rhythms or diagnoses)");
  return {
    ...(o.rhythms !== undefined ? { rhythms: parseRhythmClassifier(o.rhythms) } : {}),
    ...(o.diagnoses !== undefined ? { diagnoses: parseDiagnosisClassifier(o.diagnoses) } : {}),
  };
}
