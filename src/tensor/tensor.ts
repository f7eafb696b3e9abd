/**
 * Tensors: float32, contiguous, row-major blocks of the engine's shared memory, plus the
 * bookkeeping for memory scopes and the autograd tape.
 *
 * Memory: a tensor created inside `scope(fn)` is released when fn returns unless it is
 * returned (then it moves to the enclosing scope) or `keep()`-ed. Outside any scope, tensors
 * live until `dispose()`. Parameters are always kept.
 *
 * Autograd: an op whose inputs require gradients records its output on the tape with a
 * hand-written backward function; `backward(loss)` walks the tape in reverse. Gradients are
 * accumulated with beta = 1 into `grad` (see `gradSlot`), so kernels write them in place.
 */
import { engine } from "./engine.js";

export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`bad tensor shape [${shape.join(", ")}]`);
    n *= d;
  }
  return n;
}

interface Node {
  backward(grad: Tensor): void;
}

export class Tensor {
  readonly shape: Shape;
  readonly size: number;
  /** Byte offset in the engine memory. */
  readonly ptr: number;
  /** Gradient (same shape), when this tensor takes part in autograd and received one. */
  grad: Tensor | null = null;
  /** False: `grad` holds stale data and must be overwritten, not accumulated into. */
  gradValid = false;
  requiresGrad: boolean;
  /** @internal backward function of the op that produced this tensor. */
  node: Node | null = null;
  private readonly base: Tensor | null;
  private alive = true;

  /** @internal use the factories (zeros, tensor, ...) or ops instead. */
  constructor(shape: Shape, ptr: number, requiresGrad = false, base: Tensor | null = null) {
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    this.ptr = ptr;
    this.requiresGrad = requiresGrad;
    this.base = base;
    track(this);
  }

