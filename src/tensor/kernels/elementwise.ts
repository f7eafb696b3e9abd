// Elementwise kernels: unary activations (forward and backward), broadcast binary ops, scaling,
// fills, strided copies and chunked reductions. All split flat ranges by thread.
import { part, hsum, vexp } from "./common";

// unary op codes (shared with src/tensor/ops): 0 relu, 1 gelu (tanh approx.), 2 silu, 3 exp, 4 square
// Everything is computed four lanes at a time; the final partial vector goes through the same
// vector code (loadN / storeN), so results do not depend on where a thread's range ends.

const GELU_C: f32 = 0.7978845608028654;
const GELU_A: f32 = 0.044715;

/** tanh(u) = 1 - 2 / (exp(2u) + 1) (vexp clamps, so large |u| gives +-1). */
function vtanh(u: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(vexp(f32x4.add(u, u)), one)));
}

function vsigm(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), vexp(f32x4.neg(x))));
}

function fwd4(op: i32, v: v128): v128 {
  if (op == 0) return f32x4.max(v, f32x4.splat(0));
  if (op == 1) {
    const u = f32x4.mul(
      f32x4.splat(GELU_C),
      f32x4.add(v, f32x4.mul(f32x4.splat(GELU_A), f32x4.mul(v, f32x4.mul(v, v)))),
    );
    return f32x4.mul(f32x4.mul(f32x4.splat(0.5), v), f32x4.add(f32x4.splat(1), vtanh(u)));
  }
  if (op == 2) return f32x4.mul(v, vsigm(v));
  if (op == 3) return vexp(v);
  return f32x4.mul(v, v);
}

/** f'(v). */
function deriv4(op: i32, v: v128): v128 {
  const one = f32x4.splat(1);
  if (op == 0) return v128.and(one, f32x4.gt(v, f32x4.splat(0)));
  if (op == 1) {
    const v2 = f32x4.mul(v, v);
    const u = f32x4.mul(f32x4.splat(GELU_C), f32x4.add(v, f32x4.mul(f32x4.splat(GELU_A), f32x4.mul(v, v2))));
    const t = vtanh(u);
    const du = f32x4.mul(f32x4.splat(GELU_C), f32x4.add(one, f32x4.mul(f32x4.splat(3 * GELU_A), v2)));
    const half = f32x4.splat(0.5);
    return f32x4.add(
      f32x4.mul(half, f32x4.add(one, t)),
      f32x4.mul(f32x4.mul(f32x4.mul(half, v), f32x4.sub(one, f32x4.mul(t, t))), du),
    );
  }
  if (op == 2) {
    const s = vsigm(v);
    return f32x4.mul(s, f32x4.add(one, f32x4.mul(v, f32x4.sub(one, s))));
  }
  if (op == 3) return vexp(v);
  return f32x4.add(v, v);
}

