// Cache-blocked, register-tiled single-precision matrix product (GotoBLAS loop order):
//   C = beta * C + alpha * op(A) * op(B),  op(A): M x K, op(B): K x N, all row-major with strides.
// Panels of op(B) (KC x NC) and op(A) (MC x KC) are packed into per-thread scratch so the MR x 8
// micro-kernel streams both from contiguous memory whatever the transposes; tails are zero-padded.
// One large product on several threads instead packs op(B) once into a shared buffer (gemmPackB,
// in parallel) that every row share reads (gemmPacked). With fused multiply-add the tile is
// 6 x 8: 12 accumulators + 2 B vectors + 1 broadcast fit V8's 15 usable xmm registers without
// spills (4 x 8 was ~10% slower; 4 x 12 and unrolling K spilled).
// Each C element is summed over K in the same order whatever the thread split, so results are
// bitwise identical for any number of threads.
import { hsum, part, partAligned, scratchBase } from "./common";

// Rows per tile: 6 with fused multiply-add; 4 without, where each product needs a temporary
// register and 6 rows would spill.
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
export const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 120; // a multiple of MR (6 or 4): no zero-padded strip inside a block
const NC: i32 = 1024;

/** Bytes of scratch one thread needs for `gemm` (packed A and B panels and an edge tile). */
export function gemmScratchBytes(): i32 {
  return (KC * MC + KC * NC + MR * NR) * 4 + 64;
}

/** One full 4-row strip of op(A) = A (rows p0, p0 + ld4, ...; kc columns): 4 x 4 transposes. */
function packA4(p0: usize, ld4: usize, kc: i32, dst: usize): void {
  const p1 = p0 + ld4;
  const p2 = p1 + ld4;
  const p3 = p2 + ld4;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const o = (<usize>k) << 2;
    const a0 = v128.load(p0 + o);
    const a1 = v128.load(p1 + o);
    const a2 = v128.load(p2 + o);
    const a3 = v128.load(p3 + o);
    const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
    const t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
    const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
    v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
    v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
    v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
    v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
    dst += 64;
  }
  for (; k < kc; k++) {
    const o = (<usize>k) << 2;
    store<f32>(dst, load<f32>(p0 + o));
    store<f32>(dst, load<f32>(p1 + o), 4);
    store<f32>(dst, load<f32>(p2 + o), 8);
    store<f32>(dst, load<f32>(p3 + o), 12);
    dst += 16;
  }
}

/**
 * One full 6-row strip of op(A) = A (rows p0, p0 + ld4, ...; kc columns) as strip[k*MR + r]:
 * rows 0-3 by 4 x 4 transposes, rows 4-5 interleaved in pairs (8 bytes per k).
 */
function packA6(p0: usize, ld4: usize, kc: i32, dst: usize): void {
  const p1 = p0 + ld4;
  const p2 = p1 + ld4;
  const p3 = p2 + ld4;
  const p4 = p3 + ld4;
  const p5 = p4 + ld4;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const o = (<usize>k) << 2;
    const a0 = v128.load(p0 + o);
    const a1 = v128.load(p1 + o);
    const a2 = v128.load(p2 + o);
    const a3 = v128.load(p3 + o);
    const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
    const t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
    const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
    const a4 = v128.load(p4 + o);
    const a5 = v128.load(p5 + o);
    const lo = v128.shuffle<f32>(a4, a5, 0, 4, 1, 5);
    const hi = v128.shuffle<f32>(a4, a5, 2, 6, 3, 7);
    v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
    v128.store64_lane(dst, lo, 0, 16);
    v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 24);
    v128.store64_lane(dst, lo, 1, 40);
    v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 48);
    v128.store64_lane(dst, hi, 0, 64);
    v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 72);
    v128.store64_lane(dst, hi, 1, 88);
    dst += 96;
  }
  for (; k < kc; k++) {
    const o = (<usize>k) << 2;
    store<f32>(dst, load<f32>(p0 + o));
    store<f32>(dst, load<f32>(p1 + o), 4);
    store<f32>(dst, load<f32>(p2 + o), 8);
    store<f32>(dst, load<f32>(p3 + o), 12);
    store<f32>(dst, load<f32>(p4 + o), 16);
    store<f32>(dst, load<f32>(p5 + o), 20);
    dst += 24;
  }
}

