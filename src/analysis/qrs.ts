/**
 * QRS detection: a Pan-Tompkins detector (Pan & Tompkins 1985) run offline, at any sampling
 * rate (every length is set in seconds).
 *
 * 1. Non-finite samples are interpolated (`fillNaN`).
 * 2. Zero-phase 4-18 Hz Butterworth band-pass (the QRS energy band; P and T waves, baseline
 *    wander and mains are attenuated). Zero phase means no delay to undo. Pan-Tompkins use
 *    5-15 Hz; the slightly wider band keeps wide aberrant and ventricular beats (MIT-BIH 201,
 *    203) and cut errors on the 26 MIT-BIH records from 150 to 128.
 * 3. Derivative, squaring, and a centred 150 ms moving-window integration (MWI): a smooth
 *    energy envelope with one hump per QRS.
 * 4. Candidates: MWI local maxima that are the largest within +-200 ms (the refractory period).
 * 5. Adaptive thresholds on the square root of the MWI (an RMS slope: with the energy itself a
 *    PVC is tens of times larger than the normal beats around it and holds the threshold above
 *    them): signal and noise levels are the medians of the last 8 QRS and noise peaks
 *    (Hamilton & Tompkins 1986), threshold = noise + 0.25 (signal - noise). A candidate above it
 *    is a QRS unless it falls within 300 ms of the previous QRS with less than half its maximal
 *    slope (a T wave; Pan-Tompkins use 360 ms, which drops the early PVCs of MIT-BIH 203).
 * 6. Search-back: when no QRS follows for 1.66 times the median of the last 8 RR intervals,
 *    the largest skipped candidate above half the threshold is taken.
 * 7. Fiducial point: the largest absolute band-passed deflection within 50 ms of the MWI peak
 *    (the R peak, or the S wave of a mostly negative complex).
 *
 * Measured on the 26 MIT-BIH records in the shared data (`npm run bench -- qrs`).
 */
import { bandpass } from "../ecg/filters.js";
import { fillNaN } from "../ecg/scale.js";

export interface QrsOptions {
  /** Minimum distance between beats in seconds (default 0.2 s: 300 bpm). */
  refractorySeconds?: number;
  /** Threshold position between the noise and signal levels (default 0.25). */
  thresholdFraction?: number;
}

/** Intermediate signals, exposed for plots and multi-lead fusion. */
export interface QrsFeatures {
  /** Band-passed signal. */
  filtered: Float32Array;
  /** Absolute derivative of the band-passed signal (slope). */
  slope: Float32Array;
  /** Moving-window integral of the squared derivative. */
  energy: Float32Array;
}

/** Band-pass, slope and energy envelope of one lead (steps 1-3 above). */
export function qrsFeatures(signal: Float32Array, fs: number): QrsFeatures {
  checkRate(fs);
  const x = fillNaN(signal);
  const n = x.length;
  const filtered = n >= 3 ? bandpass(x, fs, 4, 18, 2) : new Float32Array(n);
  const slope = new Float32Array(n);
  const sq = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const d = ((filtered[i + 1]! - filtered[i - 1]!) * fs) / 2;
    slope[i] = Math.abs(d);
    sq[i] = d * d;
  }
  const energy = movingAverage(sq, Math.max(1, Math.round(0.15 * fs)));
  return { filtered, slope, energy };
}

function checkRate(fs: number): void {
  if (!(fs >= 50 && Number.isFinite(fs))) {
    throw new RangeError(
      `detectQrs: sampling rate ${fs} Hz is too low (need >= 50 Hz for the 4-18 Hz QRS band)`,
    );
  }
}

/** Centred moving average with a window of `w` samples, shrunk at the edges. */
function movingAverage(x: Float64Array, w: number): Float32Array {
  const n = x.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + x[i]!;
  const out = new Float32Array(n);
  const before = Math.floor(w / 2);
  const after = w - 1 - before;
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - before);
    const b = Math.min(n, i + after + 1);
    out[i] = (prefix[b]! - prefix[a]!) / (b - a);
  }
  return out;
}

