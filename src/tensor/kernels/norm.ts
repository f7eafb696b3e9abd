// Row-wise kernels: layer norm, RMS norm and softmax, forward and backward. Split by rows; the
// weight/bias gradients (sums over rows) are split by columns (see colSum / normBwdW).
import { part, hsum, hmax, vexp, sexp } from "./common";

function rowSum(p: usize, n: i32): f32 {
  let a0 = f32x4.splat(0),
    a1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 = f32x4.add(a0, v128.load(p + ((<usize>i) << 2)));
    a1 = f32x4.add(a1, v128.load(p + ((<usize>i) << 2), 16));
  }
  let s = hsum(f32x4.add(a0, a1));
  for (; i < n; i++) s += load<f32>(p + ((<usize>i) << 2));
  return s;
}

/** sum (p[i] - c)^2 */
function rowSqDev(p: usize, n: i32, c: f32): f32 {
  const vc = f32x4.splat(c);
  let a0 = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const d = f32x4.sub(v128.load(p + ((<usize>i) << 2)), vc);
    a0 = f32x4.add(a0, f32x4.mul(d, d));
  }
  let s = hsum(a0);
  for (; i < n; i++) {
    const d = load<f32>(p + ((<usize>i) << 2)) - c;
    s += d * d;
  }
  return s;
}

/**
 * y = (x - mean) * rstd * w + b per row of n (w, b may be 0 = absent). rms != 0: RMS norm
 * (no mean subtraction). Saves mean and rstd per row (when the pointers are non-zero).
 */
export function normFwd(
  tid: i32,
  nt: i32,
  rms: i32,
  x: usize,
  w: usize,
  b: usize,
  y: usize,
  rows: i32,
  n: i32,
  eps: f32,
  meanOut: usize,
  rstdOut: usize,
): void {
  const r0 = part(rows, tid, nt);
  const r1 = part(rows, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const xp = x + ((<usize>r * <usize>n) << 2);
    const yp = y + ((<usize>r * <usize>n) << 2);
    const mean: f32 = rms ? 0 : rowSum(xp, n) / <f32>n;
    const rstd: f32 = 1 / Mathf.sqrt(rowSqDev(xp, n, mean) / <f32>n + eps);
    if (meanOut) store<f32>(meanOut + ((<usize>r) << 2), mean);
    if (rstdOut) store<f32>(rstdOut + ((<usize>r) << 2), rstd);
    const vm = f32x4.splat(mean);
    const vr = f32x4.splat(rstd);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = (<usize>i) << 2;
      let v = f32x4.mul(f32x4.sub(v128.load(xp + o), vm), vr);
      if (w) v = f32x4.mul(v, v128.load(w + o));
      if (b) v = f32x4.add(v, v128.load(b + o));
      v128.store(yp + o, v);
    }
    for (; i < n; i++) {
      const o = (<usize>i) << 2;
      let v = (load<f32>(xp + o) - mean) * rstd;
      if (w) v *= load<f32>(w + o);
      if (b) v += load<f32>(b + o);
      store<f32>(yp + o, v);
    }
  }
}

/**
 * dx = beta*dx + rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * w (layer norm);
 * RMS norm: dx = rstd * (g - xhat * mean(g * xhat)).
 */
export function normBwdX(
  tid: i32,
  nt: i32,
  rms: i32,
  x: usize,
  w: usize,
  dy: usize,
  dx: usize,
  rows: i32,
  n: i32,
  meanIn: usize,
  rstdIn: usize,
  beta: f32,
): void {
  const r0 = part(rows, tid, nt);
  const r1 = part(rows, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const xp = x + ((<usize>r * <usize>n) << 2);
    const gp = dy + ((<usize>r * <usize>n) << 2);
    const dp = dx + ((<usize>r * <usize>n) << 2);
    const mean = load<f32>(meanIn + ((<usize>r) << 2));
    const rstd = load<f32>(rstdIn + ((<usize>r) << 2));
    let sg: f32 = 0,
      sgx: f32 = 0;
    for (let i = 0; i < n; i++) {
      const o = (<usize>i) << 2;
      const g = w ? load<f32>(gp + o) * load<f32>(w + o) : load<f32>(gp + o);
      const xh = (load<f32>(xp + o) - mean) * rstd;
      sg += g;
      sgx += g * xh;
    }
    const mg: f32 = rms ? 0 : sg / <f32>n;
    const mgx = sgx / <f32>n;
    for (let i = 0; i < n; i++) {
      const o = (<usize>i) << 2;
      const g = w ? load<f32>(gp + o) * load<f32>(w + o) : load<f32>(gp + o);
      const xh = (load<f32>(xp + o) - mean) * rstd;
      let v = rstd * (g - mg - xh * mgx);
      if (beta != 0) v += load<f32>(dp + o) * beta;
      store<f32>(dp + o, v);
    }
  }
}

/**
 * dw[c] = betaW*dw[c] + sum_r dy[r,c]*xhat[r,c]; db[c] = betaB*db[c] + sum_r dy[r,c]. Split by
 * column bands, rows added in order (deterministic), reading memory row by row.
 */
