/**
 * Beat features for the classical beat classifier: RR timing and QRS morphology of each detected
 * beat, computed from one lead (MLII or the first lead) of a segment of a recording.
 *
 * Every feature is a ratio or a time in seconds, so the classifier does not depend on the gain of
 * the lead or the sampling rate. "Context" features compare a beat with the segment it comes from
 * (its median beat, its median RR): the classifier is trained on segments of the same length as
 * it is applied to (`CONTEXT_SECONDS` around the window asked about), so the two agree.
 *
 * Timing (the classic de Chazal 2004 set): previous and next RR in seconds, each over the local
 * mean RR (the 10 RRs around) and over the segment's median RR, and next/previous.
 * Morphology, on a 0.5-40 Hz band-passed copy:
 * - QRS width: the span around the fiducial point where the slope envelope stays above 25 % of its
 *   peak (`qrsBounds`), in seconds;
 * - amplitudes: the maximum, the minimum and the peak-to-peak of the QRS (+-100 ms) over the
 *   segment median beat's peak-to-peak, and the polarity (max + min) / (max - min);
 * - shape: correlation of the beat (-250 ms..+400 ms) and of its QRS with the segment's median
 *   beat, and the RMS of their difference over the median's peak-to-peak;
 * - bands: log ratio of the QRS energy above 15 Hz to the energy in 1-8 Hz (wide, slurred
 *   complexes are slow); the T-wave level (+150..+350 ms) and the P-wave region's energy
 *   (-250..-100 ms) over the QRS peak-to-peak.
 */
import { bandpass } from "../ecg/filters.js";
import { fillNaN } from "../ecg/scale.js";

/** Seconds of signal read on each side of a window to give beats their context. */
export const CONTEXT_SECONDS = 30;

/** Feature names, in the order of each feature vector. */
export const FEATURE_NAMES = [
  "preRR",
  "postRR",
  "preRR/local",
  "postRR/local",
  "preRR/median",
  "postRR/median",
  "postRR/preRR",
  "qrsWidth",
  "max/ref",
  "min/ref",
  "p2p/ref",
  "polarity",
  "corrBeat",
  "corrQrs",
  "rmsDiff",
  "logHiLo",
  "tLevel",
  "pEnergy",
] as const;

/** Filtered copies of one lead, computed once per segment. */
export interface BeatSignals {
  fs: number;
  /** 0.5-40 Hz: the morphology view (no baseline wander, no mains). */
  wide: Float32Array;
  /** 15-40 Hz and 1-8 Hz: the fast and slow parts of a QRS. */
  high: Float32Array;
  low: Float32Array;
}

/** Band-passes one lead for `beatFeatures` (NaN samples interpolated first). */
export function beatSignals(signal: Float32Array, fs: number): BeatSignals {
  const x = fillNaN(signal);
  const top = Math.min(40, fs * 0.45);
  const ok = x.length >= 16;
  const f = (lo: number, hi: number): Float32Array => (ok ? bandpass(x, fs, lo, hi, 2) : new Float32Array(x));
  return { fs, wide: f(0.5, top), high: f(Math.min(15, top * 0.6), top), low: f(1, Math.min(8, top * 0.5)) };
}

/** QRS onset and offset (samples) around a fiducial point: where the slope stays above 25 % of its peak. */
export function qrsBounds(wide: Float32Array, fs: number, r: number): { onset: number; offset: number } {
  const half = Math.round(0.12 * fs);
  const a = Math.max(1, r - half);
  const b = Math.min(wide.length - 2, r + half);
  if (b <= a) return { onset: r, offset: r };
  let peak = 0;
  const slope = (i: number): number => Math.abs(wide[i + 1]! - wide[i - 1]!);
  for (let i = a; i <= b; i++) peak = Math.max(peak, slope(i));
  const thr = 0.25 * peak;
  // Walk out from the fiducial point, tolerating dips shorter than 20 ms (notched complexes).
  const gap = Math.max(1, Math.round(0.02 * fs));
  const walk = (dir: 1 | -1, limit: number): number => {
    let last = r;
    for (let i = r, below = 0; dir > 0 ? i <= limit : i >= limit; i += dir) {
      if (slope(i) >= thr) {
        last = i;
        below = 0;
      } else if (++below > gap) break;
    }
    return last;
  };
  return { onset: walk(-1, a), offset: walk(1, b) };
}

/** Each beat's QRS complex (onset to offset, samples) on one lead, beats given as fiducial points. */
export function qrsSpans(
  signal: Float32Array,
  fs: number,
  beats: ArrayLike<number>,
): { start: number; end: number }[] {
  const wide = beatSignals(signal, fs).wide;
  return Array.from(beats, (r) => {
    const b = qrsBounds(wide, fs, r);
    return { start: b.onset, end: b.offset };
  });
}

