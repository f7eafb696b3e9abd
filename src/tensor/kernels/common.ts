// Shared helpers for the kernels. Every exported kernel that can run on several threads takes
// (tid, nt) first: thread `tid` of `nt` does its own contiguous share of the work, so results do
// not depend on timing, and row-split kernels give bitwise the same result for any `nt`.

/** First item of thread `tid`'s share of `n` items split into `nt` contiguous parts. */
export function part(n: i32, tid: i32, nt: i32): i32 {
  return <i32>((<i64>n * <i64>tid) / <i64>nt);
}

/** Like `part`, but share boundaries are multiples of `unit` (the last share takes the rest). */
export function partAligned(n: i32, unit: i32, tid: i32, nt: i32): i32 {
  const units = (n + unit - 1) / unit;
  return min<i32>(n, part(units, tid, nt) * unit);
}

/** Per-thread scratch region (set on every thread by `setScratch`). */
export let scratchBase: usize = 0;
export let scratchBytes: usize = 0;

/** Each thread records its own scratch region: base + tid * stride, `stride` bytes long. */
export function setScratch(tid: i32, _nt: i32, base: usize, stride: usize): void {
  scratchBase = base + <usize>tid * stride;
  scratchBytes = stride;
}

export function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

export function hmax(v: v128): f32 {
  return max<f32>(
    max<f32>(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max<f32>(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
}

export function ldf(p: usize, i: i32): f32 {
  return load<f32>(p + ((<usize>i) << 2));
}

export function stf(p: usize, i: i32, v: f32): void {
  store<f32>(p + ((<usize>i) << 2), v);
}

/** exp(x) for four lanes: range reduction to 2^n * exp(r), |r| <= ln2/2, degree-6 polynomial. */
export function vexp(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447504019));
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(-2.1219444e-4)));
  let y = f32x4.splat(1.98756915e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  const r2 = f32x4.mul(r, r);
  y = f32x4.add(f32x4.add(f32x4.mul(y, r2), r), f32x4.splat(1.0));
  const n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  return f32x4.mul(y, n);
}

/** Scalar twin of `vexp` (same arithmetic), for tails: keeps SIMD and tail lanes consistent. */
export function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}
