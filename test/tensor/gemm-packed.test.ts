// The shared-panel matrix product (op(B) packed once by all threads, then row shares): every
// transpose variant, sizes that are not multiples of the tile (6 x 8) or of the K block (256),
// wider than one column block (1024), with beta accumulating into C. Two threads must give the
// bits one thread gives (one thread takes the per-thread packing path), and both must match a
// float64 reference.
import { describe, it, expect, afterAll } from "vitest";
import * as T from "../../src/tensor/index.js";

const e = T.engine();
const initial = e.threads;
afterAll(() => e.setThreads(initial));

interface Case {
  tA: boolean;
  tB: boolean;
  M: number;
  N: number;
  K: number;
}

/** Operands filled from a fixed seed: A (M x K or K x M), B (K x N or N x K), C (M x N). */
function operands({ M, N, K }: Case): Float32Array[] {
  let s = M * 7 + N * 3 + K;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return [M * K, K * N, M * N].map((n) => Float32Array.from({ length: n }, next));
}

/** C = 0.5 * C + 1.25 * op(A) op(B) on `threads` threads; returns C. */
function product(c: Case, threads: number): Float32Array {
  e.setThreads(threads);
  const [a, b, c0] = operands(c);
  return T.scope(() => {
    const ta = T.tensor(a!, [a!.length]);
    const tb = T.tensor(b!, [b!.length]);
    const tc = T.tensor(c0!, [c0!.length]);
    const lda = c.tA ? c.M : c.K;
    const ldb = c.tB ? c.K : c.N;
    T.gemmRaw(c.tA, c.tB, c.M, c.N, c.K, 1.25, ta.ptr, lda, 0, tb.ptr, ldb, 0, 0.5, tc.ptr, c.N, 0);
    return Float32Array.from(tc.toArray());
  });
}

/** Largest |C - reference| with the reference summed in float64. */
function maxError(c: Case, got: Float32Array): number {
  const [a, b, c0] = operands(c);
  let err = 0;
  for (let m = 0; m < c.M; m++)
    for (let n = 0; n < c.N; n++) {
      let s = 0;
      for (let k = 0; k < c.K; k++) {
        const x = c.tA ? a![k * c.M + m]! : a![m * c.K + k]!;
        const y = c.tB ? b![n * c.K + k]! : b![k * c.N + n]!;
        s += x * y;
      }
      const want = 0.5 * c0![m * c.N + n]! + 1.25 * s;
      err = Math.max(err, Math.abs(got[m * c.N + n]! - want));
    }
  return err;
}

const cases: Case[] = [];
for (const tA of [false, true])
  for (const tB of [false, true]) cases.push({ tA, tB, M: 259, N: 203, K: 301 });
cases.push({ tA: false, tB: true, M: 131, N: 1037, K: 40 });

describe("gemm with op(B) packed once for all threads", () => {
  for (const c of cases)
    it(`transA=${c.tA} transB=${c.tB} ${c.M}x${c.N}x${c.K}`, () => {
      const one = product(c, 1);
      const two = product(c, 2);
      expect(two).toEqual(one);
      expect(maxError(c, two)).toBeLessThan(1e-3 * Math.sqrt(c.K));
    });
});
