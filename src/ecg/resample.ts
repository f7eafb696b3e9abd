/**
 * Sampling-rate conversion with anti-aliasing, between any two rates.
 *
 * Output sample k is the band-limited input evaluated at time k / fsOut: the kernel is a
 * symmetric (zero-phase) Kaiser-windowed sinc centred on that instant, so there is no group
 * delay to compensate and annotations map by `sample * fsOut / fsIn`.
 *
 * - Rational ratios (fsOut/fsIn = L/M with L, M <= 2048, e.g. 360->100 is 5/18) use a polyphase
 *   table: L precomputed phases of 2K taps each, every row normalised to unit DC gain.
 * - Other ratios (e.g. 100 -> 2^0.5 * 100) evaluate the same kernel from a finely tabulated
 *   copy with linear interpolation, per output sample.
 * The low-pass keeps `passband` (default 0.8) of the lower Nyquist frequency and reaches
 * `attenuationDb` (default 70 dB) at that Nyquist frequency, so content above the new Nyquist
 * cannot alias into the output and upsampling images are removed.
 * Samples outside the signal are the first/last sample held (no edge droop on a DC offset).
 * NaN samples spread over the kernel's width: clean them first (`fillNaN` in scale.ts).
 */
import type { Ecg } from "./record.js";

export interface ResampleOptions {
  /** Fraction of the lower Nyquist frequency kept flat (0.5-0.95, default 0.8). */
  passband?: number;
  /** Stop-band attenuation at the lower Nyquist frequency in dB (default 70). */
  attenuationDb?: number;
}

/** A streaming resampler: feed chunks, get output as it becomes computable, then flush. */
export interface Resampler {
  readonly fsIn: number;
  readonly fsOut: number;
  /** Adds input samples; returns the output samples that are now complete (maybe none). */
  push(chunk: Float32Array): Float32Array;
  /** Ends the input; returns the remaining output. Total output is round(nIn * fsOut / fsIn). */
  flush(): Float32Array;
}

const MAX_PHASES = 2048;
const FINE = 512; // kernel table points per input sample in the irrational-ratio fallback

/** Number of output samples for `n` input samples: round(n * fsOut / fsIn). */
export function resampledLength(n: number, fsIn: number, fsOut: number): number {
  checkRates(fsIn, fsOut);
  return Math.round((n * fsOut) / fsIn);
}

/** Where an annotation at input sample `sample` falls at the new rate (same instant, rounded). */
export function resampleAnnotationSample(sample: number, fsIn: number, fsOut: number): number {
  checkRates(fsIn, fsOut);
  return Math.max(0, Math.round((sample * fsOut) / fsIn));
}

/** Resamples one signal in one pass. */
export function resample(x: Float32Array, fsIn: number, fsOut: number, opts?: ResampleOptions): Float32Array {
  if (fsIn === fsOut) {
    checkRates(fsIn, fsOut);
    return x.slice();
  }
  const r = createResampler(fsIn, fsOut, opts);
  return concat(r.push(x), r.flush());
}

/** Resamples every lead of a record and moves its annotations to the new rate. */
export function resampleEcg(ecg: Ecg, fsOut: number, opts?: ResampleOptions): Ecg {
  if (ecg.fs === fsOut) return ecg;
  return {
    ...ecg,
    fs: fsOut,
    signals: ecg.signals.map((s) => resample(s, ecg.fs, fsOut, opts)),
    annotations: ecg.annotations.map((a) => ({
      ...a,
      sample: resampleAnnotationSample(a.sample, ecg.fs, fsOut),
    })),
  };
}

function checkRates(fsIn: number, fsOut: number): void {
  if (!(fsIn > 0 && Number.isFinite(fsIn)) || !(fsOut > 0 && Number.isFinite(fsOut))) {
    throw new RangeError(`resample: sampling rates must be positive and finite (got ${fsIn} -> ${fsOut})`);
  }
}

