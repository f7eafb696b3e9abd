/**
 * Ecg record -> what the encoder reads: the 12 standard lead slots at the encoder's rate (100 Hz),
 * a lead-presence mask, consecutive windows, each lead min-max scaled to [-1, 1].
 *
 * - Leads: exact standard names first, then non-standard channels (Holter CM5, "modified V1",
 *   EASI, ...) placed on the nearest standard lead (`toStandard12`); other channels (blood
 *   pressure, respiration) are ignored. Absent leads stay `null`: the encoder masks them out
 *   instead of reading flat zeros.
 * - Missing samples (NaN) are interpolated before resampling (`fillNaN`), since the resampler
 *   would spread them.
 * - Scaling is per lead and per window: in a recording of hours, one artefact or a baseline
 *   drift must not squash the amplitude of every other window (for a 10-s ECG this is the
 *   paper's per-lead scaling). A window's padding past the end stays 0 and is masked anyway.
 * - Rhythm (with `encoder.rhythm`): beats are detected on the record at its own rate, and each
 *   patch gets its beat-timing features (rhythm.ts); with `encoder.morphology`, the shapes of
 *   the same beats on the first detection lead, against the window's median beat (morphology.ts);
 *   with `encoder.beatClasses`, the beat classifier's class probabilities of those beats.
 * - Record findings (with record classifiers, config `recordSummary` or `recordNotes`): whole-record
 *   probabilities of rhythms and diagnoses (src/analysis/record-classifiers.ts) from the same
 *   beats and leads.
 */
import type { BeatClassifier } from "../analysis/beats.js";
import {
  recordFindings as readRecordFindings,
  type RecordClassifiers,
  type RecordFinding,
  type RecordInput,
} from "../analysis/record-classifiers.js";
import { InputError } from "../errors.js";
import { toStandard12, STANDARD_LEADS } from "../ecg/leads.js";
import type { Ecg } from "../ecg/record.js";
import { resample } from "../ecg/resample.js";
import { fillNaN, minMaxScale } from "../ecg/scale.js";
import type { EncoderConfig } from "./config.js";
import { patchesPerWindow, windowSamples } from "./config.js";
import { morphologyFeatures } from "./morphology.js";
import { detectBeatTimes, detectionOrder, rhythmFeatures } from "./rhythm.js";

export interface PreparedEcg {
  /** Record name (for messages). */
  name: string;
  /**
   * One slot per standard lead (STANDARD_LEADS order): `windows * windowSamples` samples at the
   * encoder's rate, scaled per window, zeros past `samples`; null when the lead is absent.
   */
  leads: (Float32Array | null)[];
  /** 1 where the lead is present. */
  mask: Uint8Array;
  /** Real samples (the rest of the last window is padding). */
  samples: number;
  windows: number;
  /** Beat-timing features [windows x patches per window x features], or null (`encoder.rhythm` off). */
  rhythm: Float32Array | null;
  /** Beat-shape features [windows x patches per window x MORPHOLOGY_FEATURES], or null (`encoder.morphology` off). */
  morphology: Float32Array | null;
  /** Beat-class probabilities [windows x patches per window x BEAT_CLASS_FEATURES], or null (`encoder.beatClasses` off). */
  beatClasses: Float32Array | null;
  /** The detected beats (s) with their likeliest classes, or null (`encoder.beatClasses` off). */
  labelledBeats: LabelledBeats | null;
  /** The record classifiers' findings of the whole ECG, or null (none given). */
  recordFindings: RecordFinding[] | null;
}

/** The classical readers an ECG is prepared with (each optional, as the config asks). */
export interface Classifiers {
  beats?: BeatClassifier | null;
  record?: RecordClassifiers | null;
}

/** Detected beats and the beat classifier's likeliest class of each. */
export interface LabelledBeats {
  /** Times (s from the start of the ECG), sorted. */
  times: Float64Array;
  /** Index into BEAT_CLASSES, per beat. */
  classes: Uint8Array;
}

function where(ecg: Ecg): string {
  return ecg.source?.path || ecg.name || "<ecg>";
}

/** Checks the record's shape; throws InputError naming the file. */
function check(ecg: Ecg): void {
  const file = where(ecg);
  if (!(ecg.fs > 0) || !Number.isFinite(ecg.fs))
    throw new InputError(file, `sampling rate ${ecg.fs} Hz is not a positive number`);
  if (ecg.signals.length === 0) throw new InputError(file, "has no signals");
  if (ecg.signals.length !== ecg.leads.length)
    throw new InputError(file, `${ecg.signals.length} signals but ${ecg.leads.length} lead names`);
  const n = ecg.signals[0]!.length;
  if (ecg.signals.some((s) => s.length !== n)) throw new InputError(file, "leads have different lengths");
  if (n === 0) throw new InputError(file, "has no samples");
}

