// Cross-entropy, embedding, rotary position embedding and the AdamW update.
import { part, vexp, sexp, hsum, hmax } from "./common";

/**
 * Softmax cross-entropy per row of logits (rows x V) against int32 targets; rows whose target
 * is `ignore` get loss 0. Writes the loss and the log-sum-exp of every row.
 */
export function ceFwd(
  tid: i32,
  nt: i32,
  x: usize,
  t: usize,
  rows: i32,
  V: i32,
  ignore: i32,
  loss: usize,
  lse: usize,
): void {
  const r0 = part(rows, tid, nt);
  const r1 = part(rows, tid + 1, nt);
  for (let r = r0; r < r1; r++) {
    const target = load<i32>(t + ((<usize>r) << 2));
    const ro = (<usize>r) << 2;
    if (target == ignore) {
      store<f32>(loss + ro, 0);
      store<f32>(lse + ro, 0);
      continue;
    }
    const xp = x + ((<usize>r * <usize>V) << 2);
    let vm = f32x4.splat(-Infinity);
    let i = 0;
    for (; i + 4 <= V; i += 4) vm = f32x4.max(vm, v128.load(xp + ((<usize>i) << 2)));
    let m = hmax(vm);
    for (; i < V; i++) m = max<f32>(m, load<f32>(xp + ((<usize>i) << 2)));
    const mm = f32x4.splat(m);
    let acc = f32x4.splat(0);
    i = 0;
    for (; i + 4 <= V; i += 4) acc = f32x4.add(acc, vexp(f32x4.sub(v128.load(xp + ((<usize>i) << 2)), mm)));
    let s = hsum(acc);
    for (; i < V; i++) s += sexp(load<f32>(xp + ((<usize>i) << 2)) - m);
    const l = m + Mathf.log(s);
    store<f32>(lse + ro, l);
    store<f32>(loss + ro, l - load<f32>(xp + ((<usize>target) << 2)));
  }
}

/** dx = beta*dx + scale * (softmax(x) - onehot(t)) per row; ignored rows get 0 (plus beta*dx). */
export function ceBwd(
  tid: i32,
  nt: i32,
  x: usize,
  t: usize,
  rows: i32,
  V: i32,
  ignore: i32,
  lse: usize,
  scale: f32,
  dx: usize,
  beta: f32,
): void {
  const r0 = part(rows, tid, nt);
  const r1 = part(rows, tid + 1, nt);
  const vs = f32x4.splat(scale);
  const vb = f32x4.splat(beta);
  for (let r = r0; r < r1; r++) {
    const target = load<i32>(t + ((<usize>r) << 2));
    const xp = x + ((<usize>r * <usize>V) << 2);
    const dp = dx + ((<usize>r * <usize>V) << 2);
    const ign = target == ignore;
    const l = f32x4.splat(load<f32>(lse + ((<usize>r) << 2)));
    let i = 0;
    for (; i + 4 <= V; i += 4) {
      const o = (<usize>i) << 2;
      let g = ign ? f32x4.splat(0) : f32x4.mul(vexp(f32x4.sub(v128.load(xp + o), l)), vs);
      if (beta != 0) g = f32x4.add(g, f32x4.mul(v128.load(dp + o), vb));
      v128.store(dp + o, g);
    }
    const ls = load<f32>(lse + ((<usize>r) << 2));
    for (; i < V; i++) {
      const o = (<usize>i) << 2;
      let g: f32 = ign ? 0 : sexp(load<f32>(xp + o) - ls) * scale;
      if (beta != 0) g += load<f32>(dp + o) * beta;
      store<f32>(dp + o, g);
    }
    if (!ign) {
      const o = dp + ((<usize>target) << 2);
      store<f32>(o, load<f32>(o) - scale);
    }
  }
}

/** out[i, :] = table[ids[i], :] (ids already checked to be in range). */
export function embFwd(tid: i32, nt: i32, table: usize, ids: usize, n: i32, D: i32, out: usize): void {
  const i0 = part(n, tid, nt);
  const i1 = part(n, tid + 1, nt);
  const bytes = (<usize>D) << 2;
  for (let i = i0; i < i1; i++) {
    const id = load<i32>(ids + ((<usize>i) << 2));
    memory.copy(out + <usize>i * bytes, table + <usize>id * bytes, bytes);
  }
}

