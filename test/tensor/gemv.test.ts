// The few-row matrix product path (M <= 8 rows, decode steps): against a float64 reference for
// both layouts of the right operand, with alpha/beta, batches and odd sizes (SIMD tails), and
// split across threads by columns with bitwise the same result as one thread.
import { describe, it, expect, afterAll } from "vitest";
import * as T from "../../src/tensor/index.js";

const e = T.engine();
const initial = e.threads;
const initialMin = e.minParallelWork;
afterAll(() => {
  e.setThreads(initial);
  e.minParallelWork = initialMin;
});

interface Case {
  M: number;
  N: number;
  K: number;
  transB: boolean;
  batch: number;
  alpha: number;
  beta: number;
}

/** Runs C = beta*C + alpha*A op(B) through the kernel; returns C and its float64 reference. */
function product(c: Case, seed: number): { got: Float32Array; want: Float64Array } {
  const { M, N, K, transB, batch, alpha, beta } = c;
  const rng = new T.Rng(seed);
  return T.scope(() => {
    const a = T.randn([batch, M, K], rng);
    const b = T.randn(transB ? [batch, N, K] : [batch, K, N], rng);
    const out = T.randn([batch, M, N], rng);
    const [ad, bd, c0] = [a.data.slice(), b.data.slice(), out.data.slice()];
    T.gemmRaw(false, transB, M, N, K, alpha, a.ptr, K, M * K, b.ptr, transB ? K : N, N * K, beta, out.ptr, N, M * N, batch); // prettier-ignore
    const want = new Float64Array(batch * M * N);
    for (let z = 0; z < batch; z++)
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++)
            s += ad[z * M * K + i * K + k]! * bd[z * N * K + (transB ? j * K + k : k * N + j)]!;
          const o = z * M * N + i * N + j;
          want[o] = alpha * s + beta * c0[o]!;
        }
    return { got: out.data.slice(), want };
  });
}

describe("few-row matrix product (GEMV path)", () => {
  const cases: Case[] = [];
  for (let M = 1; M <= 8; M++)
    for (const transB of [true, false])
      cases.push({ M, N: 37 + 16 * M, K: 67 - M, transB, batch: 1, alpha: 1, beta: 0 });
  cases.push({ M: 3, N: 21, K: 5, transB: true, batch: 3, alpha: 0.5, beta: 1 });
  cases.push({ M: 2, N: 19, K: 7, transB: false, batch: 4, alpha: -2, beta: 0.25 });
  cases.push({ M: 1, N: 3, K: 2, transB: false, batch: 1, alpha: 1, beta: 1 });

  it("matches the float64 reference for M = 1..8, both layouts, alpha/beta, batches", () => {
    e.setThreads(1);
    cases.forEach((c, i) => {
      const { got, want } = product(c, i + 1);
      let err = 0;
      want.forEach((w, j) => (err = Math.max(err, Math.abs(got[j]! - w) / (1 + Math.abs(w)))));
      expect(err, JSON.stringify(c)).toBeLessThan(1e-5);
    });
  });

  it("two threads split the columns with bitwise the same result", () => {
    const big: Case[] = [
      { M: 1, N: 1037, K: 259, transB: true, batch: 1, alpha: 1, beta: 0 },
      { M: 5, N: 1037, K: 131, transB: false, batch: 1, alpha: 1, beta: 1 },
      { M: 2, N: 67, K: 33, transB: true, batch: 5, alpha: 1, beta: 0 },
    ];
    e.minParallelWork = 1;
    for (const c of big) {
      e.setThreads(1);
      const one = product(c, 7).got;
      e.setThreads(2);
      const two = product(c, 7).got;
      expect(Array.from(two), JSON.stringify(c)).toEqual(Array.from(one));
    }
  });

  it("attention with a few queries over a long key cache matches many-query attention", () => {
    // the last query row of a causal prefill equals a one-query step over the same keys
    e.setThreads(1);
    const rng = new T.Rng(11);
    T.scope(() => {
      const [Tk, H, hd] = [45, 2, 8];
      const q = T.randn([1, Tk, H * hd], rng);
      const k = T.randn([1, Tk, H * hd], rng);
      const v = T.randn([1, Tk, H * hd], rng);
      const full = T.attention(q, k, v, { heads: H, causal: true }).data;
      const last = T.slice(q, 1, Tk - 3, Tk);
      const step = T.attention(last, k, v, { heads: H, causal: true }).data;
      for (let i = 0; i < step.length; i++) expect(step[i]).toBeCloseTo(full[(Tk - 3) * H * hd + i]!, 5);
    });
  });
});