/** The standard-lead slots of a checked record (null: absent); throws when no channel maps to one. */
function standardSlots(ecg: Ecg): { slots: (Float32Array | null)[]; mask: Uint8Array } {
  const std = toStandard12(ecg);
  if (!std.mask.some((m) => m === 1))
    throw new InputError(
      where(ecg),
      `no channel maps to a standard ECG lead (channels: ${ecg.leads.join(", ")}; expected names like ${STANDARD_LEADS.join(", ")}, MLII, CM5)`,
    );
  return { slots: std.signals.map((x, i) => (std.mask[i] ? x : null)), mask: std.mask };
}

/** The lead the beat features read (the first detection lead, NaNs filled) at the record's rate. */
function beatLead(slots: readonly (Float32Array | null)[]): Float32Array {
  return fillNaN(slots[detectionOrder(slots)[0]!]!);
}

/**
 * A record as the record classifiers read it in `prepareEcg`: their training uses this, so that
 * they see their inputs as the model will.
 */
export function recordInput(ecg: Ecg): RecordInput {
  check(ecg);
  const { slots } = standardSlots(ecg);
  return { slots, lead: beatLead(slots), fs: ecg.fs, beats: detectBeatTimes(slots, ecg.fs) };
}

/**
 * Prepares a record for the encoder (see the module comment). `classifiers.beats`: the model's
 * beat classifier, needed when `encoder.beatClasses` is on; `classifiers.record`: gives the
 * ECG its record findings.
 */
export function prepareEcg(ecg: Ecg, enc: EncoderConfig, classifiers: Classifiers = {}): PreparedEcg {
  check(ecg);
  const classifier = classifiers.beats ?? null;
  if (enc.beatClasses && !classifier)
    throw new RangeError(
      "encoder.beatClasses is on but the model has no beat classifier (beat-classifier.json)",
    );
  const { slots, mask } = standardSlots(ecg);
  const W = windowSamples(enc);
  let samples = 0;
  const resampled = slots.map((x) => {
    if (!x) return null;
    const y = ecg.fs === enc.sampleRate ? fillNaN(x) : resample(fillNaN(x), ecg.fs, enc.sampleRate);
    samples = y.length;
    return y;
  });
  if (samples < 1) throw new InputError(where(ecg), `too short: no sample at ${enc.sampleRate} Hz`);
  const windows = Math.ceil(samples / W);
  const leads = resampled.map((y) => (y ? scaleWindows(y, W, windows) : null));
  const record = classifiers.record ?? null;
  const needsBeats = enc.rhythm || enc.morphology || enc.beatClasses || record;
  const beats = needsBeats ? detectBeatTimes(slots, ecg.fs) : null;
  const lead = needsBeats ? beatLead(slots) : null; // what the beat features read (NaNs filled once)
  const P = patchesPerWindow(enc);
  const rhythm = enc.rhythm
    ? rhythmFeatures(beats!, windows * P, enc.patchSamples / enc.sampleRate, enc.rhythmContext)
    : null;
  const shapes =
    enc.morphology || enc.beatClasses
      ? morphologyFeatures(
          lead!,
          ecg.fs,
          beats!,
          windows,
          P,
          enc.windowSeconds,
          enc.beatClasses ? classifier : null,
        )
      : null;
  const morphology = enc.morphology ? shapes!.shape : null;
  const beatClasses = shapes?.classes ?? null;
  const labelledBeats = shapes?.beatClasses ? { times: beats!, classes: shapes.beatClasses } : null;
  const found = record ? readRecordFindings(record, { slots, lead: lead!, fs: ecg.fs, beats: beats! }) : null; // prettier-ignore
  return { name: ecg.name, leads, mask: mask.slice(), samples, windows, rhythm, morphology, beatClasses, labelledBeats, recordFindings: found }; // prettier-ignore
}

/** Copies y into windows * W samples, min-max scaling each window's real part. */
function scaleWindows(y: Float32Array, W: number, windows: number): Float32Array {
  const out = new Float32Array(windows * W);
  for (let w = 0; w < windows; w++) {
    const part = y.subarray(w * W, Math.min((w + 1) * W, y.length));
    out.set(minMaxScale(part), w * W);
  }
  return out;
}