/** dtable[ids[i], :] += dy[i, :]; split by columns so no two threads touch the same entry. */
export function embBwd(tid: i32, nt: i32, ids: usize, n: i32, D: i32, dy: usize, dtable: usize): void {
  const c0 = part(D, tid, nt);
  const c1 = part(D, tid + 1, nt);
  for (let i = 0; i < n; i++) {
    const id = load<i32>(ids + ((<usize>i) << 2));
    const src = dy + ((<usize>i * <usize>D) << 2);
    const dst = dtable + ((<usize>id * <usize>D) << 2);
    let c = c0;
    for (; c + 4 <= c1; c += 4) {
      const o = (<usize>c) << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (; c < c1; c++) {
      const o = (<usize>c) << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
}

/**
 * Rotary embedding (rotate-half convention): for each row r of B*T rows (position
 * r % T + offset) and head h, pairs (i, i + hd/2) rotate by angle sign * theta_i * pos, with
 * cos/sin tables [positions, hd/2]. y = beta*y + rotated x; x and y have row strides ldx, ldy.
 */
export function rope(
  tid: i32,
  nt: i32,
  x: usize,
  ldx: i32,
  y: usize,
  ldy: i32,
  rows: i32,
  T: i32,
  H: i32,
  hd: i32,
  cosT: usize,
  sinT: usize,
  offset: i32,
  sign: f32,
  beta: f32,
): void {
  const r0 = part(rows, tid, nt);
  const r1 = part(rows, tid + 1, nt);
  const half = hd >> 1;
  for (let r = r0; r < r1; r++) {
    const pos = (r % T) + offset;
    const cp = cosT + ((<usize>pos * <usize>half) << 2);
    const sp = sinT + ((<usize>pos * <usize>half) << 2);
    for (let h = 0; h < H; h++) {
      const xp = x + ((<usize>r * <usize>ldx + <usize>(h * hd)) << 2);
      const yp = y + ((<usize>r * <usize>ldy + <usize>(h * hd)) << 2);
      for (let i = 0; i < half; i++) {
        const c = load<f32>(cp + ((<usize>i) << 2));
        const s = load<f32>(sp + ((<usize>i) << 2)) * sign;
        const a = load<f32>(xp + ((<usize>i) << 2));
        const b = load<f32>(xp + ((<usize>(i + half)) << 2));
        let y1 = a * c - b * s;
        let y2 = b * c + a * s;
        if (beta != 0) {
          y1 += load<f32>(yp + ((<usize>i) << 2)) * beta;
          y2 += load<f32>(yp + ((<usize>(i + half)) << 2)) * beta;
        }
        store<f32>(yp + ((<usize>i) << 2), y1);
        store<f32>(yp + ((<usize>(i + half)) << 2), y2);
      }
    }
  }
}

/**
 * AdamW step on n parameters: m, v moments; bc1, bc2 are the bias corrections 1 - beta^t;
 * decoupled weight decay p -= lr * wd * p.
 */
export function adamw(
  tid: i32,
  nt: i32,
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  lr: f32,
  b1: f32,
  b2: f32,
  eps: f32,
  wd: f32,
  bc1: f32,
  bc2: f32,
  gscale: f32,
): void {
  const i0 = part(n, tid, nt) & ~3;
  const i1 = tid == nt - 1 ? n : part(n, tid + 1, nt) & ~3;
  const vb1 = f32x4.splat(b1);
  const vb1c = f32x4.splat(1 - b1);
  const vb2 = f32x4.splat(b2);
  const vb2c = f32x4.splat(1 - b2);
  const vgs = f32x4.splat(gscale);
  const vdecay = f32x4.splat(1 - lr * wd);
  const vstep = f32x4.splat(lr / bc1);
  const vbc2 = f32x4.splat(1 / bc2);
  const veps = f32x4.splat(eps);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = (<usize>i) << 2;
    const gi = f32x4.mul(v128.load(g + o), vgs);
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const den = f32x4.add(f32x4.sqrt(f32x4.mul(vi, vbc2)), veps);
    v128.store(p + o, f32x4.sub(f32x4.mul(v128.load(p + o), vdecay), f32x4.div(f32x4.mul(vstep, mi), den)));
  }
  for (; i < i1; i++) {
    const o = (<usize>i) << 2;
    const gi = load<f32>(g + o) * gscale;
    const mi = b1 * load<f32>(m + o) + (1 - b1) * gi;
    const vi = b2 * load<f32>(v + o) + (1 - b2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const den = Mathf.sqrt(vi * (1 / bc2)) + eps;
    store<f32>(p + o, load<f32>(p + o) * (1 - lr * wd) - ((lr / bc1) * mi) / den);
  }
}
