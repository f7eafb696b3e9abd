/** Copies that move data: transpose, slice, concat; rotary position embedding; sums. */
import { engine } from "../engine.js";
import { Tensor, needsGrad, record, gradSlot, type Shape } from "../tensor.js";

function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * dst[idx] (strides ds) = src[idx] (strides ss) + beta*dst over index space `dims`: merges
 * dimensions that are contiguous in both, then runs the 4-d strided copy kernel.
 */
function stridedCopy(
  dims: number[],
  src: number,
  ss: number[],
  dst: number,
  ds: number[],
  beta: number,
): void {
  const d: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const k = d.length - 1;
    if (k >= 0 && a[k] === ss[i]! * dims[i]! && b[k] === ds[i]! * dims[i]!) {
      d[k] *= dims[i]!;
      a[k] = ss[i]!;
      b[k] = ds[i]!;
    } else {
      d.push(dims[i]!);
      a.push(ss[i]!);
      b.push(ds[i]!);
    }
  }
  if (d.length > 4) throw new RangeError("copy: more than 4 non-contiguous dimensions");
  while (d.length < 4) {
    d.unshift(1);
    a.unshift(0);
    b.unshift(0);
  }
  const n = d.reduce((x, y) => x * y, 1);
  engine().run("copy4d", n, src, dst, d[0]!, d[1]!, d[2]!, d[3]!, a[0]!, a[1]!, a[2]!, a[3]!, b[0]!, b[1]!, b[2]!, b[3]!, beta); // prettier-ignore
}

function axisOf(t: Tensor, axis: number): number {
  const a = axis < 0 ? axis + t.rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= t.rank)
    throw new RangeError(`axis ${axis} out of range for rank ${t.rank}`);
  return a;
}

/** Swaps two axes (a copy). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const a0 = axisOf(x, axis0);
  const a1 = axisOf(x, axis1);
  const shape = [...x.shape];
  [shape[a0], shape[a1]] = [shape[a1]!, shape[a0]!];
  const xs = stridesOf(x.shape);
  [xs[a0], xs[a1]] = [xs[a1]!, xs[a0]!];
  const out = Tensor.empty(shape);
  const os = stridesOf(shape);
  stridedCopy(shape, x.ptr, xs, out.ptr, os, 0);
  if (needsGrad(x))
    record(out, (g) => {
      const gx = gradSlot(x);
      if (gx) stridedCopy(shape, g.ptr, os, gx.ptr, xs, gx.beta);
    });
  return out;
}

/** Elements [start, end) along `axis` (a copy). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = axisOf(x, axis);
  const n = x.shape[a]!;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end)
    throw new RangeError(`slice: [${start}, ${end}) not within [0, ${n})`);
  const shape = [...x.shape];
  shape[a] = end - start;
  const xs = stridesOf(x.shape);
  const os = stridesOf(shape);
  const off = start * xs[a]! * 4;
  const out = Tensor.empty(shape);
  stridedCopy(shape, x.ptr + off, xs, out.ptr, os, 0);
  if (needsGrad(x))
    record(out, (g) => {
      const gx = gradSlot(x);
      if (!gx) return;
      if (gx.beta === 0) engine().run("fill", x.size, gx.ptr, x.size, 0);
      stridedCopy(shape, g.ptr, os, gx.ptr + off, xs, 1);
    });
  return out;
}

/** Joins tensors along `axis` (other dimensions equal). */
export function concat(ts: Tensor[], axis: number): Tensor {
  if (ts.length === 0) throw new RangeError("concat: no tensors");
  const a = axisOf(ts[0]!, axis);
  const shape = [...ts[0]!.shape];
  shape[a] = 0;
  for (const t of ts) {
    if (t.rank !== shape.length || t.shape.some((d, i) => i !== a && d !== shape[i]))
      throw new RangeError(
        `concat: shapes [${ts.map((t) => `[${t.shape}]`).join(", ")}] differ off axis ${a}`,
      );
    shape[a] += t.shape[a]!;
  }
  const out = Tensor.empty(shape);
  const os = stridesOf(shape);
  const offs: number[] = [];
  let off = 0;
  for (const t of ts) {
    offs.push(off);
    stridedCopy([...t.shape], t.ptr, stridesOf(t.shape), out.ptr + off * os[a]! * 4, os, 0);
    off += t.shape[a]!;
  }
  if (needsGrad(...ts))
    record(out, (g) => {
      ts.forEach((t, i) => {
        const gt = gradSlot(t);
        if (gt)
          stridedCopy([...t.shape], g.ptr + offs[i]! * os[a]! * 4, os, gt.ptr, stridesOf(t.shape), gt.beta);
      });
    });
  return out;
}

