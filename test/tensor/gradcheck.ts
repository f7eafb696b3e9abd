/**
 * Test helper: checks an op's forward pass against a float64 JavaScript reference and its
 * backward pass against central finite differences of that reference.
 */
import { expect } from "vitest";
import { Tensor, tensor, backward, scope, sum, mul, Rng } from "../../src/tensor/index.js";

export type Ref = (xs: Float64Array[]) => Float64Array;

export interface CheckOptions {
  /** Largest |ours - reference| relative to max(1, |reference|) allowed (forward and gradients). */
  tol?: number;
  /** Inputs (by index) that get no gradient check. */
  noGrad?: number[];
  /** Finite-difference step. */
  h?: number;
  seed?: number;
}

/** Relative max error: max |a - b| / max(1, max |b|). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  let s = 1;
  for (let i = 0; i < b.length; i++) s = Math.max(s, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m / s;
}

export function randomData(n: number, rng: Rng, scale = 1): Float64Array {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.normal() * scale;
  return d;
}

/**
 * inputs: values and shapes; ours builds the op from tensors; ref computes the same in float64.
 * The loss is sum(out * R) for a fixed random R.
 */
export function gradCheck(
  inputs: { data: Float64Array; shape: number[] }[],
  ours: (ts: Tensor[]) => Tensor,
  ref: Ref,
  opts: CheckOptions = {},
): void {
  const tol = opts.tol ?? 2e-3;
  const h = opts.h ?? 1e-4;
  const rng = new Rng(opts.seed ?? 7);
  const skip = new Set(opts.noGrad ?? []);
  const xs = inputs.map((i) => Float64Array.from(Float32Array.from(i.data)));
  const refOut = ref(xs);
  const R = randomData(refOut.length, rng);
  const loss = (v: Float64Array[]) => {
    const o = ref(v);
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i]! * R[i]!;
    return s;
  };
  scope(() => {
    const ts = inputs.map((i, k) => tensor(Float32Array.from(i.data), i.shape, !skip.has(k)));
    const out = ours(ts);
    expect(out.size).toBe(refOut.length);
    const fwdErr = relErr(out.data, refOut);
    expect(fwdErr, "forward").toBeLessThan(tol);
    const l = sum(mul(out, tensor(Float32Array.from(R), out.shape)));
    backward(l);
    ts.forEach((t, k) => {
      if (skip.has(k)) return;
      const g = t.grad ? Float64Array.from(t.grad.data) : new Float64Array(t.size);
      const num = new Float64Array(t.size);
      // all elements for small inputs, else a sample (the rest compared as 0 = skipped)
      const idx = t.size <= 300 ? [...Array(t.size).keys()] : [...Array(120)].map(() => rng.int(t.size));
      const gs: number[] = [];
      const ns: number[] = [];
      for (const j of idx) {
        const x = xs[k]!;
        const v = x[j]!;
        x[j] = v + h;
        const lp = loss(xs);
        x[j] = v - h;
        const lm = loss(xs);
        x[j] = v;
        num[j] = (lp - lm) / (2 * h);
        gs.push(g[j]!);
        ns.push(num[j]!);
      }
      expect(relErr(gs, ns), `gradient of input ${k}`).toBeLessThan(tol);
    });
  });
}
