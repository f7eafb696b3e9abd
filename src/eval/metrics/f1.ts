/**
 * F1 of binary label decisions, per label and macro-averaged: scorer (a) of the report labels
 * (the statements of the generated report matched to label names, `statements.ts`), e.g. the
 * CinC 2017 challenge's F1 of atrial fibrillation.
 *
 * Per label: F1 = 2 TP / (2 TP + FP + FN). A label with no positive in the reference and none
 * predicted has no F1 (0 / 0); it is skipped and listed, and the macro mean is over the others.
 */

/** One label's F1 and counts. */
export interface LabelF1 {
  label: string;
  /** null when skipped (no reference or predicted positive). */
  f1: number | null;
  tp: number;
  fp: number;
  fn: number;
}

/** Macro F1 over labels, with per-label detail. */
export interface MacroF1 {
  /** Mean F1 over the labels that have one (null when none has). */
  macro: number | null;
  perLabel: LabelF1[];
  skipped: string[];
}

/** Macro F1. `predicted[i][k]` and `truth[i][k]` are example i's 0/1 for label `labelNames[k]`. */
export function macroF1(
  predicted: readonly ArrayLike<number | boolean>[],
  truth: readonly ArrayLike<number | boolean>[],
  labelNames: readonly string[],
): MacroF1 {
  if (predicted.length !== truth.length)
    throw new RangeError("macroF1: predicted and truth differ in length");
  const perLabel: LabelF1[] = labelNames.map((label, k) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    predicted.forEach((row, i) => {
      if (row.length !== labelNames.length || truth[i]!.length !== labelNames.length)
        throw new RangeError(`macroF1: example ${i} does not have ${labelNames.length} labels`);
      const p = Boolean(row[k]);
      const t = Boolean(truth[i]![k]);
      if (p && t) tp++;
      else if (p) fp++;
      else if (t) fn++;
    });
    const d = 2 * tp + fp + fn;
    return { label, f1: d ? (2 * tp) / d : null, tp, fp, fn };
  });
  const scored = perLabel.filter((l) => l.f1 !== null);
  return {
    macro: scored.length ? scored.reduce((a, l) => a + l.f1!, 0) / scored.length : null,
    perLabel,
    skipped: perLabel.filter((l) => l.f1 === null).map((l) => l.label),
  };
}