// ---- reductions ----------------------------------------------------------------------------

const CHUNK = 4096; // must match kernels/elementwise.ts

/** Sum (mode 0) or sum of squares (mode 1) of all elements, in float64 over fixed chunks. */
export function reduceAll(x: Tensor, mode: 0 | 1): number {
  const e = engine();
  const chunks = Math.ceil(x.size / CHUNK);
  const tmp = e.alloc(chunks * 4);
  e.run("chunkSums", x.size, mode, x.ptr, x.size, tmp);
  const f = e.heapF32;
  let s = 0;
  for (let c = 0; c < chunks; c++) s += f[tmp / 4 + c]!;
  e.release(tmp, chunks * 4);
  return s;
}

function total(x: Tensor, divide: number): Tensor {
  const e = engine();
  const out = Tensor.empty([]);
  out.data[0] = reduceAll(x, 0) / divide;
  if (needsGrad(x))
    record(out, (g) => {
      const gx = gradSlot(x);
      if (!gx) return;
      const v = g.data[0]! / divide;
      if (gx.beta === 0) e.run("fill", x.size, gx.ptr, x.size, v);
      else {
        const c = e.alloc(4);
        e.heapF32[c / 4] = v;
        e.run("binary", x.size, 0, gx.ptr, c, gx.ptr, x.size, 1, 0);
        e.release(c, 4);
      }
    });
  return out;
}

/** Sum of all elements (a scalar tensor). */
export function sum(x: Tensor): Tensor {
  return total(x, 1);
}

/** Mean of all elements (a scalar tensor). */
export function mean(x: Tensor): Tensor {
  return total(x, x.size);
}

// ---- rotary position embedding -------------------------------------------------------------

const ropeTables = new Map<string, { cos: Tensor; sin: Tensor; positions: number }>();

function ropeTable(hd: number, theta: number, positions: number): { cos: Tensor; sin: Tensor } {
  const key = `${hd}:${theta}`;
  const have = ropeTables.get(key);
  if (have && have.positions >= positions) return have;
  const n = Math.max(positions, 2 * (have?.positions ?? 0), 256);
  have?.cos.dispose();
  have?.sin.dispose();
  const half = hd / 2;
  const cos = Tensor.empty([n, half]).keep();
  const sin = Tensor.empty([n, half]).keep();
  const c = cos.data;
  const s = sin.data;
  for (let p = 0; p < n; p++)
    for (let i = 0; i < half; i++) {
      const ang = p * Math.pow(theta, (-2 * i) / hd);
      c[p * half + i] = Math.cos(ang);
      s[p * half + i] = Math.sin(ang);
    }
  const t = { cos, sin, positions: n };
  ropeTables.set(key, t);
  return t;
}

export interface RopeOptions {
  heads: number;
  /** Position of the first time step (KV-cache decoding). */
  offset?: number;
  /** Base of the rotation frequencies (default 10000). */
  theta?: number;
}

/**
 * Rotary position embedding (Llama's rotate-half convention) of x: [B, T, heads*hd]: in each
 * head, the pair (i, i + hd/2) at position t rotates by t * theta^(-2i/hd).
 */
export function rope(x: Tensor, opts: RopeOptions): Tensor {
  if (x.rank !== 3) throw new RangeError("rope: x must be [batch, time, heads*hd]");
  const [B, T, W] = x.shape as [number, number, number];
  const H = opts.heads;
  const hd = W / H;
  if (!Number.isInteger(hd) || hd % 2 !== 0)
    throw new RangeError(`rope: width ${W} does not split into ${H} even heads`);
  const offset = opts.offset ?? 0;
  const { cos, sin } = ropeTable(hd, opts.theta ?? 10000, offset + T);
  const e = engine();
  const out = Tensor.empty(x.shape);
  e.run("rope", x.size, x.ptr, W, out.ptr, W, B * T, T, H, hd, cos.ptr, sin.ptr, offset, 1, 0);
  if (needsGrad(x))
    record(out, (g) => {
      const gx = gradSlot(x);
      if (gx)
        e.run("rope", x.size, g.ptr, W, gx.ptr, W, B * T, T, H, hd, cos.ptr, sin.ptr, offset, -1, gx.beta);
    });
  return out;
}
