/**
 * RR intervals and heart rate from beat positions (sample indices at one sampling rate).
 */

/** RR intervals in seconds between consecutive beats (length beats - 1). */
export function rrIntervals(beats: Int32Array, fs: number): Float64Array {
  const rr = new Float64Array(Math.max(0, beats.length - 1));
  for (let i = 1; i < beats.length; i++) rr[i - 1] = (beats[i]! - beats[i - 1]!) / fs;
  return rr;
}

/** Instantaneous heart rate in beats per minute, 60 / RR, one value per RR interval. */
export function instantaneousHeartRate(beats: Int32Array, fs: number): Float64Array {
  return rrIntervals(beats, fs).map((rr) => (rr > 0 ? 60 / rr : Number.NaN));
}

/**
 * Mean heart rate in bpm over beats within [fromSample, toSample): 60 / mean RR of the
 * intervals whose both beats fall inside (the average of the rate, not of the RRs, would
 * overweight short intervals). NaN when fewer than two beats fall inside.
 */
export function meanHeartRate(beats: Int32Array, fs: number, fromSample = 0, toSample = Infinity): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (const b of beats) {
    if (b < fromSample || b >= toSample) continue;
    if (first < 0) first = b;
    last = b;
    count++;
  }
  if (count < 2) return Number.NaN;
  return (60 * (count - 1) * fs) / (last - first);
}

export interface HeartRateWindow {
  startSeconds: number;
  endSeconds: number;
  /** Mean heart rate (bpm) in the window, NaN with fewer than two beats. */
  bpm: number;
  beats: number;
}

/** Mean heart rate over consecutive windows of `windowSeconds` covering `nSamples` (beats sorted). */
export function heartRateWindows(
  beats: Int32Array,
  fs: number,
  nSamples: number,
  windowSeconds = 10,
): HeartRateWindow[] {
  const w = Math.max(1, Math.round(windowSeconds * fs));
  const out: HeartRateWindow[] = [];
  let i = 0;
  for (let s = 0; s < nSamples; s += w) {
    const e = Math.min(nSamples, s + w);
    while (i < beats.length && beats[i]! < s) i++;
    let j = i;
    while (j < beats.length && beats[j]! < e) j++;
    const n = j - i;
    const bpm = n >= 2 ? (60 * (n - 1) * fs) / (beats[j - 1]! - beats[i]!) : Number.NaN;
    out.push({ startSeconds: s / fs, endSeconds: e / fs, bpm, beats: n });
    i = j;
  }
  return out;
}

/** Instantaneous (per RR interval) and mean heart rate in bpm over the whole beat list. */
export function heartRate(beats: Int32Array, fs: number): { instantaneous: Float64Array; mean: number } {
  return { instantaneous: instantaneousHeartRate(beats, fs), mean: meanHeartRate(beats, fs) };
}
