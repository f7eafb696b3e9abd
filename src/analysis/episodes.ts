/**
 * Rhythm episodes from classified beats, for the classical localization baseline:
 * - atrial fibrillation: RR irregularity over a sliding window of beats (the normalised mean
 *   absolute successive RR difference, ignoring intervals next to ventricular beats, which are
 *   irregular in sinus rhythm too) above a threshold tuned on training records;
 * - ventricular bigeminy (N V N V ...), trigeminy (N N V N N V ...) and tachycardia (three or
 *   more V in a row, as MIT-BIH annotates VT runs), from the beat class sequence.
 * Episodes run from their first beat to their last, in samples.
 */
import type { BeatClass } from "./beats.js";

export interface Episode {
  start: number;
  end: number;
}

export interface AfOptions {
  /** Irregularity above which a beat counts as in AF. */
  threshold: number;
  /** RR intervals per irregularity window (default 12). */
  window?: number;
  /** Fewest beats in an episode (default 8). */
  minBeats?: number;
}

/**
 * Irregularity per beat: mean |RR_k - RR_(k-1)| / mean RR over the `window` intervals centred on
 * the beat, leaving out intervals that touch a V beat. NaN where fewer than 4 intervals remain.
 */
export function rrIrregularity(
  beats: Int32Array,
  classes: readonly BeatClass[] | null,
  window = 12,
): Float64Array {
  const n = beats.length;
  const out = new Float64Array(n).fill(Number.NaN);
  const rr: number[] = [];
  const usable: boolean[] = [];
  for (let k = 1; k < n; k++) {
    rr.push(beats[k]! - beats[k - 1]!);
    usable.push(!classes || (classes[k] !== "V" && classes[k - 1] !== "V"));
  }
  const half = window >> 1;
  for (let i = 0; i < n; i++) {
    let diff = 0;
    let sum = 0;
    let cnt = 0;
    let prev = -1;
    for (let k = Math.max(0, i - half); k < Math.min(rr.length, i + half); k++) {
      if (!usable[k]) {
        prev = -1;
        continue;
      }
      sum += rr[k]!;
      cnt++;
      if (prev >= 0) diff += Math.abs(rr[k]! - prev);
      prev = rr[k]!;
    }
    if (cnt >= 4) out[i] = diff / (cnt - 1) / (sum / cnt);
  }
  return out;
}

/** Runs of flagged beats as episodes: gaps of fewer than `bridge` beats are bridged. */
function runs(beats: Int32Array, flag: readonly boolean[], minBeats: number, bridge = 3): Episode[] {
  const out: Episode[] = [];
  let i = 0;
  while (i < flag.length) {
    if (!flag[i]) {
      i++;
      continue;
    }
    let last = i;
    let j = i + 1;
    while (j < flag.length && j - last <= bridge) {
      if (flag[j]) last = j;
      j++;
    }
    if (last - i + 1 >= minBeats) out.push({ start: beats[i]!, end: beats[last]! });
    i = last + 1;
  }
  return out;
}

/** Atrial fibrillation episodes (see the module comment). */
export function afEpisodes(beats: Int32Array, classes: readonly BeatClass[] | null, o: AfOptions): Episode[] {
  const irr = rrIrregularity(beats, classes, o.window ?? 12);
  return runs(
    beats,
    Array.from(irr, (v) => v > o.threshold),
    o.minBeats ?? 8,
  );
}

export type VentricularPattern = "bigeminy" | "trigeminy" | "tachycardia";

/**
 * Episodes of a ventricular pattern: bigeminy needs at least 3 cycles of N V, trigeminy 3 cycles
 * of N N V, tachycardia 3 or more consecutive V beats.
 */
export function patternEpisodes(
  beats: Int32Array,
  classes: readonly BeatClass[],
  pattern: VentricularPattern,
): Episode[] {
  const isV = classes.map((c) => c === "V");
  if (pattern === "tachycardia") {
    return runs(beats, isV, 3, 1);
  }
  const period = pattern === "bigeminy" ? 2 : 3;
  const out: Episode[] = [];
  let i = 0;
  while (i + period <= classes.length) {
    // A cycle: period-1 non-V beats then one V.
    let cycles = 0;
    let j = i;
    while (j + period <= classes.length && cycleAt(isV, j, period)) {
      cycles++;
      j += period;
    }
    if (cycles >= 3) {
      out.push({ start: beats[i]!, end: beats[j - 1]! });
      i = j;
    } else i++;
  }
  return out;
}

function cycleAt(isV: readonly boolean[], j: number, period: number): boolean {
  for (let k = 0; k < period - 1; k++) if (isV[j + k]) return false;
  return isV[j + period - 1]!;
}
