// Fused multi-head attention (causal and/or key-padding masks, grouped KV heads), forward and
// backward. Work units are (batch, kv head) pairs so each thread owns whole K/V gradient blocks.
// Q/K/V/O are addressed with row strides, so they may be column slices of a fused QKV matrix.
// Rows are processed in blocks of RB: with a causal mask only the visible key range is computed.
import { part, scratchBase } from "./common";
import { GEMV_ROWS, gemmBlock, gemmScratchBytes, gemvBlock } from "./gemm";
import { softmaxRow, softmaxRowBwd } from "./norm";

const RB: i32 = 32;

/** Number of keys visible to query row i (causal: keys <= i + Tk - Tq; padding: keys < klen). */
function visible(i: i32, Tq: i32, Tk: i32, causal: i32, klen: i32): i32 {
  let n = causal ? min<i32>(Tk, i + Tk - Tq + 1) : Tk;
  return max<i32>(0, min<i32>(n, klen));
}

function keyLen(klens: usize, b: i32, Tk: i32): i32 {
  return klens ? load<i32>(klens + ((<usize>b) << 2)) : Tk;
}

function at(base: usize, row: i32, ld: i32, col: i32): usize {
  return base + ((<usize>row * <usize>ld + <usize>col) << 2);
}

/**
 * O = softmax(scale * Q K^T + mask) V per (batch, head); saves the probabilities P
 * ([B, H, Tq, Tk]) for the backward pass. q: [B, Tq, *] rows of ldq floats, head h at column
 * h*hd; k, v: [B, Tk, *], kv head g at column g*hd; o: [B, Tq, *] rows of ldo.
 */
export function attnFwd(
  tid: i32,
  nt: i32,
  q: usize,
  ldq: i32,
  k: usize,
  ldk: i32,
  v: usize,
  ldv: i32,
  o: usize,
  ldo: i32,
  p: usize,
  B: i32,
  Tq: i32,
  Tk: i32,
  H: i32,
  KVH: i32,
  hd: i32,
  scale: f32,
  causal: i32,
  klens: usize,
): void {
  const units = B * KVH;
  const u0 = part(units, tid, nt);
  const u1 = part(units, tid + 1, nt);
  const rep = H / KVH;
  for (let u = u0; u < u1; u++) {
    const b = u / KVH;
    const g = u % KVH;
    const klen = keyLen(klens, b, Tk);
    const kb = at(k, b * Tk, ldk, g * hd);
    const vb = at(v, b * Tk, ldv, g * hd);
    for (let h = g * rep; h < (g + 1) * rep; h++) {
      const qb = at(q, b * Tq, ldq, h * hd);
      const ob = at(o, b * Tq, ldo, h * hd);
      const pb = p + ((<usize>(b * H + h) * <usize>Tq * <usize>Tk) << 2);
      for (let r0 = 0; r0 < Tq; r0 += RB) {
        const r1 = min<i32>(Tq, r0 + RB);
        const nmax = visible(r1 - 1, Tq, Tk, causal, klen);
        const few = r1 - r0 <= GEMV_ROWS; // decode steps: no packing for a handful of queries
        if (few)
          gemvBlock(
            2,
            r1 - r0,
            0,
            nmax,
            hd,
            scale,
            0,
            at(qb, r0, ldq, 0),
            ldq,
            kb,
            ldk,
            at(pb, r0, Tk, 0),
            Tk,
          );
        else gemmBlock(2, r0, r1, 0, nmax, hd, scale, 0, qb, ldq, kb, ldk, pb, Tk, scratchBase);
        for (let i = r0; i < r1; i++) softmaxRow(at(pb, i, Tk, 0), Tk, visible(i, Tq, Tk, causal, klen), 1);
        if (few)
          gemvBlock(0, r1 - r0, 0, hd, nmax, 1, 0, at(pb, r0, Tk, 0), Tk, vb, ldv, at(ob, r0, ldo, 0), ldo);
        else gemmBlock(0, r0, r1, 0, hd, nmax, 1, 0, pb, Tk, vb, ldv, ob, ldo, scratchBase);
      }
    }
  }
}

