/** Creating, initialising and listing trainable parameters. */
import { Parameter, Rng, engine, type Shape } from "../tensor/index.js";

export interface ParameterInit {
  /** "normal" (default, std 0.02), "zeros", "ones" or "uniform" (in [-bound, bound]). */
  init?: "normal" | "zeros" | "ones" | "uniform";
  std?: number;
  bound?: number;
  rng?: Rng;
  /** Weight decay applies to it (default true; false for norms, biases, embeddings). */
  decay?: boolean;
}

/** A new parameter of `shape`, initialised as asked. */
export function parameter(shape: Shape, name: string, opts: ParameterInit = {}): Parameter {
  const p = new Parameter(shape, name, opts.decay ?? true);
  const init = opts.init ?? "normal";
  if (init === "zeros" || init === "ones") {
    engine().run("fill", p.size, p.ptr, p.size, init === "ones" ? 1 : 0);
    return p;
  }
  const rng = opts.rng ?? new Rng(1);
  const d = p.data;
  if (init === "uniform") {
    const b = opts.bound ?? 1 / Math.sqrt(shape[shape.length - 1] ?? 1);
    for (let i = 0; i < d.length; i++) d[i] = (2 * rng.next() - 1) * b;
  } else {
    const std = opts.std ?? 0.02;
    for (let i = 0; i < d.length; i++) d[i] = rng.normal() * std;
  }
  return p;
}

/** Marks every gradient as zero (no memory traffic: the next backward overwrites). */
export function zeroGrad(params: Iterable<Parameter>): void {
  for (const p of params) p.zeroGrad();
}

/** Total number of scalars (trainable only, when asked). */
export function countParameters(params: Iterable<Parameter>, trainableOnly = false): number {
  let n = 0;
  for (const p of params) if (!trainableOnly || !p.frozen) n += p.size;
  return n;
}

/** Freezes (or unfreezes) parameters: frozen ones take no gradient and no update. */
export function setFrozen(params: Iterable<Parameter>, frozen: boolean): void {
  for (const p of params) p.frozen = frozen;
}