/** Packs rows [m0, m0+mc) x cols [k0, k0+kc) of op(A) into MR-row strips: strip[k*MR + r]. */
function packA(trans: bool, A: usize, lda: usize, m0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  const ld4 = lda << 2;
  for (let i = 0; i < mc; i += MR) {
    const mr = min<i32>(MR, mc - i);
    if (!trans) {
      const p0 = A + ((<usize>(m0 + i) * lda + <usize>k0) << 2);
      if (mr == MR) {
        if (MR == 6) packA6(p0, ld4, kc, dst);
        else packA4(p0, ld4, kc, dst);
        dst += (<usize>(kc * MR)) << 2;
        continue;
      }
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < MR; r++) {
          const v: f32 = r < mr ? load<f32>(p0 + <usize>r * ld4 + ((<usize>k) << 2)) : 0;
          store<f32>(dst + ((<usize>r) << 2), v);
        }
        dst += MR << 2;
      }
    } else {
      // op(A)[m, k] = A[k, m]: MR consecutive floats per k
      let p = A + ((<usize>k0 * lda + <usize>(m0 + i)) << 2);
      for (let k = 0; k < kc; k++) {
        if (mr == MR) {
          v128.store(dst, v128.load(p));
          if (MR == 6) store<u64>(dst, load<u64>(p, 16), 16);
        } else {
          for (let r = 0; r < MR; r++)
            store<f32>(dst + ((<usize>r) << 2), r < mr ? load<f32>(p + ((<usize>r) << 2)) : 0);
        }
        dst += MR << 2;
        p += ld4;
      }
    }
  }
}

/** Packs rows [k0, k0+kc) x cols [n0, n0+nc) of op(B) into NR-column strips: strip[k*NR + c]. */
function packB(trans: bool, B: usize, ldb: usize, k0: i32, kc: i32, n0: i32, nc: i32, dst: usize): void {
  let j = 0;
  if (!trans) {
    // two strips at once: each row read is a whole 64-byte line (one strip at a time, rows
    // 4 KiB apart evict each line from L1 before the next strip reads its other half)
    const ld4 = ldb << 2;
    const strip = (<usize>kc) << 5;
    for (; j + 2 * NR <= nc; j += 2 * NR) {
      let p = B + ((<usize>k0 * ldb + <usize>(n0 + j)) << 2);
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(p));
        v128.store(dst, v128.load(p, 16), 16);
        v128.store(dst + strip, v128.load(p, 32));
        v128.store(dst + strip, v128.load(p, 48), 16);
        dst += 32;
        p += ld4;
      }
      dst += strip;
    }
  }
  for (; j < nc; j += NR) {
    const nr = min<i32>(NR, nc - j);
    if (!trans) {
      let p = B + ((<usize>k0 * ldb + <usize>(n0 + j)) << 2);
      const ld4 = ldb << 2;
      if (nr == NR) {
        for (let k = 0; k < kc; k++) {
          v128.store(dst, v128.load(p));
          v128.store(dst, v128.load(p, 16), 16);
          dst += 32;
          p += ld4;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let c = 0; c < NR; c++)
            store<f32>(dst + ((<usize>c) << 2), c < nr ? load<f32>(p + ((<usize>c) << 2)) : 0);
          dst += NR << 2;
          p += ld4;
        }
      }
    } else {
      // op(B)[k, n] = B[n, k]
      const p0 = B + ((<usize>(n0 + j) * ldb + <usize>k0) << 2);
      const ld4 = ldb << 2;
      if (nr == NR) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = (<usize>k) << 2;
          for (let h = 0; h < 2; h++) {
            const q = p0 + <usize>h * 4 * ld4 + o;
            const a0 = v128.load(q);
            const a1 = v128.load(q + ld4);
            const a2 = v128.load(q + 2 * ld4);
            const a3 = v128.load(q + 3 * ld4);
            const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
            const t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
            const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
            const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
            const d = dst + ((<usize>h) << 4);
            v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
            v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
            v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
            v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
          }
          dst += 128;
        }
        for (; k < kc; k++) {
          for (let c = 0; c < NR; c++)
            store<f32>(dst + ((<usize>c) << 2), load<f32>(p0 + <usize>c * ld4 + ((<usize>k) << 2)));
          dst += NR << 2;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let c = 0; c < NR; c++) {
            const v: f32 = c < nr ? load<f32>(p0 + <usize>c * ld4 + ((<usize>k) << 2)) : 0;
            store<f32>(dst + ((<usize>c) << 2), v);
          }
          dst += NR << 2;
        }
      }
    }
  }
}

