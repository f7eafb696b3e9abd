/** Matrix products (all transpose variants, batched) and the linear layer. */
import { engine } from "../engine.js";
import { Tensor, needsGrad, record, gradSlot, type Shape } from "../tensor.js";

export interface MatmulOptions {
  /** Use a's last two dimensions transposed (a stored [..., K, M]). */
  transA?: boolean;
  /** Use b's last two dimensions transposed (b stored [..., N, K]). */
  transB?: boolean;
}

/** Raw kernel call: C(batch) = beta*C + alpha*op(A) op(B), row-major with given strides. */
export function gemmRaw(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  a: number, lda: number, sA: number, b: number, ldb: number, sB: number,
  beta: number, c: number, ldc: number, sC: number, batch = 1,
): void {
  const flags = (transA ? 1 : 0) | (transB ? 2 : 0);
  const work = (M * N * K * batch) / 32;
  const e = engine();
  // one large product on several threads: op(B) packed once for all of them
  const one = batch === 1 && K > 0 && M >= PACKED_MIN_ROWS && work >= 2 * e.minParallelWork;
  if (one && e.threads > 1 && gemmShared(flags, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, work)) return;
  // shares of whole matrices, or of >= 64 rows / 128 columns (each share packs its own panels)
  const parts = Math.max(batch, Math.ceil(M / 64), M >= N ? 1 : Math.ceil(N / 128));
  e.runSplit("gemm", work, parts, flags, M, N, K, alpha, beta, a, lda, sA, b, ldb, sB, c, ldc, sC, batch);
} // prettier-ignore

/** Rows from which one product split across threads packs op(B) once for all of them. */
const PACKED_MIN_ROWS = 128;
/** Largest packed op(B) (a temporary block) worth it; larger ones pack per share as before. */
const PACKED_MAX_BYTES = 64 << 20;

/**
 * One large product on several threads: the threads first pack op(B) together into one shared
 * buffer, then take shares of >= 64 rows that all read it (instead of every share packing all
 * of op(B) again). Same arithmetic as the "gemm" kernel, so the same bits. False (nothing done)
 * when the packed op(B) would be too large.
 */
function gemmShared(
  flags: number, M: number, N: number, K: number, alpha: number, a: number, lda: number,
  b: number, ldb: number, beta: number, c: number, ldc: number, work: number,
): boolean {
  const e = engine();
  const bytes = e.gemmPackedBytes(K, N);
  if (!(bytes > 0 && bytes <= PACKED_MAX_BYTES)) return false;
  const packed = e.alloc(bytes);
  try {
    e.runSplit("gemmPackB", bytes / 4, Math.ceil(N / 64), flags, K, N, b, ldb, packed);
    e.runSplit("gemmPacked", work, Math.ceil(M / 64), flags, M, N, K, alpha, beta, a, lda, packed, c, ldc);
  } finally {
    e.release(packed);
  }
  return true;
} // prettier-ignore

function dims2(t: Tensor, what: string): [number, number] {
  if (t.rank < 2) throw new RangeError(`matmul: ${what} must have at least 2 dimensions`);
  return [t.shape[t.rank - 2]!, t.shape[t.rank - 1]!];
}

/**
 * op(a) @ op(b). a: [..., M, K] (transA: [..., K, M]); b: [K, N] (transB: [N, K]) shared by
 * every matrix of a, or [..., K, N] with the same leading dimensions as a.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const tA = !!opts.transA;
  const tB = !!opts.transB;
  const [ar, ac] = dims2(a, "a");
  const [br, bc] = dims2(b, "b");
  const M = tA ? ac : ar;
  const K = tA ? ar : ac;
  const N = tB ? br : bc;
  if ((tB ? bc : br) !== K)
    throw new RangeError(`matmul: inner sizes differ ([${a.shape.join(", ")}] x [${b.shape.join(", ")}])`);
  const lead = a.shape.slice(0, -2);
  const batch = a.size / (ar * ac);
  const shared = b.rank === 2;
  if (!shared && (b.rank !== a.rank || b.shape.slice(0, -2).some((d, i) => d !== lead[i])))
    throw new RangeError(
      `matmul: batch dimensions differ ([${a.shape.join(", ")}] x [${b.shape.join(", ")}])`,
    );
  if (shared && tA && batch > 1) throw new RangeError("matmul: transA with a shared 2-d b is not supported");
  const out = Tensor.empty([...lead, M, N] as Shape);
  const lda = ac;
  const ldb = bc;
  // with a shared b and no transpose of a, the batch folds into M: one large product
  const fold = shared && !tA;
  const Mf = fold ? M * batch : M;
  const nb = fold ? 1 : batch;
  const sA = ar * ac;
  const sB = shared ? 0 : br * bc;
  const sC = M * N;
  gemmRaw(tA, tB, Mf, N, K, 1, a.ptr, lda, sA, b.ptr, ldb, sB, 0, out.ptr, N, sC, nb);
  if (needsGrad(a, b))
    record(out, (g) => {
      const ga = gradSlot(a);
      if (ga) {
        if (!tA) gemmRaw(false, !tB, Mf, K, N, 1, g.ptr, N, sC, b.ptr, ldb, sB, ga.beta, ga.ptr, lda, sA, nb);
        else gemmRaw(tB, true, K, M, N, 1, b.ptr, ldb, sB, g.ptr, N, sC, ga.beta, ga.ptr, lda, sA, nb);
      }
      const gb = gradSlot(b);
      if (gb) {
        // shared b: the folded product sums over the batch; batched b: one product per matrix
        if (!tB) gemmRaw(!tA, false, K, N, Mf, 1, a.ptr, lda, sA, g.ptr, N, sC, gb.beta, gb.ptr, ldb, sB, nb);
        else gemmRaw(true, tA, N, K, Mf, 1, g.ptr, N, sC, a.ptr, lda, sA, gb.beta, gb.ptr, ldb, sB, nb);
      }
    });
  return out;
}

/** y = x @ w^T + b: x [..., in], w [out, in] (PyTorch / safetensors layout), b [out]. */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  if (w.rank !== 2) throw new RangeError("linear: weight must be [out, in]");
  const [O, I] = w.shape as [number, number];
  if (x.shape[x.rank - 1] !== I)
    throw new RangeError(`linear: input [${x.shape.join(", ")}] does not match weight [${O}, ${I}]`);
  if (b && (b.rank !== 1 || b.shape[0] !== O)) throw new RangeError(`linear: bias must be [${O}]`);
  const e = engine();
  const rows = x.size / I;
  const out = Tensor.empty([...x.shape.slice(0, -1), O]);
  gemmRaw(false, true, rows, O, I, 1, x.ptr, I, 0, w.ptr, I, 0, 0, out.ptr, O, 0);
  if (b) e.run("binary", out.size, 0, out.ptr, b.ptr, out.ptr, out.size, O, 0);
  if (needsGrad(x, w, b))
    record(out, (g) => {
      const gx = gradSlot(x);
      if (gx) gemmRaw(false, false, rows, I, O, 1, g.ptr, O, 0, w.ptr, I, 0, gx.beta, gx.ptr, I, 0);
      const gw = gradSlot(w);
      if (gw) gemmRaw(true, false, O, I, rows, 1, g.ptr, O, 0, x.ptr, I, 0, gw.beta, gw.ptr, I, 0);
      const gbias = b ? gradSlot(b) : null;
      if (gbias) e.run("colSum", g.size, g.ptr, 0, rows, O, gbias.ptr, gbias.beta);
    });
  return out;
}
