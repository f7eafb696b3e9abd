/**
 * Amplitude scaling and missing samples.
 *
 * Missing samples (NaN, and +-Infinity, which some converters write for gaps) are repaired by
 * `fillNaN`: linear interpolation between the nearest finite neighbours, the nearest finite
 * value held at the ends, zeros when a lead has no finite sample at all. Interpolation keeps
 * the waveform continuous across short dropouts (a few samples on Holter tapes), where zeros
 * would create false edges that a QRS detector or the model would see as beats. `missingMask`
 * tells which samples were repaired, for callers that want to mask them.
 * The scalers below ignore non-finite samples when computing their statistics and write 0
 * for them, so no NaN can reach the model through them.
 */

/** 1 where the sample is NaN or infinite. */
export function missingMask(x: Float32Array): Uint8Array {
  const m = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) m[i] = Number.isFinite(x[i]!) ? 0 : 1;
  return m;
}

/** A copy of `x` with non-finite samples interpolated (see the module comment). */
export function fillNaN(x: Float32Array): Float32Array {
  const y = x.slice();
  const n = y.length;
  let prev = -1; // index of the last finite sample
  for (let i = 0; i <= n; i++) {
    if (i < n && !Number.isFinite(y[i]!)) continue;
    // Gap (prev, i): fill it.
    if (i - prev > 1) {
      const a = prev >= 0 ? y[prev]! : i < n ? y[i]! : 0;
      const b = i < n ? y[i]! : a;
      for (let j = prev + 1; j < i; j++) y[j] = prev < 0 ? b : a + ((b - a) * (j - prev)) / (i - prev);
    }
    prev = i;
  }
  return y;
}

/**
 * The paper's per-lead scaling: min-max to [-1, 1]. A flat lead (max == min, including an
 * all-zero absent lead) becomes zeros; non-finite samples are ignored and become 0.
 */
export function minMaxScale(x: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const y = new Float32Array(x.length);
  const range = hi - lo;
  if (!(range > 0) || !Number.isFinite(range)) return y;
  const k = 2 / range;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = Number.isFinite(v) ? (v - lo) * k - 1 : 0;
  }
  return y;
}

/** `minMaxScale` applied to each lead. */
export function minMaxScaleLeads(signals: readonly Float32Array[]): Float32Array[] {
  return signals.map(minMaxScale);
}

/** Quantile q (0-1) of the finite samples, linear interpolation; NaN when there are none. */
export function quantile(x: Float32Array, q: number): number {
  return quantiles(x, [q])[0]!;
}

function quantiles(x: Float32Array, qs: number[]): number[] {
  const finite = x.filter(Number.isFinite).sort();
  if (finite.length === 0) return qs.map(() => Number.NaN);
  return qs.map((q) => {
    const pos = Math.min(1, Math.max(0, q)) * (finite.length - 1);
    const i = Math.floor(pos);
    const f = pos - i;
    return i + 1 < finite.length ? finite[i]! * (1 - f) + finite[i + 1]! * f : finite[i]!;
  });
}

/**
 * Robust z-score: (x - median) / (IQR / 1.349), the IQR scaled to a Gaussian's standard
 * deviation. Robust to QRS spikes and artefacts that inflate a standard deviation. When the
 * IQR is 0 (mostly flat lead with a few beats) the MAD, then the standard deviation, is used;
 * a flat lead becomes zeros; non-finite samples become 0.
 */
export function robustZScore(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  const [q1, med, q3] = quantiles(x, [0.25, 0.5, 0.75]) as [number, number, number];
  if (Number.isNaN(med)) return y;
  let spread = (q3 - q1) / 1.349;
  if (!(spread > 0)) {
    const dev = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) dev[i] = Math.abs(x[i]! - med);
    spread = 1.4826 * quantile(dev, 0.5);
  }
  if (!(spread > 0)) {
    let s = 0;
    let c = 0;
    for (const v of x) {
      if (!Number.isFinite(v)) continue;
      s += (v - med) ** 2;
      c++;
    }
    spread = Math.sqrt(s / c);
  }
  if (!(spread > 0)) return y;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = Number.isFinite(v) ? (v - med) / spread : 0;
  }
  return y;
}
