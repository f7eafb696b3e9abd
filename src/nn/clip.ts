/** Global gradient-norm computation and clipping. */
import { Parameter, engine, reduceAll } from "../tensor/index.js";

/** L2 norm of all valid gradients together. */
export function gradNorm(params: Iterable<Parameter>): number {
  let s = 0;
  for (const p of params) if (p.grad && p.gradValid && !p.frozen) s += reduceAll(p.grad, 1);
  return Math.sqrt(s);
}

/**
 * Scales all gradients so their global L2 norm is at most maxNorm; returns the norm before
 * clipping (so callers can log it). Non-finite norms leave the gradients untouched.
 */
export function clipGradNorm(params: Iterable<Parameter>, maxNorm: number): number {
  const list = [...params];
  const norm = gradNorm(list);
  if (!Number.isFinite(norm) || norm <= maxNorm) return norm;
  const s = maxNorm / (norm + 1e-6);
  const e = engine();
  for (const p of list)
    if (p.grad && p.gradValid && !p.frozen) e.run("axpby", p.size, p.grad.ptr, p.grad.ptr, p.size, s, 0);
  return norm;
}