/** Best rational p/q ~ r with p, q <= maxTerm (continued fractions), or null if not exact to 1e-10. */
function rationalize(r: number, maxTerm: number): [number, number] | null {
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  let x = r;
  for (let i = 0; i < 40; i++) {
    const a = Math.floor(x);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (h2 > maxTerm || k2 > maxTerm) return null;
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    if (Math.abs(h1 / k1 - r) <= 1e-10 * r) return [h1, k1];
    const f = x - a;
    if (f < 1e-12) break;
    x = 1 / f;
  }
  return Math.abs(h1 / k1 - r) <= 1e-10 * r ? [h1, k1] : null;
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-16) break;
  }
  return sum;
}

interface Kernel {
  /** Half-width in input samples; taps per output are 2K with K = ceil(halfWidth). */
  halfWidth: number;
  K: number;
  /** Kernel value at offset tau (input samples) from the output instant. */
  at(tau: number): number;
}

function designKernel(fsIn: number, fsOut: number, opts: ResampleOptions): Kernel {
  const passband = opts.passband ?? 0.8;
  const atten = opts.attenuationDb ?? 70;
  if (!(passband >= 0.5 && passband <= 0.95)) throw new RangeError(`resample: passband ${passband}`);
  const nyq = Math.min(fsIn, fsOut) / 2;
  const fc = ((1 + passband) / 2) * nyq; // cutoff in Hz, mid transition band
  const transition = (1 - passband) * nyq; // Hz
  const beta = atten > 50 ? 0.1102 * (atten - 8.7) : 0.5842 * (atten - 21) ** 0.4 + 0.07886 * (atten - 21);
  const taps = (atten - 8) / (2.285 * ((2 * Math.PI * transition) / fsIn)); // Kaiser's estimate
  const halfWidth = Math.max(2, taps / 2);
  const c = (2 * fc) / fsIn; // normalised cutoff: sinc(c * tau) has its first zero at 1/c samples
  const i0b = besselI0(beta);
  const at = (tau: number): number => {
    const u = tau / halfWidth;
    if (u <= -1 || u >= 1) return 0;
    const sinc = tau === 0 ? 1 : Math.sin(Math.PI * c * tau) / (Math.PI * c * tau);
    return c * sinc * (besselI0(beta * Math.sqrt(1 - u * u)) / i0b);
  };
  return { halfWidth, K: Math.ceil(halfWidth), at };
}

/**
 * Tap weights for an output instant with fractional part `frac` of its input time: tap j
 * multiplies input sample floor(t) - K + 1 + j, at offset tau = frac + K - 1 - j.
 */
function fillWeights(kernel: Kernel, frac: number, out: Float32Array, off: number): void {
  const T = 2 * kernel.K;
  let sum = 0;
  for (let j = 0; j < T; j++) {
    const w = kernel.at(frac + kernel.K - 1 - j);
    out[off + j] = w;
    sum += w;
  }
  for (let j = 0; j < T; j++) out[off + j]! /= sum; // unit DC gain for every phase
}

