/**
 * Scorer (b) of the report AUC: the model's likelihood that its report names each label's
 * statement.
 *
 * A report lists statements in an order (PTB-XL's most likely diagnosis first, the rhythm last),
 * so "the report opens with S" says little of statements that come later: a record with an
 * infarct and ST changes can open with only one of them, and a rhythm statement almost never
 * opens a PTB-XL report. The scorer therefore walks the model's own report, `Report: g1, ..., gn`
 * (the answer it generated), and at each point where a statement may begin, after `Report:` and
 * after each `g1, ..., gk` (k = 1..n), asks how likely S is to come next:
 *
 *     log P(" S" | "Report:")   and   log P(", S" | "Report: g1, ..., gk")
 *
 * each the difference of two answers' summed log-probabilities (`AnyEcg.scoreAnswers` shares
 * their prefixes). A statement's score is the largest of them: the highest probability the model
 * gives S as its next statement anywhere along its report. The last point (k = n) includes the
 * probability of writing ", " rather than stopping, so a statement the model would only add after
 * everything else scores low. A label standing for several statements (a PTB-XL superclass)
 * scores the log-sum-exp of its statements' scores. Each distinct answer is scored once.
 */
import { formatReport } from "../data/tasks/report.js";
import { labelStatements, type LabelSet } from "./label-sets.js";
import { splitReport } from "./metrics/statements.js";

/** Names this scorer in prediction lines (`label_scorer`), so a resumed run rescores older lines. */
export const LABEL_SCORER = "statement-points";

/** A degenerate report (a statement repeated until the token limit) is walked this far only. */
export const MAX_REPORT_STATEMENTS = 16;

/** The answer scored for a statement opening the report. */
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

/** The first point: a report answer's opening, before any statement. */
const REPORT_OPENING = formatReport([]).trimEnd();

/**
 * The points of a report where a statement may begin, as answer prefixes: `Report:` and
 * `Report: g1, ..., gk` for each k (statements deduplicated, at most MAX_REPORT_STATEMENTS).
 */
export function statementPoints(report: string): string[] {
  const said = [...new Set(splitReport(report))].slice(0, MAX_REPORT_STATEMENTS);
  return [REPORT_OPENING, ...said.map((_, k) => formatReport(said.slice(0, k + 1)))];
}

/** The answer that puts `statement` right after the prefix `point`. */
function continuation(point: string, statement: string): string {
  return point === REPORT_OPENING ? statementAnswer(statement) : `${point}, ${statement}`;
}

/**
 * Label scores per set (keyed by set name, in each set's label order), from the model's own
 * `report` and a function giving the log-probability of each answer.
 */
export function likelihoodLabelScores(
  sets: readonly LabelSet[],
  report: string,
  scoreAnswers: (answers: string[]) => number[],
): Record<string, number[]> {
  const statements = [...new Set(sets.flatMap((s) => s.labels.flatMap((l) => labelStatements(l))))];
  const points = statementPoints(report);
  const answers = [
    ...new Set([...points, ...points.flatMap((p) => statements.map((s) => continuation(p, s)))]),
  ];
  const scores = scoreAnswers(answers);
  if (scores.length !== answers.length)
    throw new RangeError(`likelihood: ${scores.length} scores for ${answers.length} answers`);
  const logp = new Map(answers.map((a, i) => [a, scores[i]!]));
  const statementScore = new Map(
    statements.map((s) => [s, Math.max(...points.map((p) => logp.get(continuation(p, s))! - logp.get(p)!))]),
  );
  return Object.fromEntries(
    sets.map((set) => [
      set.name,
      set.labels.map((l) => logSumExp(labelStatements(l).map((s) => statementScore.get(s)!))),
    ]),
  );
}