function out(p: usize, acc: v128, alpha: v128, beta: v128, useBeta: bool): void {
  let v = f32x4.mul(acc, alpha);
  if (useBeta) v = f32x4.add(v, f32x4.mul(v128.load(p), beta));
  v128.store(p, v);
}

/** Stores an edge tile (mr x nr of the MR x NR tile left at tmp) with the full tiles' arithmetic. */
function edge(c: usize, ldc: usize, mr: i32, nr: i32, alpha: f32, beta: f32, tmp: usize): void {
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const p = c + ((<usize>r * ldc + <usize>j) << 2);
      let v = load<f32>(tmp + ((<usize>(r * NR + j)) << 2)) * alpha;
      if (beta != 0) v += load<f32>(p) * beta;
      store<f32>(p, v);
    }
  }
}

/** 6 x 8 tile with fused multiply-add: C tile = beta*C + alpha * Ap(6 x kc) * Bp(kc x 8). */
function micro6(
  kc: i32,
  ap: usize,
  bp: usize,
  c: usize,
  ldc: usize,
  mr: i32,
  nr: i32,
  alpha: f32,
  beta: f32,
  tmp: usize,
): void {
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0),
    c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0),
    c51 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.relaxed_madd(a, b0, c00);
    c01 = f32x4.relaxed_madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.relaxed_madd(a, b0, c10);
    c11 = f32x4.relaxed_madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.relaxed_madd(a, b0, c20);
    c21 = f32x4.relaxed_madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.relaxed_madd(a, b0, c30);
    c31 = f32x4.relaxed_madd(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = f32x4.relaxed_madd(a, b0, c40);
    c41 = f32x4.relaxed_madd(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = f32x4.relaxed_madd(a, b0, c50);
    c51 = f32x4.relaxed_madd(a, b1, c51);
    ap += 24;
    bp += 32;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  const useBeta = beta != 0;
  if (mr == MR && nr == NR) {
    const l4 = ldc << 2;
    out(c, c00, va, vb, useBeta);
    out(c + 16, c01, va, vb, useBeta);
    c += l4;
    out(c, c10, va, vb, useBeta);
    out(c + 16, c11, va, vb, useBeta);
    c += l4;
    out(c, c20, va, vb, useBeta);
    out(c + 16, c21, va, vb, useBeta);
    c += l4;
    out(c, c30, va, vb, useBeta);
    out(c + 16, c31, va, vb, useBeta);
    c += l4;
    out(c, c40, va, vb, useBeta);
    out(c + 16, c41, va, vb, useBeta);
    c += l4;
    out(c, c50, va, vb, useBeta);
    out(c + 16, c51, va, vb, useBeta);
    return;
  }
  v128.store(tmp, c00, 0);
  v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32);
  v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64);
  v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96);
  v128.store(tmp, c31, 112);
  v128.store(tmp, c40, 128);
  v128.store(tmp, c41, 144);
  v128.store(tmp, c50, 160);
  v128.store(tmp, c51, 176);
  edge(c, ldc, mr, nr, alpha, beta, tmp);
}

