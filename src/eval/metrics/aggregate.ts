/**
 * Grouped means, as the paper reports them: micro = the mean over all examples; macro = the mean
 * of the per-group means (each group counts once, whatever its size). Used for IoU per abnormal
 * type and for accuracy per question type.
 */

/** One group's share of a grouped mean. */
export interface GroupStat {
  n: number;
  mean: number;
}

/** Micro and macro means over groups, with each group's own mean. */
export interface GroupedMean {
  n: number;
  /** Mean over all examples (0 when there are none). */
  micro: number;
  /** Mean of the group means (0 when there are none). */
  macro: number;
  /** Keyed by group name, in order of first appearance. */
  perGroup: Record<string, GroupStat>;
}

/** Micro and macro means of `values`, grouped by `groups` (same length). */
export function groupedMean(values: readonly number[], groups: readonly string[]): GroupedMean {
  if (values.length !== groups.length)
    throw new RangeError("groupedMean: values and groups differ in length");
  const sums = new Map<string, { n: number; sum: number }>();
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const g = sums.get(groups[i]!) ?? { n: 0, sum: 0 };
    g.n++;
    g.sum += values[i]!;
    sums.set(groups[i]!, g);
    total += values[i]!;
  }
  const perGroup: Record<string, GroupStat> = {};
  let macroSum = 0;
  for (const [name, g] of sums) {
    perGroup[name] = { n: g.n, mean: g.sum / g.n };
    macroSum += g.sum / g.n;
  }
  return {
    n: values.length,
    micro: values.length ? total / values.length : 0,
    macro: sums.size ? macroSum / sums.size : 0,
    perGroup,
  };
}

/** Mean of a list (0 for an empty list). */
export function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length ? s / values.length : 0;
}