/** Loads min(n, 4) floats (missing lanes 0). */
function loadN(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores min(n, 4) lanes. */
function storeN(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** y[i] = f(x[i]) for i in [0, n). */
export function unary(tid: i32, nt: i32, op: i32, x: usize, y: usize, n: i32): void {
  const i0 = part(n, tid, nt) & ~3;
  const i1 = tid == nt - 1 ? n : part(n, tid + 1, nt) & ~3;
  for (let i = i0; i < i1; i += 4) {
    const o = (<usize>i) << 2;
    const k = i1 - i;
    storeN(y + o, fwd4(op, loadN(x + o, k)), k);
  }
}

/** dx[i] = beta*dx[i] + dy[i] * f'(x[i]) (for relu, x may be the output y: same sign). */
export function unaryBwd(
  tid: i32,
  nt: i32,
  op: i32,
  x: usize,
  dy: usize,
  dx: usize,
  n: i32,
  beta: f32,
): void {
  const i0 = part(n, tid, nt) & ~3;
  const i1 = tid == nt - 1 ? n : part(n, tid + 1, nt) & ~3;
  const vb = f32x4.splat(beta);
  for (let i = i0; i < i1; i += 4) {
    const o = (<usize>i) << 2;
    const k = i1 - i;
    let g = f32x4.mul(loadN(dy + o, k), deriv4(op, loadN(x + o, k)));
    if (beta != 0) g = f32x4.add(g, f32x4.mul(loadN(dx + o, k), vb));
    storeN(dx + o, g, k);
  }
}

/** SwiGLU: y = silu(g) * u. */
export function swiglu(tid: i32, nt: i32, g: usize, u: usize, y: usize, n: i32): void {
  const i0 = part(n, tid, nt) & ~3;
  const i1 = tid == nt - 1 ? n : part(n, tid + 1, nt) & ~3;
  for (let i = i0; i < i1; i += 4) {
    const o = (<usize>i) << 2;
    const k = i1 - i;
    storeN(y + o, f32x4.mul(fwd4(2, loadN(g + o, k)), loadN(u + o, k)), k);
  }
}

/** SwiGLU backward: dg = beta*dg + dy*u*silu'(g), du = beta*du + dy*silu(g). */
export function swigluBwd(
  tid: i32,
  nt: i32,
  g: usize,
  u: usize,
  dy: usize,
  dg: usize,
  du: usize,
  n: i32,
  betaG: f32,
  betaU: f32,
): void {
  const i0 = part(n, tid, nt) & ~3;
  const i1 = tid == nt - 1 ? n : part(n, tid + 1, nt) & ~3;
  const vbg = f32x4.splat(betaG);
  const vbu = f32x4.splat(betaU);
  for (let i = i0; i < i1; i += 4) {
    const o = (<usize>i) << 2;
    const k = i1 - i;
    const v = loadN(g + o, k);
    const d = loadN(dy + o, k);
    if (dg) {
      let a = f32x4.mul(f32x4.mul(d, loadN(u + o, k)), deriv4(2, v));
      if (betaG != 0) a = f32x4.add(a, f32x4.mul(loadN(dg + o, k), vbg));
      storeN(dg + o, a, k);
    }
    if (du) {
      let b = f32x4.mul(d, fwd4(2, v));
      if (betaU != 0) b = f32x4.add(b, f32x4.mul(loadN(du + o, k), vbu));
      storeN(du + o, b, k);
    }
  }
}

// binary op codes: 0 add, 1 mul, 2 sub
/**
 * y[i] = beta*y[i] + (a[i] op b[i % nb]) for i in [0, n); nb divides n (nb == n: same shape,
 * nb == 1: scalar, otherwise b broadcast over the leading dimensions of a).
 */
export function binary(
  tid: i32,
  nt: i32,
  op: i32,
  a: usize,
  b: usize,
  y: usize,
  n: i32,
  nb: i32,
  beta: f32,
): void {
  const rows = n / nb;
  // split rows when there are several, else the flat range
  let r0 = 0,
    r1 = rows,
    c0 = 0,
    c1 = nb;
  if (rows >= nt) {
    r0 = part(rows, tid, nt);
    r1 = part(rows, tid + 1, nt);
  } else if (tid > 0) {
    return;
  }
  const useBeta = beta != 0;
  const vb = f32x4.splat(beta);
  for (let r = r0; r < r1; r++) {
    const ap = a + ((<usize>r * <usize>nb) << 2);
    const yp = y + ((<usize>r * <usize>nb) << 2);
    let c = c0;
    for (; c + 4 <= c1; c += 4) {
      const o = (<usize>c) << 2;
      const x1 = v128.load(ap + o);
      const x2 = nb == 1 ? v128.load32_splat(b) : v128.load(b + o);
      let v = op == 0 ? f32x4.add(x1, x2) : op == 1 ? f32x4.mul(x1, x2) : f32x4.sub(x1, x2);
      if (useBeta) v = f32x4.add(v, f32x4.mul(v128.load(yp + o), vb));
      v128.store(yp + o, v);
    }
    for (; c < c1; c++) {
      const o = (<usize>c) << 2;
      const x1 = load<f32>(ap + o);
      const x2 = load<f32>(b + (nb == 1 ? 0 : o));
      let v = op == 0 ? x1 + x2 : op == 1 ? x1 * x2 : x1 - x2;
      if (useBeta) v += load<f32>(yp + o) * beta;
      store<f32>(yp + o, v);
    }
  }
}

/** y = alpha*x + beta*y (beta == 0 overwrites y, even NaN). */
export function axpby(tid: i32, nt: i32, x: usize, y: usize, n: i32, alpha: f32, beta: f32): void {
  const i0 = part(n, tid, nt) & ~3;
  const i1 = tid == nt - 1 ? n : part(n, tid + 1, nt) & ~3;
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  let i = i0;
  if (beta == 0) {
    for (; i + 4 <= i1; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(y + o, f32x4.mul(v128.load(x + o), va));
    }
    for (; i < i1; i++) store<f32>(y + ((<usize>i) << 2), load<f32>(x + ((<usize>i) << 2)) * alpha);
  } else {
    for (; i + 4 <= i1; i += 4) {
      const o = (<usize>i) << 2;
      v128.store(y + o, f32x4.add(f32x4.mul(v128.load(x + o), va), f32x4.mul(v128.load(y + o), vb)));
    }
    for (; i < i1; i++) {
      const o = (<usize>i) << 2;
      store<f32>(y + o, load<f32>(x + o) * alpha + load<f32>(y + o) * beta);
    }
  }
}

export function fill(tid: i32, nt: i32, y: usize, n: i32, value: f32): void {
  const i0 = part(n, tid, nt);
  const i1 = part(n, tid + 1, nt);
  const v = f32x4.splat(value);
  let i = i0;
  for (; i + 4 <= i1; i += 4) v128.store(y + ((<usize>i) << 2), v);
  for (; i < i1; i++) store<f32>(y + ((<usize>i) << 2), value);
}

/**
 * Strided 4-d copy: dst[i0,i1,i2,i3] (contiguous, or beta-accumulated) from
 * src[i0*s0 + i1*s1 + i2*s2 + i3*s3]; dst strides d0..d3. Split over (i0, i1).
 */
export function copy4d(
  tid: i32,
  nt: i32,
  src: usize,
  dst: usize,
  n0: i32,
  n1: i32,
  n2: i32,
  n3: i32,
  s0: i32,
  s1: i32,
  s2: i32,
  s3: i32,
  d0: i32,
  d1: i32,
  d2: i32,
  d3: i32,
  beta: f32,
): void {
  const outer = n0 * n1;
  const o0 = part(outer, tid, nt);
  const o1 = part(outer, tid + 1, nt);
  for (let o = o0; o < o1; o++) {
    const a = o / n1;
    const b = o % n1;
    for (let c = 0; c < n2; c++) {
      const sp = src + ((<usize>a * <usize>s0 + <usize>b * <usize>s1 + <usize>c * <usize>s2) << 2);
      const dp = dst + ((<usize>a * <usize>d0 + <usize>b * <usize>d1 + <usize>c * <usize>d2) << 2);
      if (s3 == 1 && d3 == 1) {
        let i = 0;
        if (beta == 0) {
          for (; i + 4 <= n3; i += 4) v128.store(dp + ((<usize>i) << 2), v128.load(sp + ((<usize>i) << 2)));
          for (; i < n3; i++) store<f32>(dp + ((<usize>i) << 2), load<f32>(sp + ((<usize>i) << 2)));
        } else {
          for (; i < n3; i++) {
            const q = dp + ((<usize>i) << 2);
            store<f32>(q, load<f32>(sp + ((<usize>i) << 2)) + load<f32>(q) * beta);
          }
        }
      } else {
        for (let i = 0; i < n3; i++) {
          const q = dp + ((<usize>i * <usize>d3) << 2);
          let v = load<f32>(sp + ((<usize>i * <usize>s3) << 2));
          if (beta != 0) v += load<f32>(q) * beta;
          store<f32>(q, v);
        }
      }
    }
  }
}

/** Reduction chunk: partial sums are per fixed chunk, so totals do not depend on threads. */
export const CHUNK: i32 = 4096;

/** out[c] = sum (mode 0) or sum of squares (mode 1) of x over chunk c of CHUNK elements. */
export function chunkSums(tid: i32, nt: i32, mode: i32, x: usize, n: i32, out: usize): void {
  const chunks = (n + CHUNK - 1) / CHUNK;
  const c0 = part(chunks, tid, nt);
  const c1 = part(chunks, tid + 1, nt);
  for (let c = c0; c < c1; c++) {
    const i0 = c * CHUNK;
    const i1 = min<i32>(n, i0 + CHUNK);
    let acc0 = f32x4.splat(0),
      acc1 = f32x4.splat(0);
    let i = i0;
    for (; i + 8 <= i1; i += 8) {
      const v0 = v128.load(x + ((<usize>i) << 2));
      const v1 = v128.load(x + ((<usize>i) << 2), 16);
      if (mode == 0) {
        acc0 = f32x4.add(acc0, v0);
        acc1 = f32x4.add(acc1, v1);
      } else {
        acc0 = f32x4.add(acc0, f32x4.mul(v0, v0));
        acc1 = f32x4.add(acc1, f32x4.mul(v1, v1));
      }
    }
    let s = hsum(f32x4.add(acc0, acc1));
    for (; i < i1; i++) {
      const v = load<f32>(x + ((<usize>i) << 2));
      s += mode == 0 ? v : v * v;
    }
    store<f32>(out + ((<usize>c) << 2), s);
  }
}

/**
 * Column sums: y[c] = beta*y[c] + sum_r x[r, c] (x: rows x cols), optionally of x*w (w: same
 * shape, when non-zero). Split by column bands; each band is accumulated row by row (in row
 * order, whatever the threads) so memory is read in order.
 */
export function colSum(
  tid: i32,
  nt: i32,
  x: usize,
  w: usize,
  rows: i32,
  cols: i32,
  y: usize,
  beta: f32,
): void {
  const c0 = part(cols >> 2, tid, nt) << 2;
  const c1 = tid == nt - 1 ? cols : part(cols >> 2, tid + 1, nt) << 2;
  if (c1 <= c0) return;
  const yp = y + ((<usize>c0) << 2);
  const n = c1 - c0;
  // start from beta*y (or 0), then add rows in order
  for (let c = 0; c < n; c++) {
    const o = yp + ((<usize>c) << 2);
    store<f32>(o, beta != 0 ? load<f32>(o) * beta : 0);
  }
  for (let r = 0; r < rows; r++) {
    const off = (<usize>r * <usize>cols + <usize>c0) << 2;
    const xp = x + off;
    const wp = w + off;
    let c = 0;
    for (; c + 4 <= n; c += 4) {
      const o = (<usize>c) << 2;
      const v = v128.load(xp + o);
      v128.store(yp + o, f32x4.add(v128.load(yp + o), w ? f32x4.mul(v, v128.load(wp + o)) : v));
    }
    for (; c < n; c++) {
      const o = (<usize>c) << 2;
      store<f32>(yp + o, load<f32>(yp + o) + (w ? load<f32>(xp + o) * load<f32>(wp + o) : load<f32>(xp + o)));
    }
  }
}