/** 4 x 8 tile without fused multiply-add (plain SIMD builds). */
function micro4(
  kc: i32,
  ap: usize,
  bp: usize,
  c: usize,
  ldc: usize,
  mr: i32,
  nr: i32,
  alpha: f32,
  beta: f32,
  tmp: usize,
): void {
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
    bp += 32;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  const useBeta = beta != 0;
  if (mr == MR && nr == NR) {
    const l4 = ldc << 2;
    out(c, c00, va, vb, useBeta);
    out(c + 16, c01, va, vb, useBeta);
    c += l4;
    out(c, c10, va, vb, useBeta);
    out(c + 16, c11, va, vb, useBeta);
    c += l4;
    out(c, c20, va, vb, useBeta);
    out(c + 16, c21, va, vb, useBeta);
    c += l4;
    out(c, c30, va, vb, useBeta);
    out(c + 16, c31, va, vb, useBeta);
    return;
  }
  v128.store(tmp, c00, 0);
  v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32);
  v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64);
  v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96);
  v128.store(tmp, c31, 112);
  edge(c, ldc, mr, nr, alpha, beta, tmp);
}

/** C tile (mr x nr, at c with row stride ldc floats) = beta*C + alpha * Ap(MR x kc) * Bp(kc x NR). */
function micro(
  kc: i32,
  ap: usize,
  bp: usize,
  c: usize,
  ldc: usize,
  mr: i32,
  nr: i32,
  alpha: f32,
  beta: f32,
  tmp: usize,
): void {
  if (ASC_FEATURE_RELAXED_SIMD) micro6(kc, ap, bp, c, ldc, mr, nr, alpha, beta, tmp);
  else micro4(kc, ap, bp, c, ldc, mr, nr, alpha, beta, tmp);
}

/** Columns of op(B) once packed: N rounded up to whole NR-column strips (tails are zero). */
function packedCols(N: i32): usize {
  return <usize>(((N + NR - 1) / NR) * NR);
}

/**
 * Rows [m0, m1) x cols [jc, jc+nc) of C for one KC block (k0, kc): packs each MC-row block of
 * op(A) and runs the micro-kernel over the packed op(B) strips at `bpanel` (strip j*NR at
 * bpanel + j*NR*kc floats). `bet` scales the old C (beta on the first K block, then 1).
 */
function blockRows(
  transA: bool,
  A: usize,
  lda: usize,
  m0: i32,
  m1: i32,
  k0: i32,
  kc: i32,
  jc: i32,
  nc: i32,
  bpanel: usize,
  alpha: f32,
  bet: f32,
  C: usize,
  ldc: usize,
  pa: usize,
  tmp: usize,
): void {
  for (let ic = m0; ic < m1; ic += MC) {
    const mc = min<i32>(MC, m1 - ic);
    packA(transA, A, lda, ic, mc, k0, kc, pa);
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = min<i32>(NR, nc - jr);
      const bp = bpanel + <usize>(jr * kc * 4);
      for (let ir = 0; ir < mc; ir += MR) {
        const mr = min<i32>(MR, mc - ir);
        const c = C + ((<usize>(ic + ir) * ldc + <usize>(jc + jr)) << 2);
        micro(kc, pa + <usize>(ir * kc * 4), bp, c, ldc, mr, nr, alpha, bet, tmp);
      }
    }
  }
}

/**
 * One thread's block of C: rows [m0, m1), cols [n0, n1). A, B, C point at element (0, 0) of
 * op(A), op(B) and C for this matrix of the batch. `scratch` holds the packed panels.
 */
export function gemmBlock(
  flags: i32,
  m0: i32,
  m1: i32,
  n0: i32,
  n1: i32,
  K: i32,
  alpha: f32,
  beta: f32,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  C: usize,
  ldc: i32,
  scratch: usize,
): void {
  const transA = (flags & 1) != 0;
  const transB = (flags & 2) != 0;
  const pa = scratch;
  const pb = pa + <usize>(KC * MC * 4);
  const tmp = pb + <usize>(KC * NC * 4);
  if (m1 <= m0 || n1 <= n0) return;
  if (K <= 0) {
    // C = beta * C
    for (let m = m0; m < m1; m++)
      for (let n = n0; n < n1; n++) {
        const p = C + ((<usize>m * <usize>ldc + <usize>n) << 2);
        store<f32>(p, beta == 0 ? 0 : load<f32>(p) * beta);
      }
    return;
  }
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = min<i32>(NC, n1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min<i32>(KC, K - pc);
      packB(transB, B, <usize>ldb, pc, kc, jc, nc, pb);
      const bet: f32 = pc == 0 ? beta : 1;
      blockRows(transA, A, <usize>lda, m0, m1, pc, kc, jc, nc, pb, alpha, bet, C, <usize>ldc, pa, tmp);
    }
  }
}