export function normBwdW(
  tid: i32,
  nt: i32,
  x: usize,
  dy: usize,
  rows: i32,
  n: i32,
  meanIn: usize,
  rstdIn: usize,
  dw: usize,
  db: usize,
  betaW: f32,
  betaB: f32,
): void {
  const c0 = part(n >> 2, tid, nt) << 2;
  const c1 = tid == nt - 1 ? n : part(n >> 2, tid + 1, nt) << 2;
  if (c1 <= c0) return;
  const m = c1 - c0;
  const wp = dw + ((<usize>c0) << 2);
  const bp = db + ((<usize>c0) << 2);
  for (let c = 0; c < m; c++) {
    const o = (<usize>c) << 2;
    if (dw) store<f32>(wp + o, betaW != 0 ? load<f32>(wp + o) * betaW : 0);
    if (db) store<f32>(bp + o, betaB != 0 ? load<f32>(bp + o) * betaB : 0);
  }
  for (let r = 0; r < rows; r++) {
    const off = (<usize>r * <usize>n + <usize>c0) << 2;
    const gp = dy + off;
    const xp = x + off;
    const mean = load<f32>(meanIn + ((<usize>r) << 2));
    const rstd = load<f32>(rstdIn + ((<usize>r) << 2));
    const vm = f32x4.splat(mean);
    const vr = f32x4.splat(rstd);
    let c = 0;
    for (; c + 4 <= m; c += 4) {
      const o = (<usize>c) << 2;
      const g = v128.load(gp + o);
      if (dw)
        v128.store(
          wp + o,
          f32x4.add(v128.load(wp + o), f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(xp + o), vm), vr))),
        );
      if (db) v128.store(bp + o, f32x4.add(v128.load(bp + o), g));
    }
    for (; c < m; c++) {
      const o = (<usize>c) << 2;
      const g = load<f32>(gp + o);
      if (dw) store<f32>(wp + o, load<f32>(wp + o) + g * ((load<f32>(xp + o) - mean) * rstd));
      if (db) store<f32>(bp + o, load<f32>(bp + o) + g);
    }
  }
}

/**
 * Softmax of one row of n in place, where only the first `valid` entries take part (the rest
 * become 0); returns nothing. scale multiplies the inputs first.
 */
export function softmaxRow(p: usize, n: i32, valid: i32, scale: f32): void {
  if (valid <= 0) {
    memory.fill(p, 0, (<usize>n) << 2);
    return;
  }
  const vs = f32x4.splat(scale);
  let vm = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= valid; i += 4) vm = f32x4.max(vm, v128.load(p + ((<usize>i) << 2)));
  let m = hmax(vm);
  for (; i < valid; i++) m = max<f32>(m, load<f32>(p + ((<usize>i) << 2)));
  m *= scale;
  const vmm = f32x4.splat(m);
  let acc = f32x4.splat(0);
  i = 0;
  for (; i + 4 <= valid; i += 4) {
    const o = p + ((<usize>i) << 2);
    const e = vexp(f32x4.sub(f32x4.mul(v128.load(o), vs), vmm));
    acc = f32x4.add(acc, e);
    v128.store(o, e);
  }
  let s = hsum(acc);
  for (; i < valid; i++) {
    const o = p + ((<usize>i) << 2);
    const e = sexp(load<f32>(o) * scale - m);
    s += e;
    store<f32>(o, e);
  }
  const inv = f32x4.splat(1 / s);
  const invs: f32 = 1 / s;
  i = 0;
  for (; i + 4 <= valid; i += 4) {
    const o = p + ((<usize>i) << 2);
    v128.store(o, f32x4.mul(v128.load(o), inv));
  }
  for (; i < valid; i++) store<f32>(p + ((<usize>i) << 2), load<f32>(p + ((<usize>i) << 2)) * invs);
  if (valid < n) memory.fill(p + ((<usize>valid) << 2), 0, (<usize>(n - valid)) << 2);
}

/** dS = scale * P * (dP - sum(dP * P)) for one row, in place in dP (first `valid` entries). */
export function softmaxRowBwd(pp: usize, dp: usize, n: i32, valid: i32, scale: f32): void {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= valid; i += 4) {
    const o = (<usize>i) << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(pp + o), v128.load(dp + o)));
  }
  let s = hsum(acc);
  for (; i < valid; i++) s += load<f32>(pp + ((<usize>i) << 2)) * load<f32>(dp + ((<usize>i) << 2));
  const vs = f32x4.splat(s);
  const vsc = f32x4.splat(scale);
  i = 0;
  for (; i + 4 <= valid; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dp + o, f32x4.mul(f32x4.mul(v128.load(pp + o), f32x4.sub(v128.load(dp + o), vs)), vsc));
  }
  for (; i < valid; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dp + o, load<f32>(pp + o) * (load<f32>(dp + o) - s) * scale);
  }
  if (valid < n) memory.fill(dp + ((<usize>valid) << 2), 0, (<usize>(n - valid)) << 2);
}

/** Softmax over the last axis (rows x n), y may equal x. */
export function softmax(tid: i32, nt: i32, x: usize, y: usize, rows: i32, n: i32): void {
  const r0 = part(rows, tid, nt);
  const r1 = part(rows, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const o = (<usize>r * <usize>n) << 2;
    if (x != y) memory.copy(y + o, x + o, (<usize>n) << 2);
    softmaxRow(y + o, n, n, 1);
  }
}

/** dx = beta*dx + y * (dy - sum(dy * y)). */
export function softmaxBwd(
  tid: i32,
  nt: i32,
  y: usize,
  dy: usize,
  dx: usize,
  rows: i32,
  n: i32,
  beta: f32,
): void {
  const r0 = part(rows, tid, nt);
  const r1 = part(rows, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const base = (<usize>r * <usize>n) << 2;
    let s: f32 = 0;
    for (let i = 0; i < n; i++)
      s += load<f32>(y + base + ((<usize>i) << 2)) * load<f32>(dy + base + ((<usize>i) << 2));
    for (let i = 0; i < n; i++) {
      const o = base + ((<usize>i) << 2);
      let v = load<f32>(y + o) * (load<f32>(dy + o) - s);
      if (beta != 0) v += load<f32>(dx + o) * beta;
      store<f32>(dx + o, v);
    }
  }
}
