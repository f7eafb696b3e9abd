/**
 * Reduced-lead copies: rhythm, beat and QA examples shown with 1, 2 or 3 leads (lead I alone as
 * from a handheld device, lead II alone, Holter-like pairs), only for examples whose answer stays
 * determinable from those leads (`LabeledExample.reducible`: rhythms and premature-beat timing,
 * not bundle branch block morphology or infarct location).
 */
import type { LabeledExample } from "../example.js";
import { Rng } from "../rng.js";

/** Lead sets offered, most common devices first. */
export const REDUCED_LEAD_SETS: readonly (readonly string[])[] = [
  ["I"],
  ["II"],
  ["II", "V1"],
  ["II", "V5"],
  ["I", "II", "V1"],
];

/** Lead sets that are strict subsets of the leads an example shows. */
export function availableLeadSets(leads: readonly string[]): string[][] {
  return REDUCED_LEAD_SETS.filter(
    (set) => set.length < leads.length && set.every((l) => leads.includes(l)),
  ).map((s) => [...s]);
}

/** Copies a share of the reducible examples with a random smaller lead set each. */
export function reducedLeadExamples(
  examples: readonly LabeledExample[],
  seed: number,
  share = 0.35,
): LabeledExample[] {
  const out: LabeledExample[] = [];
  for (const ex of examples) {
    if (!ex.reducible) continue;
    const rng = Rng.for(seed, "reduced-leads", ex.example.id);
    if (rng.next() >= share) continue;
    const sets = availableLeadSets(ex.example.leads);
    if (!sets.length) continue;
    const leads = rng.pick(sets);
    out.push({
      label: ex.label,
      reducible: false,
      example: { ...ex.example, leads, id: `${ex.example.id}-leads-${leads.join("_")}` },
    });
  }
  return out;
}