  /** A fresh, uninitialised tensor (contents are whatever the pool block held). */
  static empty(shape: Shape, requiresGrad = false): Tensor {
    const n = shapeSize(shape);
    return new Tensor(shape, engine().alloc(n * 4), requiresGrad);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Live Float32Array view of the data (do not keep it across memory growth). */
  get data(): Float32Array {
    this.check();
    return new Float32Array(engine().memory.buffer, this.ptr, this.size);
  }

  get disposed(): boolean {
    return !this.alive;
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item() on a tensor of shape [${this.shape.join(", ")}]`);
    return this.data[0]!;
  }

  /** Same data, new shape (no copy; the view shares this tensor's memory and gradient flow). */
  view(shape: Shape): Tensor {
    return viewOp(this, shape);
  }

  /** Releases the memory now (views: only marks them dead). */
  dispose(): void {
    if (!this.alive) return;
    this.alive = false;
    if (!this.base) engine().release(this.ptr, this.size * 4);
    if (this.grad && !(this instanceof Parameter)) this.grad.dispose();
    this.grad = null;
    this.node = null;
  }

  /** Removes the tensor from scope tracking: it lives until disposed explicitly. */
  keep(): this {
    untrack(this);
    return this;
  }

  private check(): void {
    if (!this.alive) throw new Error("tensor used after dispose()");
  }
}

/** A trainable tensor: kept for good, with a persistent gradient buffer. */
export class Parameter extends Tensor {
  /** Name used by optimisers (decay groups) and checkpoints. */
  name: string;
  /** Apply weight decay to this parameter (AdamW decay groups). */
  decay: boolean;

  constructor(shape: Shape, name = "", decay = true) {
    super(shape, engine().alloc(shapeSize(shape) * 4), true);
    this.name = name;
    this.decay = decay;
    this.keep();
  }

  /** Frozen parameters take no gradient. */
  get frozen(): boolean {
    return !this.requiresGrad;
  }

  set frozen(f: boolean) {
    this.requiresGrad = !f;
  }

  /** Marks the gradient as zero (without touching memory). */
  zeroGrad(): void {
    this.gradValid = false;
  }

  override dispose(): void {
    const g = this.grad;
    super.dispose();
    g?.dispose();
  }
}

// ---- scopes --------------------------------------------------------------------------------

const scopes: Tensor[][] = [];

function track(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1]!.push(t);
}

function untrack(t: Tensor): void {
  const s = scopes[scopes.length - 1];
  if (!s) return;
  const i = s.lastIndexOf(t);
  if (i >= 0) s.splice(i, 1);
}

function collect(v: unknown, out: Set<Tensor>): void {
  if (v instanceof Tensor) out.add(v);
  else if (Array.isArray(v)) for (const x of v) collect(x, out);
  else if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
    for (const x of Object.values(v)) collect(x, out);
}

/**
 * Runs fn; tensors it creates are released afterwards, except those it returns (directly, in
 * an array, or in a plain object), which move to the enclosing scope. Tape entries recorded in
 * the scope are dropped too.
 */
export function scope<T>(fn: () => T): T {
  const mine: Tensor[] = [];
  scopes.push(mine);
  const tapeLen = tape.length;
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const keepSet = new Set<Tensor>();
  collect(result, keepSet);
  if (tape.length > tapeLen) tape.length = tapeLen;
  for (const t of mine) {
    if (keepSet.has(t)) {
      t.node = null;
      track(t);
    } else t.dispose();
  }
  return result;
}

// ---- autograd ------------------------------------------------------------------------------

const tape: Tensor[] = [];
let gradEnabled = true;

/** Runs fn without recording anything for autograd (inference). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

// ---- custom ops ----------------------------------------------------------------------------
//
// A layer can define its own op on top of the engine (a TypeScript loop over `data`, or a
// sequence of kernel calls) and still take part in autograd:
//
//   const out = Tensor.empty(shape);
//   ...compute out from x...
//   if (needsGrad(x))
//     record(out, (g) => {
//       const slot = gradSlot(x);
//       if (!slot) return;
//       ...write d(loss)/dx into slot.grad (slot.beta 0: overwrite, 1: add to it)...
//     });
//   return out;

/**
 * True when an op on these inputs must be recorded for autograd: gradients are enabled (not in
 * `noGrad`) and at least one input requires a gradient.
 */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Records `out` on the tape as the result of a custom op: during `backward`, once `out` has
 * received its gradient `grad` (same shape as `out`), `backward(grad)` runs and must add the
 * input gradients through `gradSlot`. Returns `out`. Call only when `needsGrad(inputs)`.
 */
export function record(out: Tensor, backward: (grad: Tensor) => void): Tensor {
  out.requiresGrad = true;
  out.node = { backward };
  tape.push(out);
  return out;
}

/** Where an op's backward writes the gradient of one input (see `gradSlot`). */
export interface GradSlot {
  /** Byte offset of the gradient in engine memory (for kernel calls). */
  ptr: number;
  /** 0: the gradient holds stale data, overwrite it; 1: add to it. */
  beta: number;
  /** The gradient tensor itself (same shape as the input; use `.data` from TypeScript). */
  grad: Tensor;
}

/**
 * Where a gradient for t goes, and the beta to use: 0 overwrites (first contribution), 1
 * accumulates. Null when t takes no gradient. Call it once per input per backward call: the
 * first call of a backward pass marks the gradient valid, so later ones accumulate.
 */
export function gradSlot(t: Tensor): GradSlot | null {
  if (!t.requiresGrad) return null;
  if (!t.grad) {
    const g = Tensor.empty(t.shape);
    if (t instanceof Parameter) g.keep();
    t.grad = g;
    t.gradValid = false;
  }
  const beta = t.gradValid ? 1 : 0;
  t.gradValid = true;
  return { ptr: t.grad.ptr, beta, grad: t.grad };
}

/**
 * Back-propagates from `loss` (its gradient seeded with `grad`, default 1 for every element)
 * through the tape, accumulating into every tensor that requires a gradient, then clears the
 * tape.
 */
export function backward(loss: Tensor, grad?: Tensor): void {
  if (!loss.node && !loss.requiresGrad)
    throw new Error("backward(): the loss does not depend on any parameter");
  const slot = gradSlot(loss)!;
  const e = engine();
  if (grad) {
    if (grad.size !== loss.size) throw new RangeError("backward(): gradient shape does not match the loss");
    e.run("axpby", loss.size, grad.ptr, slot.ptr, loss.size, 1, slot.beta);
  } else e.run("fill", loss.size, slot.ptr, loss.size, 1);
  const stop = tape.indexOf(loss);
  for (let i = stop; i >= 0; i--) {
    const t = tape[i]!;
    if (t.node && t.grad && t.gradValid) t.node.backward(t.grad);
    t.node = null;
  }
  tape.length = 0;
}

/** Length of the tape (for tests: inference must record nothing). */
export function tapeLength(): number {
  return tape.length;
}

// view: defined here because Tensor.view uses it

function viewOp(x: Tensor, shape: Shape): Tensor {
  let s = [...shape];
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const rest = shapeSize(s.filter((_, i) => i !== neg));
    s[neg] = rest > 0 ? x.size / rest : 0;
  }
  if (shapeSize(s) !== x.size)
    throw new RangeError(`view: cannot view [${x.shape.join(", ")}] as [${shape.join(", ")}]`);
  s = s.map((d) => d);
  const out = new Tensor(s, x.ptr, false, x);
  if (needsGrad(x))
    record(out, (g) => {
      const slot = gradSlot(x);
      if (slot) engine().run("axpby", g.size, g.ptr, slot.ptr, g.size, 1, slot.beta);
    });
  return out;
}

/**
 * A view of the first `n` positions of `x` along `axis` (no copy), for buffers filled a few
 * rows at a time such as a KV cache: [1, capacity, width] gives [1, n, width]. Every dimension
 * before `axis` must be 1 so the view is contiguous. Gradients flow back into x's first rows.
 */
export function prefixView(x: Tensor, axis: number, n: number): Tensor {
  const a = axis < 0 ? axis + x.rank : axis;
  if (!(a >= 0 && a < x.rank)) throw new RangeError(`prefixView: no axis ${axis} in [${x.shape.join(", ")}]`);
  if (x.shape.slice(0, a).some((d) => d !== 1))
    throw new RangeError(`prefixView: dimensions before axis ${axis} of [${x.shape.join(", ")}] must be 1`);
  if (!Number.isInteger(n) || n < 0 || n > x.shape[a]!)
    throw new RangeError(`prefixView: ${n} positions not within [0, ${x.shape[a]}]`);
  const shape = [...x.shape];
  shape[a] = n;
  const out = new Tensor(shape, x.ptr, false, x);
  if (needsGrad(x))
    record(out, (g) => {
      const slot = gradSlot(x);
      if (!slot) return;
      const e = engine();
      if (slot.beta === 0 && g.size < x.size) e.run("fill", x.size, slot.ptr, x.size, 0);
      e.run("axpby", g.size, g.ptr, slot.ptr, g.size, 1, g.size < x.size ? 1 : slot.beta);
    });
  return out;
}