/** Positions of local maxima of `e` that are the largest within +-`half` samples. */
function candidatePeaks(e: Float32Array, half: number): number[] {
  const n = e.length;
  const out: number[] = [];
  // Sliding-window maximum (monotone deque) over [i - half, i + half].
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const hi = Math.min(n - 1, i + half);
    for (; next <= hi; next++) {
      while (tail > head && e[dq[tail - 1]!]! <= e[next]!) tail--;
      dq[tail++] = next;
    }
    while (dq[head]! < i - half) head++;
    const isLocalMax = (i === 0 || e[i]! > e[i - 1]!) && (i === n - 1 || e[i]! >= e[i + 1]!);
    if (isLocalMax && e[dq[head]!]! <= e[i]! && e[i]! > 0) out.push(i);
  }
  return out;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function maxIn(x: Float32Array, center: number, half: number): number {
  let m = 0;
  for (let i = Math.max(0, center - half); i <= Math.min(x.length - 1, center + half); i++)
    m = Math.max(m, x[i]!);
  return m;
}

function argMaxAbs(x: Float32Array, center: number, half: number): number {
  let best = center;
  let m = -1;
  for (let i = Math.max(0, center - half); i <= Math.min(x.length - 1, center + half); i++) {
    const v = Math.abs(x[i]!);
    if (v > m) {
      m = v;
      best = i;
    }
  }
  return best;
}

/** QRS fiducial points (sample indices, increasing) of one ECG lead sampled at `fs` Hz. */
export function detectQrs(signal: Float32Array, fs: number, opts: QrsOptions = {}): Int32Array {
  const f = qrsFeatures(signal, fs);
  const peaks = classifyPeaks(f, fs, opts);
  return fiducials(peaks, f.filtered, fs);
}

/**
 * QRS detection on several simultaneous leads of one record. The first lead is primary; where
 * its beats leave a gap longer than 1.6 times the local RR interval (upper quartile of the 16
 * neighbouring RRs) (a lead that went flat or
 * noisy, small complexes), the beats the other leads detect inside the gap, at least the
 * refractory period away from the primary beats, fill it. Averaging the leads' envelopes was
 * tried and rejected: a noisy secondary lead (V1 on MIT-BIH 101, 106) then adds false beats
 * everywhere, while gap filling only consults it where the primary lead has failed.
 */
export function detectQrsMultiLead(
  signals: readonly Float32Array[],
  fs: number,
  opts: QrsOptions = {},
): Int32Array {
  if (signals.length === 0) return new Int32Array(0);
  const primary = detectQrs(signals[0]!, fs, opts);
  if (signals.length === 1) return primary;
  const refractory = Math.round((opts.refractorySeconds ?? 0.2) * fs);
  const beats = Array.from(primary);
  for (let l = 1; l < signals.length; l++) {
    const other = detectQrs(signals[l]!, fs, opts);
    beats.push(...fillGaps(beats, other, signals[0]!.length, refractory));
    beats.sort((x, y) => x - y);
  }
  return Int32Array.from(beats);
}

/** Beats of `other` inside the gaps of `beats` (sorted) that are longer than 1.6 local RR. */
function fillGaps(beats: number[], other: Int32Array, n: number, refractory: number): number[] {
  const added: number[] = [];
  const rr = beats.slice(1).map((b, i) => b - beats[i]!);
  // Upper quartile of the neighbouring RRs: in bigeminy the long RR is the rhythm's, not a gap.
  const localRr = (i: number): number => {
    const near = rr.slice(Math.max(0, i - 8), i + 8).sort((x, y) => x - y);
    return near[Math.floor(0.75 * (near.length - 1))]!;
  };
  let k = 0;
  for (let i = 0; i <= beats.length; i++) {
    const a = i > 0 ? beats[i - 1]! : -Infinity;
    const b = i < beats.length ? beats[i]! : Infinity;
    const local = rr.length ? localRr(Math.min(i, rr.length - 1)) : Infinity;
    const gap = Math.min(b, n) - Math.max(a, 0);
    while (k < other.length && other[k]! <= a + refractory) k++;
    if (!(gap > 1.6 * local)) continue;
    for (; k < other.length && other[k]! < b - refractory; k++) added.push(other[k]!);
  }
  return added;
}