// ---- one large product across threads: op(B) packed once, shared by every row share -------

/** Bytes `gemmPackB` writes for a K x N op(B). */
export function gemmPackedBytes(K: i32, N: i32): i32 {
  return <i32>(<usize>K * packedCols(N) * 4);
}

/**
 * Packs all of op(B) (K x N, flags bit 1: B stored N x K) at `dst` for `gemmPacked`: K block
 * by K block (KC rows, packedCols(N) columns each, in NR-column strips). Thread `tid` packs
 * its share of the strips, so the threads pack in parallel.
 */
export function gemmPackB(
  tid: i32,
  nt: i32,
  flags: i32,
  K: i32,
  N: i32,
  B: usize,
  ldb: i32,
  dst: usize,
): void {
  const n0 = partAligned(N, NR, tid, nt);
  const n1 = partAligned(N, NR, tid + 1, nt);
  if (n1 <= n0) return;
  const np = packedCols(N);
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min<i32>(KC, K - pc);
    packB(
      (flags & 2) != 0,
      B,
      <usize>ldb,
      pc,
      kc,
      n0,
      n1 - n0,
      dst + ((<usize>pc * np + <usize>(n0 * kc)) << 2),
    );
  }
}

/**
 * C = beta*C + alpha*op(A) op(B) (K > 0) with op(B) already packed at `Bp` by `gemmPackB`;
 * thread `tid` of `nt` computes its share of the rows. Same packing, blocking and k order as
 * `gemm`, so the result is bitwise the same as `gemm`'s for any split.
 */
export function gemmPacked(
  tid: i32,
  nt: i32,
  flags: i32,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  beta: f32,
  A: usize,
  lda: i32,
  Bp: usize,
  C: usize,
  ldc: i32,
): void {
  const m0 = partAligned(M, MR, tid, nt);
  const m1 = partAligned(M, MR, tid + 1, nt);
  if (m1 <= m0 || N <= 0) return;
  const pa = scratchBase;
  const tmp = pa + <usize>(KC * MC * 4) + <usize>(KC * NC * 4);
  const np = packedCols(N);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min<i32>(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min<i32>(KC, K - pc);
      const bpanel = Bp + ((<usize>pc * np + <usize>(jc * kc)) << 2);
      const bet: f32 = pc == 0 ? beta : 1;
      blockRows(
        (flags & 1) != 0,
        A,
        <usize>lda,
        m0,
        m1,
        pc,
        kc,
        jc,
        nc,
        bpanel,
        alpha,
        bet,
        C,
        <usize>ldc,
        pa,
        tmp,
      );
    }
  }
}

// ---- few rows: matrix-vector style, op(B) streamed once, no packing -----------------------

/** Matrices with at most this many rows (decode steps) take the GEMV path instead of packing. */
export const GEMV_ROWS: i32 = 8;

function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Scales and stores one C element: alpha * v (+ beta * C). */
function put(p: usize, v: f32, alpha: f32, beta: f32): void {
  let r = v * alpha;
  if (beta != 0) r += load<f32>(p) * beta;
  store<f32>(p, r);
}

/** Sum of a dot product's four lanes plus its scalar tail over k in [k4, K). */
function finish(acc: v128, a: usize, b: usize, k4: i32, K: i32): f32 {
  let s = hsum(acc);
  for (let k = k4; k < K; k++) s += load<f32>(a + ((<usize>k) << 2)) * load<f32>(b + ((<usize>k) << 2));
  return s;
}

/**
 * C[m, n] for m < M, n in [n0, n1) with op(B) = B^T (B stored N x K, the `x @ W^T` layout): dot
 * products along K, four columns at a time so each A vector load feeds four multiply-adds. Every
 * element has its own accumulator and order, so the column split does not change any bit.
 */
