/** Tensor factories and a small seeded random generator. */
import { engine } from "./engine.js";
import { Tensor, type Shape, shapeSize } from "./tensor.js";

/** A copy of `values` as a tensor of `shape` (default: 1-d). */
export function tensor(values: ArrayLike<number>, shape?: Shape, requiresGrad = false): Tensor {
  const s = shape ?? [values.length];
  if (shapeSize(s) !== values.length)
    throw new RangeError(`tensor: ${values.length} values do not fill shape [${s.join(", ")}]`);
  const t = Tensor.empty(s, requiresGrad);
  t.data.set(values);
  return t;
}

export function full(shape: Shape, value: number, requiresGrad = false): Tensor {
  const t = Tensor.empty(shape, requiresGrad);
  engine().run("fill", t.size, t.ptr, t.size, value);
  return t;
}

export function zeros(shape: Shape, requiresGrad = false): Tensor {
  return full(shape, 0, requiresGrad);
}

export function ones(shape: Shape, requiresGrad = false): Tensor {
  return full(shape, 1, requiresGrad);
}

/** Deterministic generator (mulberry32) with normal deviates (Box-Muller). */
export class Rng {
  private s: number;
  private spare: number | null = null;
  constructor(seed = 1) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u = Math.max(this.next(), 1e-12);
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Normal(0, std^2) entries. */
export function randn(shape: Shape, rng: Rng, std = 1, requiresGrad = false): Tensor {
  const t = Tensor.empty(shape, requiresGrad);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.normal() * std;
  return t;
}

/** Uniform in [lo, hi) entries. */
export function rand(shape: Shape, rng: Rng, lo = 0, hi = 1, requiresGrad = false): Tensor {
  const t = Tensor.empty(shape, requiresGrad);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rng.next();
  return t;
}

/**
 * @internal int32 values in engine memory (token ids, targets), held by a tensor-sized block so
 * scopes release it; its `data` is not meaningful as floats.
 */
export function intBlock(values: ArrayLike<number>): Tensor {
  const t = Tensor.empty([values.length]);
  new Int32Array(engine().memory.buffer, t.ptr, values.length).set(values);
  return t;
}