/** Bytes of per-thread scratch attnBwd needs. */
export function attnScratchBytes(Tq: i32, Tk: i32): i32 {
  return gemmScratchBytes() + Tq * Tk * 4 + 64;
}

/**
 * Gradients of attnFwd: dq (beta bq), dk and dv (betas bk, bv: 0 overwrites, 1 accumulates),
 * from dO and the saved P. A null gradient pointer skips that input.
 */
export function attnBwd(
  tid: i32,
  nt: i32,
  q: usize,
  ldq: i32,
  k: usize,
  ldk: i32,
  v: usize,
  ldv: i32,
  dO: usize,
  lddo: i32,
  p: usize,
  B: i32,
  Tq: i32,
  Tk: i32,
  H: i32,
  KVH: i32,
  hd: i32,
  scale: f32,
  causal: i32,
  klens: usize,
  dq: usize,
  lddq: i32,
  dk: usize,
  lddk: i32,
  dv: usize,
  lddv: i32,
  bq: f32,
  bk: f32,
  bv: f32,
): void {
  const units = B * KVH;
  const u0 = part(units, tid, nt);
  const u1 = part(units, tid + 1, nt);
  const rep = H / KVH;
  const ds = scratchBase + <usize>gemmScratchBytes();
  const off = Tk - Tq;
  for (let u = u0; u < u1; u++) {
    const b = u / KVH;
    const g = u % KVH;
    const klen = keyLen(klens, b, Tk);
    const kb = at(k, b * Tk, ldk, g * hd);
    const vb = at(v, b * Tk, ldv, g * hd);
    for (let h = g * rep; h < (g + 1) * rep; h++) {
      const first = h == g * rep;
      const qb = at(q, b * Tq, ldq, h * hd);
      const ob = at(dO, b * Tq, lddo, h * hd);
      const pb = p + ((<usize>(b * H + h) * <usize>Tq * <usize>Tk) << 2);
      // dS = softmax backward of dP = dO V^T (scaled), row block by row block
      for (let r0 = 0; r0 < Tq; r0 += RB) {
        const r1 = min<i32>(Tq, r0 + RB);
        const nmax = visible(r1 - 1, Tq, Tk, causal, klen);
        gemmBlock(2, r0, r1, 0, nmax, hd, 1, 0, ob, lddo, vb, ldv, ds, Tk, scratchBase);
        for (let i = r0; i < r1; i++)
          softmaxRowBwd(at(pb, i, Tk, 0), at(ds, i, Tk, 0), Tk, visible(i, Tq, Tk, causal, klen), scale);
        if (dq)
          gemmBlock(
            0,
            r0,
            r1,
            0,
            hd,
            nmax,
            1,
            bq,
            ds,
            Tk,
            kb,
            ldk,
            at(dq, b * Tq, lddq, h * hd),
            lddq,
            scratchBase,
          );
      }
      // dV += P^T dO and dK += dS^T Q, key row block by block (causal: only queries that see it)
      for (let j0 = 0; j0 < Tk; j0 += RB) {
        const j1 = min<i32>(Tk, j0 + RB);
        const i0 = causal ? max<i32>(0, j0 - off) : 0;
        const n = Tq - i0;
        if (dv) {
          const dvb = at(dv, b * Tk, lddv, g * hd);
          gemmBlock(
            1,
            j0,
            j1,
            0,
            hd,
            n,
            1,
            first ? bv : 1,
            at(pb, i0, Tk, 0),
            Tk,
            at(ob, i0, lddo, 0),
            lddo,
            dvb,
            lddv,
            scratchBase,
          );
        }
        if (dk) {
          const dkb = at(dk, b * Tk, lddk, g * hd);
          gemmBlock(
            1,
            j0,
            j1,
            0,
            hd,
            n,
            1,
            first ? bk : 1,
            at(ds, i0, Tk, 0),
            Tk,
            at(qb, i0, ldq, 0),
            ldq,
            dkb,
            lddk,
            scratchBase,
          );
        }
      }
    }
  }
}
