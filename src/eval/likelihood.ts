/**
 * Scorer (b) of the report AUC: the model's likelihood of each label's statement given the ECG.
 *
 * Each statement becomes the report answer the dataset would write for it alone,
 * `Report: <statement>` (`formatReport`), and the model gives the summed log-probability of that
 * answer opening its reply (`AnyEcg.scoreAnswers`). A label standing for several statements (a
 * PTB-XL superclass) scores the log-sum-exp of its statements' scores: the log-probability that
 * the reply opens with any of them. Every statement is scored once per example, however many
 * labels and sets share it.
 */
import { formatReport } from "../data/tasks/report.js";
import { labelStatements, type LabelSet } from "./label-sets.js";

/** The answer scored for a statement. */
export function statementAnswer(statement: string): string {
  return formatReport([statement]);
}

/** log(Σ exp(x)), stable; -Infinity for an empty list. */
export function logSumExp(xs: readonly number[]): number {
  const max = Math.max(...xs);
  if (!Number.isFinite(max)) return max;
  let s = 0;
  for (const x of xs) s += Math.exp(x - max);
  return max + Math.log(s);
}

/**
 * Label scores per set (keyed by set name, in each set's label order), from a function giving
 * the log-probability of each answer.
 */
export function likelihoodLabelScores(
  sets: readonly LabelSet[],
  scoreAnswers: (answers: string[]) => number[],
): Record<string, number[]> {
  const statements = [...new Set(sets.flatMap((s) => s.labels.flatMap((l) => labelStatements(l))))];
  const scores = scoreAnswers(statements.map(statementAnswer));
  if (scores.length !== statements.length)
    throw new RangeError(`likelihood: ${scores.length} scores for ${statements.length} answers`);
  const of = new Map(statements.map((s, i) => [s, scores[i]!]));
  return Object.fromEntries(
    sets.map((set) => [
      set.name,
      set.labels.map((l) => logSumExp(labelStatements(l).map((s) => of.get(s)!))),
    ]),
  );
}