/** Sample-wise median of the beats (windows `before`..`after` around each fiducial point). */
export function medianBeat(x: Float32Array, beats: Int32Array, before: number, after: number): Float32Array {
  const len = before + after;
  const inside = Array.from(beats).filter((r) => r - before >= 0 && r + after <= x.length);
  // At most 300 beats: enough for a stable median, and bounded work on hour-long segments.
  const step = Math.max(1, Math.ceil(inside.length / 300));
  const chosen = inside.filter((_, i) => i % step === 0);
  const out = new Float32Array(len);
  if (chosen.length === 0) return out;
  const col = new Float64Array(chosen.length);
  for (let k = 0; k < len; k++) {
    chosen.forEach((r, j) => (col[j] = x[r - before + k]!));
    col.sort();
    const m = col.length >> 1;
    out[k] = col.length % 2 ? col[m]! : (col[m - 1]! + col[m]!) / 2;
  }
  return out;
}

function corr(a: ArrayLike<number>, b: ArrayLike<number>, aStart: number, bStart: number, n: number): number {
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[aStart + i]!;
    sb += b[bStart + i]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    const u = a[aStart + i]! - ma;
    const v = b[bStart + i]! - mb;
    num += u * v;
    da += u * u;
    db += v * v;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function extent(x: Float32Array, a: number, b: number): { max: number; min: number } {
  let max = -Infinity;
  let min = Infinity;
  for (let i = Math.max(0, a); i < Math.min(x.length, b); i++) {
    max = Math.max(max, x[i]!);
    min = Math.min(min, x[i]!);
  }
  return max >= min ? { max, min } : { max: 0, min: 0 };
}

function energy(x: Float32Array, a: number, b: number): number {
  let e = 0;
  for (let i = Math.max(0, a); i < Math.min(x.length, b); i++) e += x[i]! * x[i]!;
  return e;
}

/** RR features of beat i (seconds and ratios; edges use the nearest existing interval). */
function rrFeatures(beats: Int32Array, i: number, fs: number, medianRR: number): number[] {
  const rr = (k: number): number => (beats[k + 1]! - beats[k]!) / fs;
  const n = beats.length;
  const pre = i > 0 ? rr(i - 1) : n > 1 ? rr(0) : medianRR;
  const post = i + 1 < n ? rr(i) : n > 1 ? rr(n - 2) : medianRR;
  let sum = 0;
  let cnt = 0;
  for (let k = Math.max(0, i - 5); k < Math.min(n - 1, i + 5); k++) {
    sum += rr(k);
    cnt++;
  }
  const local = cnt ? sum / cnt : medianRR;
  return [pre, post, pre / local, post / local, pre / medianRR, post / medianRR, post / pre];
}

/**
 * One feature vector per beat (`FEATURE_NAMES` order). `beats` are sorted fiducial points in
 * samples of `s`. Beats too close to the segment's edges still get features (windows are clipped).
 * With `range`, only the beats `from` <= i < `to` get one (the median beat and RR still come from
 * all of them): a window's beats read against a wider context.
 */
export function beatFeatures(
  s: BeatSignals,
  beats: Int32Array,
  range: { from: number; to: number } = { from: 0, to: beats.length },
): Float64Array[] {
  const fs = s.fs;
  const before = Math.round(0.25 * fs);
  const after = Math.round(0.4 * fs);
  const q = Math.round(0.1 * fs);
  const rrs: number[] = [];
  for (let k = 1; k < beats.length; k++) rrs.push((beats[k]! - beats[k - 1]!) / fs);
  const medianRR = rrs.length ? median(rrs) : 1;
  const ref = medianBeat(s.wide, beats, before, after);
  const refExt = extent(ref, before - q, before + q);
  const refP2p = Math.max(1e-6, refExt.max - refExt.min);
  const padded = new Float32Array(before + after);
  return Array.from({ length: range.to - range.from }, (_, j) => {
    const i = range.from + j;
    const r = beats[i]!;
    const e = extent(s.wide, r - q, r + q);
    const p2p = Math.max(1e-6, e.max - e.min);
    const { onset, offset } = qrsBounds(s.wide, fs, r);
    // The beat window, zero-extended at the segment's edges, for the shape comparisons.
    padded.fill(0);
    for (let k = 0; k < before + after; k++) {
      const j = r - before + k;
      if (j >= 0 && j < s.wide.length) padded[k] = s.wide[j]!;
    }
    let diff = 0;
    for (let k = 0; k < before + after; k++) diff += (padded[k]! - ref[k]!) ** 2;
    const tMean = mean(s.wide, r + Math.round(0.15 * fs), r + Math.round(0.35 * fs));
    const pEnergy = energy(s.wide, r - before, r - q) / Math.max(1, before - q);
    const hi = energy(s.high, r - q, r + q);
    const lo = energy(s.low, r - q, r + q);
    return Float64Array.from([
      ...rrFeatures(beats, i, fs, medianRR),
      (offset - onset) / fs,
      e.max / refP2p,
      e.min / refP2p,
      p2p / refP2p,
      (e.max + e.min) / p2p,
      corr(padded, ref, 0, 0, before + after),
      corr(padded, ref, before - q, before - q, 2 * q),
      Math.sqrt(diff / (before + after)) / refP2p,
      Math.log((hi + 1e-12) / (lo + 1e-12)),
      tMean / p2p,
      Math.sqrt(pEnergy) / p2p,
    ]);
  });
}

function mean(x: Float32Array, a: number, b: number): number {
  let s = 0;
  let n = 0;
  for (let i = Math.max(0, a); i < Math.min(x.length, b); i++, n++) s += x[i]!;
  return n ? s / n : 0;
}
