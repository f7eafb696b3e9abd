/** Learning-rate schedules. */

export interface CosineSchedule {
  /** Peak learning rate, reached at the end of warm-up. */
  peak: number;
  /** Linear warm-up steps (from peak / warmup at step 0). */
  warmup: number;
  /** Total steps; after that the rate stays at `min`. */
  total: number;
  /** Final learning rate (default 0.1 * peak). */
  min?: number;
}

/** Linear warm-up then cosine decay to `min`: the rate for 0-based step `step`. */
export function cosineLr(s: CosineSchedule, step: number): number {
  const min = s.min ?? 0.1 * s.peak;
  if (s.warmup > 0 && step < s.warmup) return (s.peak * (step + 1)) / s.warmup;
  const span = Math.max(1, s.total - s.warmup);
  const t = Math.min(1, Math.max(0, (step - s.warmup) / span));
  return min + 0.5 * (s.peak - min) * (1 + Math.cos(Math.PI * t));
}
