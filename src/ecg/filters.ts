/**
 * Digital filters for ECG: Butterworth low/high/band-pass designed in code (analog prototype,
 * bilinear transform with pre-warping, second-order sections), IIR notch for mains, zero-phase
 * forward-backward application, a causal streaming filter, and baseline-wander removal.
 *
 * Baseline removal default: a 0.5 Hz Butterworth high-pass (order 2) applied forward and
 * backward. It is linear, zero-phase (QRS and ST timing unchanged), costs a few operations per
 * sample, and 0.5 Hz is below the heart rate's fundamental for rates above 30 bpm, so it removes
 * respiration and electrode drift without eating the ECG. The two-stage median filter (200 ms
 * then 600 ms, de Chazal 2004) is available as `method: "median"`: it keeps low-frequency ST
 * shape better on strongly drifting Holter leads but is non-linear and ~10x slower.
 *
 * All functions take and return Float32Array and never modify their input; internal state is
 * double precision (Butterworth sections at low cut-offs need it).
 */
import { lowerBound } from "../search.js";

/** One biquad: [b0, b1, b2, a0 = 1, a1, a2], scipy's `sos` row layout. */
export type Biquad = [number, number, number, number, number, number];

export type FilterType = "lowpass" | "highpass" | "bandpass";

interface Complex {
  re: number;
  im: number;
}
const cx = (re: number, im = 0): Complex => ({ re, im });
const add = (a: Complex, b: Complex): Complex => cx(a.re + b.re, a.im + b.im);
const sub = (a: Complex, b: Complex): Complex => cx(a.re - b.re, a.im - b.im);
const mul = (a: Complex, b: Complex): Complex => cx(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
const div = (a: Complex, b: Complex): Complex => {
  const d = b.re * b.re + b.im * b.im;
  return cx((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
};
const scale = (a: Complex, k: number): Complex => cx(a.re * k, a.im * k);
const csqrt = (a: Complex): Complex => {
  const r = Math.hypot(a.re, a.im);
  const re = Math.sqrt((r + a.re) / 2);
  const im = Math.sign(a.im || 1) * Math.sqrt(Math.max(0, (r - a.re) / 2));
  return cx(re, im);
};

function checkCutoff(f: number, fs: number): void {
  if (!(f > 0 && f < fs / 2)) {
    throw new RangeError(`filter: cut-off ${f} Hz must be between 0 and the Nyquist frequency ${fs / 2} Hz`);
  }
}

/**
 * Butterworth filter as second-order sections. `cutoff` is one frequency in Hz for low/high-pass
 * and [low, high] for band-pass (whose order is then 2 * order, as in scipy). The -3 dB points
 * are at the cut-offs for one pass; forward-backward doubles the attenuation (-6 dB there).
 */
export function butterworth(
  order: number,
  cutoff: number | [number, number],
  fs: number,
  type: FilterType,
): Biquad[] {
  if (!Number.isInteger(order) || order < 1 || order > 12) throw new RangeError(`filter: order ${order}`);
  const cuts = typeof cutoff === "number" ? [cutoff] : cutoff;
  if ((type === "bandpass") !== (cuts.length === 2))
    throw new RangeError(`filter: ${type} needs ${type === "bandpass" ? 2 : 1} cut-off(s)`);
  for (const c of cuts) checkCutoff(c, fs);
  // Pre-warped analog frequencies (rad/s) for the bilinear transform s = 2fs (z-1)/(z+1).
  const warp = (f: number): number => 2 * fs * Math.tan((Math.PI * f) / fs);
  const proto: Complex[] = [];
  for (let k = 0; k < order; k++) {
    const theta = (Math.PI * (2 * k + order + 1)) / (2 * order);
    proto.push(cx(Math.cos(theta), Math.sin(theta)));
  }
  let poles: Complex[];
  let zeros: Complex[]; // digital zeros
  if (type === "lowpass") {
    const w = warp(cuts[0]!);
    poles = proto.map((p) => scale(p, w));
    zeros = proto.map(() => cx(-1));
  } else if (type === "highpass") {
    const w = warp(cuts[0]!);
    poles = proto.map((p) => div(cx(w), p));
    zeros = proto.map(() => cx(1));
  } else {
    const [lo, hi] = [warp(cuts[0]!), warp(cuts[1]!)];
    if (!(lo < hi)) throw new RangeError(`filter: band-pass needs low < high (got ${cuts.join(", ")})`);
    const bw = hi - lo;
    const w0sq = lo * hi;
    poles = [];
    for (const p of proto) {
      const half = scale(p, bw / 2);
      const root = csqrt(sub(mul(half, half), cx(w0sq)));
      poles.push(add(half, root), sub(half, root));
    }
    // Interleaved so each section gets one zero at DC and one at Nyquist: b = [1, 0, -1].
    zeros = proto.flatMap(() => [cx(1), cx(-1)]);
  }
  const k2 = 2 * fs;
  const zpoles = poles.map((p) => div(add(cx(k2), p), sub(cx(k2), p)));
  const sos = pairSections(zpoles, zeros);
  // Unit gain at the pass-band reference frequency.
  const fRef = type === "lowpass" ? 0 : type === "highpass" ? fs / 2 : Math.sqrt(cuts[0]! * cuts[1]!);
  const g = sosResponse(sos, fRef, fs);
  sos[0]![0] /= g;
  sos[0]![1] /= g;
  sos[0]![2] /= g;
  return sos;
}

/** Groups conjugate pole pairs (and any real poles) with two zeros each into biquads. */
function pairSections(poles: Complex[], zeros: Complex[]): Biquad[] {
  const upper = poles.filter((p) => p.im > 1e-12);
  const real = poles.filter((p) => Math.abs(p.im) <= 1e-12);
  const sos: Biquad[] = [];
  let zi = 0;
  const zeroPoly = (n: number): [number, number, number] => {
    if (n === 1) {
      const z = zeros[zi++]!.re;
      return [1, -z, 0];
    }
    const z1 = zeros[zi++]!.re;
    const z2 = zeros[zi++]!.re;
    return [1, -(z1 + z2), z1 * z2];
  };
  for (const p of upper) {
    const [b0, b1, b2] = zeroPoly(2);
    sos.push([b0, b1, b2, 1, -2 * p.re, p.re * p.re + p.im * p.im]);
  }
  for (let i = 0; i < real.length; i += 2) {
    if (i + 1 < real.length) {
      const [p1, p2] = [real[i]!.re, real[i + 1]!.re];
      const [b0, b1, b2] = zeroPoly(2);
      sos.push([b0, b1, b2, 1, -(p1 + p2), p1 * p2]);
    } else {
      const [b0, b1, b2] = zeroPoly(1);
      sos.push([b0, b1, b2, 1, -real[i]!.re, 0]);
    }
  }
  return sos;
}

/** Magnitude of the cascade's frequency response |H| at `f` Hz. */
export function sosResponse(sos: Biquad[], f: number, fs: number): number {
  const w = (2 * Math.PI * f) / fs;
  const z1 = cx(Math.cos(w), -Math.sin(w)); // z^-1
  const z2 = mul(z1, z1);
  let h = cx(1);
  for (const [b0, b1, b2, , a1, a2] of sos) {
    const num = add(add(cx(b0), scale(z1, b1)), scale(z2, b2));
    const den = add(add(cx(1), scale(z1, a1)), scale(z2, a2));
    h = mul(h, div(num, den));
  }
  return Math.hypot(h.re, h.im);
}

/**
 * Second-order IIR notch at `f0` Hz with quality factor `q` (bandwidth f0 / q at -3 dB), the
 * same design as scipy.signal.iirnotch.
 */
export function notchDesign(f0: number, fs: number, q = 30): Biquad[] {
  checkCutoff(f0, fs);
  const w0 = (2 * Math.PI * f0) / fs;
  const bw = w0 / q;
  const g = 1 / (1 + Math.tan(bw / 2));
  const c = Math.cos(w0);
  return [[g, -2 * g * c, g, 1, -2 * g * c, 2 * g - 1]];
}

/** State of a causal cascade, in double precision, for streaming. */
export interface SosFilter {
  /** Filters the next chunk (causal, with phase delay); state carries across calls. */
  process(chunk: Float32Array): Float32Array;
}

/** A causal streaming filter; it starts in the steady state of its first input sample. */
export function createSosFilter(sos: Biquad[]): SosFilter {
  const state = new Float64Array(sos.length * 2);
  let started = false;
  return {
    process(chunk) {
      const out = new Float64Array(chunk);
      if (!started && chunk.length > 0) {
        steadyState(sos, chunk[0]!, state);
        started = true;
      }
      runSos(sos, out, state);
      return Float32Array.from(out);
    },
  };
}

/** Fills `state` with the DF2T states each section holds after an endless constant input x0. */
function steadyState(sos: Biquad[], x0: number, state: Float64Array): void {
  let x = x0;
  sos.forEach(([b0, b1, b2, , a1, a2], i) => {
    const y = (x * (b0 + b1 + b2)) / (1 + a1 + a2);
    state[2 * i + 1] = b2 * x - a2 * y;
    state[2 * i] = (b1 + b2) * x - (a1 + a2) * y;
    x = y;
  });
}

/** Runs the cascade in place over `x` (transposed direct form II). */
function runSos(sos: Biquad[], x: Float64Array, state: Float64Array): void {
  const n = x.length;
  for (let s = 0; s < sos.length; s++) {
    const [b0, b1, b2, , a1, a2] = sos[s]!;
    let z1 = state[2 * s]!;
    let z2 = state[2 * s + 1]!;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      const y = b0 * xi + z1;
      z1 = b1 * xi - a1 * y + z2;
      z2 = b2 * xi - a2 * y;
      x[i] = y;
    }
    state[2 * s] = z1;
    state[2 * s + 1] = z2;
  }
}

/**
 * Zero-phase filtering (forward then backward), like scipy's sosfiltfilt: the signal is padded
 * at both ends by odd reflection (2 x[0] - x[i]) of `padLength` samples and each pass starts
 * in the steady state of its first sample, so the edges carry no start-up transient.
 */
export function filtfilt(sos: Biquad[], x: Float32Array, padLength?: number): Float32Array {
  const n = x.length;
  if (n < 2) return x.slice();
  const pad = Math.min(n - 1, Math.max(0, Math.round(padLength ?? 3 * (2 * sos.length + 1))));
  const ext = new Float64Array(n + 2 * pad);
  for (let i = 0; i < pad; i++) {
    ext[i] = 2 * x[0]! - x[pad - i]!;
    ext[n + pad + i] = 2 * x[n - 1]! - x[n - 2 - i]!;
  }
  for (let i = 0; i < n; i++) ext[pad + i] = x[i]!;
  const state = new Float64Array(sos.length * 2);
  steadyState(sos, ext[0]!, state);
  runSos(sos, ext, state);
  ext.reverse();
  steadyState(sos, ext[0]!, state);
  runSos(sos, ext, state);
  ext.reverse();
  return Float32Array.from(ext.subarray(pad, pad + n));
}

/** Padding long enough for a filter whose lowest corner is `fLow` Hz to settle (about 3 time constants). */
function padFor(fLow: number, fs: number, sections: number): number {
  return Math.max(3 * (2 * sections + 1), Math.ceil((3 * fs) / (2 * Math.PI * fLow)) * 2);
}

/** Zero-phase Butterworth low-pass (order per pass; -6 dB at `cutoff`). */
export function lowpass(x: Float32Array, fs: number, cutoff: number, order = 4): Float32Array {
  const sos = butterworth(order, cutoff, fs, "lowpass");
  return filtfilt(sos, x, padFor(cutoff, fs, sos.length));
}

/** Zero-phase Butterworth high-pass (order per pass; -6 dB at `cutoff`). */
export function highpass(x: Float32Array, fs: number, cutoff: number, order = 2): Float32Array {
  const sos = butterworth(order, cutoff, fs, "highpass");
  return filtfilt(sos, x, padFor(cutoff, fs, sos.length));
}

/** Zero-phase Butterworth band-pass between `low` and `high` Hz (order per pass and edge). */
export function bandpass(x: Float32Array, fs: number, low: number, high: number, order = 2): Float32Array {
  const sos = butterworth(order, [low, high], fs, "bandpass");
  return filtfilt(sos, x, padFor(low, fs, sos.length));
}

/**
 * Zero-phase mains notch at `mains` Hz (50 or 60) and, with `harmonics`, its multiples below
 * Nyquist. Frequencies at or above Nyquist are skipped (nothing to remove at that rate).
 */
export function notch(
  x: Float32Array,
  fs: number,
  mains = 50,
  opts: { q?: number; harmonics?: boolean } = {},
): Float32Array {
  let y = x;
  for (let f = mains; f < fs / 2; f += mains) {
    const sos = notchDesign(f, fs, opts.q ?? 30);
    y = filtfilt(sos, y, padFor(f / (opts.q ?? 30), fs, 1));
    if (!opts.harmonics) break;
  }
  return y === x ? x.slice() : y;
}

export interface BaselineOptions {
  /** "highpass" (default): 0.5 Hz zero-phase Butterworth; "median": 200 + 600 ms medians. */
  method?: "highpass" | "median";
  /** High-pass corner in Hz (default 0.5). */
  cutoff?: number;
}

/** Removes baseline wander (see the module comment for the choice of method). */
export function removeBaseline(x: Float32Array, fs: number, opts: BaselineOptions = {}): Float32Array {
  if ((opts.method ?? "highpass") === "highpass") return highpass(x, fs, opts.cutoff ?? 0.5, 2);
  const first = medianFilter(x, oddWidth(0.2 * fs));
  const baseline = medianFilter(first, oddWidth(0.6 * fs));
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i]! - baseline[i]!;
  return y;
}

function oddWidth(w: number): number {
  const r = Math.max(1, Math.round(w));
  return r % 2 ? r : r + 1;
}

/**
 * Running median over an odd `width`, centred, with the window shrunk at the edges. Keeps the
 * window sorted (binary search, memmove), O(n * width) worst case but fast in practice.
 */
export function medianFilter(x: Float32Array, width: number): Float32Array {
  const n = x.length;
  const half = Math.floor(oddWidth(width) / 2);
  const out = new Float32Array(n);
  const win = new Float64Array(2 * half + 1);
  let len = 0;
  const insert = (v: number): void => {
    const lo = lowerBound(win, v, len);
    win.copyWithin(lo + 1, lo, len);
    win[lo] = v;
    len++;
  };
  const remove = (v: number): void => {
    const lo = lowerBound(win, v, len);
    win.copyWithin(lo, lo + 1, len);
    len--;
  };
  const val = (i: number): number => (Number.isNaN(x[i]!) ? 0 : x[i]!);
  for (let i = 0; i < Math.min(half, n); i++) insert(val(i));
  for (let i = 0; i < n; i++) {
    if (i - half - 1 >= 0) remove(val(i - half - 1));
    if (i + half < n) insert(val(i + half));
    out[i] = len % 2 ? win[len >> 1]! : (win[len / 2 - 1]! + win[len / 2]!) / 2;
  }
  return out;
}
