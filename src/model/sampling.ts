/** Choosing the next token from logits: greedy (argmax), or temperature and nucleus (top-p) sampling. */
import type { Rng } from "../tensor/index.js";

export interface SamplingOptions {
  /** 0 (default): greedy, deterministic. */
  temperature?: number;
  /** Nucleus: sample among the most likely tokens whose probabilities sum to topP (default 1). */
  topP?: number;
}

/** Index of the largest logit (the first one on ties). */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** The next token id. */
export function sampleToken(logits: Float32Array, opts: SamplingOptions, rng: Rng): number {
  const t = opts.temperature ?? 0;
  if (!(t > 0)) return argmax(logits);
  const topP = Math.min(1, Math.max(opts.topP ?? 1, 0));
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const probs = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += probs[i] = Math.exp((logits[i]! - max) / t);
  const order = [...probs.keys()].sort((a, b) => probs[b]! - probs[a]!);
  // keep the smallest set of most likely tokens reaching topP (at least one)
  let kept = 0;
  let mass = 0;
  while (kept < order.length && (kept === 0 || mass < topP * total)) mass += probs[order[kept++]!]!;
  let u = rng.next() * mass;
  for (let k = 0; k < kept; k++) {
    u -= probs[order[k]!]!;
    if (u <= 0) return order[k]!;
  }
  return order[kept - 1]!;
}