/** Creates a streaming resampler; chunked output concatenated equals `resample` of the whole. */
export function createResampler(fsIn: number, fsOut: number, opts: ResampleOptions = {}): Resampler {
  checkRates(fsIn, fsOut);
  const kernel = designKernel(fsIn, fsOut, opts);
  const K = kernel.K;
  const T = 2 * K;
  const ratio = rationalize(fsOut / fsIn, MAX_PHASES);
  let position: (k: number) => { base: number; w: Float32Array; off: number };
  if (ratio) {
    const [L, M] = ratio;
    const table = new Float32Array(L * T);
    for (let p = 0; p < L; p++) fillWeights(kernel, p / L, table, p * T);
    const res = { base: 0, w: table, off: 0 };
    position = (k) => {
      const u = k * M;
      res.base = Math.floor(u / L);
      res.off = (u - res.base * L) * T;
      return res;
    };
  } else {
    // Fallback: the kernel tabulated FINE times per sample, linearly interpolated.
    const fine = new Float64Array(FINE * (K + 1) + 2);
    for (let i = 0; i < fine.length; i++) fine[i] = kernel.at(i / FINE);
    const fineKernel: Kernel = {
      ...kernel,
      at: (tau) => {
        const x = Math.abs(tau) * FINE;
        const i = Math.floor(x);
        if (i + 1 >= fine.length) return 0;
        return fine[i]! + (x - i) * (fine[i + 1]! - fine[i]!);
      },
    };
    const scratch = new Float32Array(T);
    const res = { base: 0, w: scratch, off: 0 };
    position = (k) => {
      const t = (k * fsIn) / fsOut;
      res.base = Math.floor(t);
      fillWeights(fineKernel, t - res.base, scratch, 0);
      return res;
    };
  }

  // Input kept from absolute index bufStart; outputs produced up to kNext (exclusive).
  let buf = new Float32Array(1024);
  let bufLen = 0;
  let bufStart = 0;
  let nIn = 0;
  let kNext = 0;
  let first = 0;
  let done = false;

  const compute = (kEnd: number): Float32Array => {
    const out = new Float32Array(Math.max(0, kEnd - kNext));
    const last = nIn > 0 ? buf[nIn - 1 - bufStart]! : 0;
    for (let k = kNext, o = 0; k < kEnd; k++, o++) {
      const { base, w, off } = position(k);
      const n0 = base - K + 1;
      let acc = 0;
      if (n0 >= 0 && n0 + T <= nIn) {
        const b = n0 - bufStart;
        const x = buf; // local aliases keep the hot loop monomorphic
        let a0 = 0;
        let a1 = 0;
        let j = 0;
        for (; j + 1 < T; j += 2) {
          a0 += w[off + j]! * x[b + j]!;
          a1 += w[off + j + 1]! * x[b + j + 1]!;
        }
        for (; j < T; j++) a0 += w[off + j]! * x[b + j]!;
        acc = a0 + a1;
      } else {
        for (let j = 0; j < T; j++) {
          const n = n0 + j;
          const v = n < 0 ? first : n >= nIn ? last : buf[n - bufStart]!;
          acc += w[off + j]! * v;
        }
      }
      out[o] = acc;
    }
    kNext = Math.max(kNext, kEnd);
    return out;
  };

  const append = (chunk: Float32Array): void => {
    if (bufLen + chunk.length > buf.length) {
      const grown = new Float32Array(Math.max(buf.length * 2, bufLen + chunk.length));
      grown.set(buf.subarray(0, bufLen));
      buf = grown;
    }
    buf.set(chunk, bufLen);
    bufLen += chunk.length;
  };

  // First output index whose taps reach beyond the input seen so far.
  const firstIncomplete = (): number => {
    let k = Math.max(kNext, Math.floor(((nIn - K) * fsOut) / fsIn) - 2);
    while (position(k).base + K <= nIn - 1) k++;
    while (k > kNext && position(k - 1).base + K > nIn - 1) k--;
    return k;
  };

  const discard = (): void => {
    const keep = Math.max(0, position(kNext).base - K + 1) - bufStart;
    if (keep > 0 && keep >= bufLen / 2) {
      buf.copyWithin(0, keep, bufLen);
      bufLen -= keep;
      bufStart += keep;
    }
  };

  return {
    fsIn,
    fsOut,
    push(chunk) {
      if (done) throw new Error("resampler: push after flush");
      if (chunk.length === 0) return new Float32Array(0);
      if (nIn === 0) first = chunk[0]!;
      append(chunk);
      nIn += chunk.length;
      const out = compute(firstIncomplete());
      discard();
      return out;
    },
    flush() {
      if (done) return new Float32Array(0);
      done = true;
      return compute(Math.round((nIn * fsOut) / fsIn));
    },
  };
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  if (b.length === 0) return a;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