function gemvT(
  M: i32,
  n0: i32,
  n1: i32,
  K: i32,
  alpha: f32,
  beta: f32,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  C: usize,
  ldc: i32,
): void {
  const k4 = K & ~3;
  let n = n0;
  for (; n + 4 <= n1; n += 4) {
    const b0 = B + ((<usize>n * <usize>ldb) << 2);
    const b1 = b0 + ((<usize>ldb) << 2);
    const b2 = b1 + ((<usize>ldb) << 2);
    const b3 = b2 + ((<usize>ldb) << 2);
    for (let m = 0; m < M; m++) {
      const a = A + ((<usize>m * <usize>lda) << 2);
      let s0 = f32x4.splat(0),
        s1 = f32x4.splat(0),
        s2 = f32x4.splat(0),
        s3 = f32x4.splat(0);
      for (let k = 0; k < k4; k += 4) {
        const o = (<usize>k) << 2;
        const av = v128.load(a + o);
        s0 = madd(av, v128.load(b0 + o), s0);
        s1 = madd(av, v128.load(b1 + o), s1);
        s2 = madd(av, v128.load(b2 + o), s2);
        s3 = madd(av, v128.load(b3 + o), s3);
      }
      const c = C + ((<usize>m * <usize>ldc + <usize>n) << 2);
      put(c, finish(s0, a, b0, k4, K), alpha, beta);
      put(c + 4, finish(s1, a, b1, k4, K), alpha, beta);
      put(c + 8, finish(s2, a, b2, k4, K), alpha, beta);
      put(c + 12, finish(s3, a, b3, k4, K), alpha, beta);
    }
  }
  for (; n < n1; n++) {
    const b0 = B + ((<usize>n * <usize>ldb) << 2);
    for (let m = 0; m < M; m++) {
      const a = A + ((<usize>m * <usize>lda) << 2);
      let s0 = f32x4.splat(0);
      for (let k = 0; k < k4; k += 4) {
        const o = (<usize>k) << 2;
        s0 = madd(v128.load(a + o), v128.load(b0 + o), s0);
      }
      put(C + ((<usize>m * <usize>ldc + <usize>n) << 2), finish(s0, a, b0, k4, K), alpha, beta);
    }
  }
}

/** Stores four C lanes: alpha * acc (+ beta * C). */
function put4(p: usize, acc: v128, alpha: f32, beta: f32): void {
  let v = f32x4.mul(acc, f32x4.splat(alpha));
  if (beta != 0) v = f32x4.add(v, f32x4.mul(v128.load(p), f32x4.splat(beta)));
  v128.store(p, v);
}

/**
 * C[m, n] for m < M, n in [n0, n1) with op(B) = B (stored K x N): rows of B streamed along N,
 * 16 columns at a time (4 accumulators), k in order. n0 is a multiple of 16 (or n1 == N), so a
 * column takes the vector or the scalar path whatever the split.
 */
function gemvN(
  M: i32,
  n0: i32,
  n1: i32,
  K: i32,
  alpha: f32,
  beta: f32,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  C: usize,
  ldc: i32,
): void {
  const ld4 = (<usize>ldb) << 2;
  for (let m = 0; m < M; m++) {
    const a = A + ((<usize>m * <usize>lda) << 2);
    const crow = C + ((<usize>m * <usize>ldc) << 2);
    let n = n0;
    for (; n + 16 <= n1; n += 16) {
      let s0 = f32x4.splat(0),
        s1 = f32x4.splat(0),
        s2 = f32x4.splat(0),
        s3 = f32x4.splat(0);
      let b = B + ((<usize>n) << 2);
      for (let k = 0; k < K; k++) {
        const av = v128.load32_splat(a + ((<usize>k) << 2));
        s0 = madd(av, v128.load(b), s0);
        s1 = madd(av, v128.load(b, 16), s1);
        s2 = madd(av, v128.load(b, 32), s2);
        s3 = madd(av, v128.load(b, 48), s3);
        b += ld4;
      }
      const c = crow + ((<usize>n) << 2);
      put4(c, s0, alpha, beta);
      put4(c + 16, s1, alpha, beta);
      put4(c + 32, s2, alpha, beta);
      put4(c + 48, s3, alpha, beta);
    }
    for (; n + 4 <= n1; n += 4) {
      let s0 = f32x4.splat(0);
      let b = B + ((<usize>n) << 2);
      for (let k = 0; k < K; k++) {
        s0 = madd(v128.load32_splat(a + ((<usize>k) << 2)), v128.load(b), s0);
        b += ld4;
      }
      put4(crow + ((<usize>n) << 2), s0, alpha, beta);
    }
    for (; n < n1; n++) {
      // scalar columns: the same multiply-then-add per k as the unfused vector path
      let s: f32 = 0;
      let b = B + ((<usize>n) << 2);
      for (let k = 0; k < K; k++) {
        s += load<f32>(a + ((<usize>k) << 2)) * load<f32>(b);
        b += ld4;
      }
      put(crow + ((<usize>n) << 2), s, alpha, beta);
    }
  }
}

