/**
 * ECG-QA exact-match accuracy.
 *
 * An answer is correct when its normal form equals the reference's: the text is lowercased,
 * split into items on "," ";" and line breaks outside parentheses (`splitList`), each item
 * trimmed with inner whitespace runs collapsed to one space, empty items dropped, the items
 * sorted and joined with ", ". So "Yes " = "yes" and "qt interval, p duration" = "P duration,
 * QT interval"; punctuation is kept ("yes." ≠ "yes"). anyECG-chat compares
 * `truth.lower() == prediction.lower()`: ours differs only in ignoring surrounding whitespace
 * and list order.
 *
 * Aggregates: micro accuracy = correct / all; macro accuracy = mean over question types of each
 * type's accuracy (as the paper: `question_type` of ECG-QA, e.g. single-verify,
 * comparison_consecutive-query).
 */
import { groupedMean, type GroupStat } from "./aggregate.js";
import { splitList } from "./statements.js";

/** The normal form of an answer (see the module comment). */
export function normalizeAnswer(text: string): string {
  return splitList(text.toLowerCase())
    .map((s) => s.replace(/\s+/g, " "))
    .sort()
    .join(", ");
}

/** Whether a prediction matches a reference after normalisation. */
export function exactMatch(reference: string, prediction: string): boolean {
  return normalizeAnswer(reference) === normalizeAnswer(prediction);
}

/** One question to score. */
export interface QaItem {
  reference: string;
  prediction: string;
  /** Question type (the group of the macro mean); "all" when unknown. */
  questionType?: string;
}

/** Accuracy over a set of questions. */
export interface QaScores {
  n: number;
  correct: number;
  microAccuracy: number;
  macroAccuracy: number;
  perType: Record<string, GroupStat>;
  /** Per-example 1/0, in input order. */
  hits: number[];
}

/** Exact-match accuracy, micro and macro over question types. */
export function scoreQa(items: readonly QaItem[]): QaScores {
  const hits = items.map((i) => (exactMatch(i.reference, i.prediction) ? 1 : 0));
  const g = groupedMean(
    hits,
    items.map((i) => i.questionType ?? "all"),
  );
  return {
    n: g.n,
    correct: hits.reduce<number>((a, b) => a + b, 0),
    microAccuracy: g.micro,
    macroAccuracy: g.macro,
    perType: g.perGroup,
    hits,
  };
}
