/**
 * The constant baseline: the floor every table is read against. It never looks at the ECG.
 * - localization: `No <abnormal_type> Found`, the paper's "not found" answer (about 30 % of the
 *   paper's test answers and of ours);
 * - every other task: the most frequent training answer for the most specific key seen in
 *   training, backing off in this order — the ECG-QA question type; the question text; the
 *   question with lead names and numbers masked (so "...in lead aVF?" shares "...in lead V2?");
 *   the question's first word (yes/no questions start with "is", "does" ...); the task and
 *   dataset; the task. So report gets the most frequent report of its dataset.
 * Ties go to the alphabetically first answer (deterministic). Without training examples it
 * answers `Report: Sinus rhythm` for reports and `no` otherwise.
 */
import type { EvalExample } from "../examples.js";
import { findingName } from "./findings.js";
import type { PredictInput, Prediction, Predictor } from "../predictors.js";

const LOCALIZATION = new Set(["location", "location_long"]);

/** Lowercased, spaces collapsed, end punctuation kept (it tells questions apart little). */
function norm(q: string): string {
  return q.toLowerCase().replace(/\s+/g, " ").trim();
}

/** Lead names and numbers masked. */
function masked(q: string): string {
  return norm(q)
    .replace(
      /\blead(s?) (i{1,3}|avr|avl|avf|v[1-6])(( |, | and | or )(i{1,3}|avr|avl|avf|v[1-6]))*\b/g,
      "lead$1 <lead>",
    )
    .replace(/\d+(\.\d+)?/g, "<n>");
}

/** The backoff keys of an example, most specific first (all prefixed by task and dataset but the last). */
export function constantKeys(
  e: Pick<EvalExample, "task" | "dataset" | "question" | "questionType">,
): string[] {
  const td = `${e.task}|${e.dataset}`;
  const keys: string[] = [];
  if (e.questionType) keys.push(`${td}|type:${e.questionType}`);
  keys.push(`${td}|q:${norm(e.question)}`, `${td}|m:${masked(e.question)}`);
  keys.push(`${td}|w:${norm(e.question).split(" ")[0] ?? ""}`, `${td}|*`, `${e.task}|*`);
  return keys;
}

/** The majority answers learned from training examples. */
export interface ConstantTable {
  /** key -> majority answer. */
  majority: Record<string, string>;
  trainedOn: number;
}

/** Counts answers per key and keeps each key's most frequent one. */
export function fitConstant(train: readonly EvalExample[]): ConstantTable {
  const counts = new Map<string, Map<string, number>>();
  for (const e of train) {
    if (LOCALIZATION.has(e.task)) continue;
    for (const k of constantKeys(e)) {
      const m = counts.get(k) ?? new Map<string, number>();
      m.set(e.answer, (m.get(e.answer) ?? 0) + 1);
      counts.set(k, m);
    }
  }
  const majority: Record<string, string> = {};
  for (const [k, m] of counts) {
    let best = "";
    let bestN = -1;
    for (const [a, n] of m) if (n > bestN || (n === bestN && a < best)) [best, bestN] = [a, n];
    majority[k] = best;
  }
  return { majority, trainedOn: train.length };
}

/** The constant answer to one example. */
export function constantAnswer(table: ConstantTable, e: EvalExample): string {
  if (LOCALIZATION.has(e.task)) return `No ${findingName(e.abnormalType ?? "abnormality")} Found`;
  for (const k of constantKeys(e)) {
    const a = table.majority[k];
    if (a !== undefined) return a;
  }
  return e.task === "report" ? "Report: Sinus rhythm" : "no";
}

/** The constant baseline as a predictor. */
export class ConstantPredictor implements Predictor {
  readonly name = "constant";
  readonly needsEcgs = false;
  constructor(readonly table: ConstantTable = { majority: {}, trainedOn: 0 }) {}

  predict(input: PredictInput): Promise<Prediction> {
    return Promise.resolve({ answer: constantAnswer(this.table, input.example) });
  }
}