/** Few-row product on columns [n0, n1) of one matrix (flags bit 1: B transposed). */
export function gemvBlock(
  flags: i32,
  M: i32,
  n0: i32,
  n1: i32,
  K: i32,
  alpha: f32,
  beta: f32,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  C: usize,
  ldc: i32,
): void {
  if ((flags & 2) != 0) gemvT(M, n0, n1, K, alpha, beta, A, lda, B, ldb, C, ldc);
  else gemvN(M, n0, n1, K, alpha, beta, A, lda, B, ldb, C, ldc);
}

/**
 * Batched C_i = beta*C_i + alpha*op(A_i) op(B_i) for i < batch (element strides sA, sB, sC).
 * flags: bit 0 = A transposed (A stored K x M), bit 1 = B transposed (B stored N x K).
 */
export function gemm(
  tid: i32,
  nt: i32,
  flags: i32,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  beta: f32,
  A: usize,
  lda: i32,
  sA: i32,
  B: usize,
  ldb: i32,
  sB: i32,
  C: usize,
  ldc: i32,
  sC: i32,
  batch: i32,
): void {
  const scratch = scratchBase;
  if (M <= GEMV_ROWS && K > 0 && (flags & 1) == 0) {
    // few rows: whole matrices per thread when there are enough, else a column share of each
    const byBatch = batch >= nt;
    const b0 = byBatch ? part(batch, tid, nt) : 0;
    const b1 = byBatch ? part(batch, tid + 1, nt) : batch;
    const n0 = byBatch ? 0 : partAligned(N, 16, tid, nt);
    const n1 = byBatch ? N : partAligned(N, 16, tid + 1, nt);
    for (let b = b0; b < b1; b++)
      gemvBlock(flags, M, n0, n1, K, alpha, beta, A + ((<usize>b * <usize>sA) << 2), lda,
        B + ((<usize>b * <usize>sB) << 2), ldb, C + ((<usize>b * <usize>sC) << 2), ldc); // prettier-ignore
    return;
  }
  if (batch >= nt || nt == 1) {
    const b0 = part(batch, tid, nt);
    const b1 = part(batch, tid + 1, nt);
    for (let b = b0; b < b1; b++) {
      gemmBlock(
        flags,
        0,
        M,
        0,
        N,
        K,
        alpha,
        beta,
        A + ((<usize>b * <usize>sA) << 2),
        lda,
        B + ((<usize>b * <usize>sB) << 2),
        ldb,
        C + ((<usize>b * <usize>sC) << 2),
        ldc,
        scratch,
      );
    }
    return;
  }
  // few matrices: split each one by rows (or by columns when it is wide and short)
  for (let b = 0; b < batch; b++) {
    const a = A + ((<usize>b * <usize>sA) << 2);
    const bb = B + ((<usize>b * <usize>sB) << 2);
    const c = C + ((<usize>b * <usize>sC) << 2);
    if (M >= N || M >= nt * 64) {
      const m0 = partAligned(M, MR, tid, nt);
      const m1 = partAligned(M, MR, tid + 1, nt);
      gemmBlock(flags, m0, m1, 0, N, K, alpha, beta, a, lda, bb, ldb, c, ldc, scratch);
    } else {
      const n0 = partAligned(N, NR, tid, nt);
      const n1 = partAligned(N, NR, tid + 1, nt);
      gemmBlock(flags, 0, M, n0, n1, K, alpha, beta, a, lda, bb, ldb, c, ldc, scratch);
    }
  }
}
