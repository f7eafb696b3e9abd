/**
 * Multi-ECG answers: accuracy of comparison answers and F1 of listed findings.
 *
 * Each item is one of two kinds (given by the caller, or inferred from the reference):
 * - comparison: a single choice — "yes" / "no" / "not sure", or which ECG ("the second ECG",
 *   "both", "neither", "ECG 2"). Inferred when the normalised reference is yes/no/not sure, or is
 *   one item that names an ECG by position or number. Scored by exact match (`exact-match.ts`).
 * - findings: a list ("sinus rhythm, left ventricular hypertrophy", or "none"). Scored by set F1
 *   over the normalised items (lowercased, whitespace collapsed, split like `splitList`):
 *   P = |pred ∩ ref| / |pred|, R = |pred ∩ ref| / |ref|, F1 = 2PR / (P + R); F1 = 1 when both sets
 *   are empty and 0 when only one is. We report the mean per-example F1 and the micro F1 over the
 *   pooled item counts.
 * Exact-match accuracy over all items (both kinds) is reported too.
 * The paper has no such metric (it had a language model grade its multi-ECG answers 0-5).
 */
import { mean } from "./aggregate.js";
import { exactMatch, normalizeAnswer } from "./exact-match.js";
import { splitList } from "./statements.js";

export type MultiKind = "comparison" | "findings";

/** One multi-ECG question to score. */
export interface MultiItem {
  reference: string;
  prediction: string;
  kind?: MultiKind;
}

const CHOICE = /^(yes|no|not sure)$/;
const WHICH_ECG =
  /^(the )?(first|second|third|fourth|last|earlier|later|previous|recent|both|neither|all|none of the)\b.*\b(ecgs?|tracings?|recordings?)$|^(ecg|tracing|recording) ?#?\d+$/;

/** The kind of an item from its reference answer (see the module comment). */
export function inferMultiKind(reference: string): MultiKind {
  const items = splitList(reference.toLowerCase()).map((s) => s.replace(/\s+/g, " "));
  if (items.length === 1 && (CHOICE.test(items[0]!) || WHICH_ECG.test(items[0]!))) return "comparison";
  return "findings";
}

function itemSet(text: string): Set<string> {
  return new Set(normalizeAnswer(text) ? normalizeAnswer(text).split(", ") : []);
}

/** Set precision/recall counts of one findings answer. */
export interface SetCounts {
  truePositives: number;
  predicted: number;
  reference: number;
}

/** Item-set counts of one answer pair. */
export function setCounts(reference: string, prediction: string): SetCounts {
  const r = itemSet(reference);
  const p = itemSet(prediction);
  let tp = 0;
  for (const x of p) if (r.has(x)) tp++;
  return { truePositives: tp, predicted: p.size, reference: r.size };
}

/** F1 of set counts (1 when both sets are empty). */
export function setF1(c: SetCounts): number {
  if (c.predicted === 0 && c.reference === 0) return 1;
  if (c.truePositives === 0) return 0;
  const p = c.truePositives / c.predicted;
  const r = c.truePositives / c.reference;
  return (2 * p * r) / (p + r);
}

/** Multi-ECG results. */
export interface MultiScores {
  n: number;
  /** Exact-match accuracy over all items. */
  accuracy: number;
  comparison: { n: number; accuracy: number };
  findings: { n: number; meanF1: number; microF1: number };
  /** Per-example score in input order: 1/0 for comparisons, F1 for findings. */
  perExample: number[];
}

/** Scores multi-ECG answers (see the module comment). */
export function scoreMulti(items: readonly MultiItem[]): MultiScores {
  const hits: number[] = [];
  const cmp: number[] = [];
  const f1s: number[] = [];
  const pooled: SetCounts = { truePositives: 0, predicted: 0, reference: 0 };
  const perExample = items.map((item) => {
    const hit = exactMatch(item.reference, item.prediction) ? 1 : 0;
    hits.push(hit);
    if ((item.kind ?? inferMultiKind(item.reference)) === "comparison") {
      cmp.push(hit);
      return hit;
    }
    const c = setCounts(item.reference, item.prediction);
    pooled.truePositives += c.truePositives;
    pooled.predicted += c.predicted;
    pooled.reference += c.reference;
    const f = setF1(c);
    f1s.push(f);
    return f;
  });
  return {
    n: items.length,
    accuracy: mean(hits),
    comparison: { n: cmp.length, accuracy: mean(cmp) },
    findings: { n: f1s.length, meanF1: mean(f1s), microF1: f1s.length ? setF1(pooled) : 0 },
    perExample,
  };
}