/** Steps 4-6: the MWI peaks that are QRS complexes. */
function classifyPeaks(f: QrsFeatures, fs: number, opts: QrsOptions): number[] {
  const { energy, slope } = f;
  const refractory = Math.round((opts.refractorySeconds ?? 0.2) * fs);
  const frac = opts.thresholdFraction ?? 0.25;
  const tWave = Math.round(0.3 * fs);
  const slopeHalf = Math.round(0.075 * fs);
  const cands = candidatePeaks(energy, refractory);
  if (cands.length === 0) return [];

  // Levels on the RMS slope (sqrt of the MWI): squaring makes a PVC tens of times larger than
  // the normal beats around it, which would hold the threshold above them; the square root keeps
  // the ratio moderate. Signal and noise levels are medians of the last 8 QRS and noise peaks
  // (Hamilton & Tompkins 1986), robust to one huge artefact or ectopic beat.
  const env = energy.map(Math.sqrt);
  const init = Math.min(env.length, Math.round(2 * fs));
  let mx = 0;
  let mean = 0;
  for (let i = 0; i < init; i++) {
    mx = Math.max(mx, env[i]!);
    mean += env[i]! / init;
  }
  const signalPeaks: number[] = new Array<number>(8).fill(mx / 2);
  const noisePeaks: number[] = new Array<number>(8).fill(mean / 2);
  let spk = median(signalPeaks);
  let npk = median(noisePeaks);
  const pushLevel = (list: number[], v: number): number => {
    list.push(v);
    list.shift();
    return median(list);
  };
  const thr = (): number => npk + frac * (spk - npk);

  const qrs: number[] = [];
  let lastSlope = 0;
  const rrs: number[] = [];
  const rrAvg = (): number => {
    if (rrs.length === 0) return Infinity;
    const s = [...rrs].sort((a, b) => a - b);
    return s[s.length >> 1]!;
  };
  // Candidates since the last QRS that were not taken and are not T waves: search-back pool.
  let pool: number[] = [];

  const accept = (p: number): void => {
    const last = qrs.at(-1);
    if (last !== undefined) {
      rrs.push(p - last);
      if (rrs.length > 8) rrs.shift();
    }
    qrs.push(p);
    lastSlope = maxIn(slope, p, slopeHalf);
    spk = pushLevel(signalPeaks, env[p]!);
    pool = [];
  };
  const isTWave = (p: number): boolean => {
    const last = qrs.at(-1);
    return last !== undefined && p - last < tWave && maxIn(slope, p, slopeHalf) < 0.5 * lastSlope;
  };

  for (const p of cands) {
    // Search-back for beats missed since the last QRS.
    for (;;) {
      const last = qrs.at(-1);
      if (last === undefined || p - last <= 1.66 * rrAvg()) break;
      let best = -1;
      for (const q of pool) if (env[q]! > 0.5 * thr() && (best < 0 || env[q]! > env[best]!)) best = q;
      if (best < 0) break;
      pool = pool.filter((q) => q > best);
      const rest = pool;
      accept(best);
      pool = rest;
    }
    const last = qrs.at(-1);
    if (last !== undefined && p - last < refractory) continue;
    if (env[p]! > thr() && !isTWave(p)) {
      accept(p);
    } else {
      npk = pushLevel(noisePeaks, env[p]!);
      if (!isTWave(p)) pool.push(p);
    }
  }
  return qrs;
}

/** Step 7: moves each MWI peak to the largest band-passed deflection nearby, keeping order and spacing. */
function fiducials(peaks: number[], filtered: Float32Array, fs: number): Int32Array {
  const half = Math.round(0.05 * fs);
  const minGap = Math.round(0.1 * fs);
  const out: number[] = [];
  for (const p of peaks) {
    const r = argMaxAbs(filtered, p, half);
    const prev = out.at(-1);
    if (prev !== undefined && r - prev < minGap) continue;
    out.push(r);
  }
  return Int32Array.from(out);
}
