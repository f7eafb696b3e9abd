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
 */
import type { BeatClassifier } from "../analysis/beats.js";
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

/**
 * Prepares a record for the encoder (see the module comment). `classifier`: the model's beat
 * classifier, needed when `encoder.beatClasses` is on.
 */
export function prepareEcg(
  ecg: Ecg,
  enc: EncoderConfig,
  classifier: BeatClassifier | null = null,
): PreparedEcg {
  check(ecg);
  if (enc.beatClasses && !classifier)
    throw new RangeError(
      "encoder.beatClasses is on but the model has no beat classifier (beat-classifier.json)",
    );
  const file = where(ecg);
  const std = toStandard12(ecg);
  if (!std.mask.some((m) => m === 1))
    throw new InputError(
      file,
      `no channel maps to a standard ECG lead (channels: ${ecg.leads.join(", ")}; expected names like ${STANDARD_LEADS.join(", ")}, MLII, CM5)`,
    );
  const W = windowSamples(enc);
  let samples = 0;
  const resampled = std.signals.map((x, i) => {
    if (!std.mask[i]) return null;
    const y = ecg.fs === enc.sampleRate ? fillNaN(x) : resample(fillNaN(x), ecg.fs, enc.sampleRate);
    samples = y.length;
    return y;
  });
  if (samples < 1) throw new InputError(file, `too short: no sample at ${enc.sampleRate} Hz`);
  const windows = Math.ceil(samples / W);
  const leads = resampled.map((y) => (y ? scaleWindows(y, W, windows) : null));
  const slots = std.signals.map((x, i) => (std.mask[i] ? x : null));
  const beats = enc.rhythm || enc.morphology || enc.beatClasses ? detectBeatTimes(slots, ecg.fs) : null;
  const P = patchesPerWindow(enc);
  const rhythm = enc.rhythm
    ? rhythmFeatures(beats!, windows * P, enc.patchSamples / enc.sampleRate, enc.rhythmContext)
    : null;
  const shapes =
    enc.morphology || enc.beatClasses
      ? morphologyFeatures(
          fillNaN(slots[detectionOrder(slots)[0]!]!),
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
  return { name: ecg.name, leads, mask: std.mask.slice(), samples, windows, rhythm, morphology, beatClasses, labelledBeats }; // prettier-ignore
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
