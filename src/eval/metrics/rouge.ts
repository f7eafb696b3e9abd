/**
 * ROUGE-1, ROUGE-2 and ROUGE-L F1, two ways; each is the mean of per-example F1 over the examples.
 *
 * `paper` — what anyECG-chat's `inference.py` reports: the `rouge` Python package (pltrdy, 1.0.1),
 * `Rouge().get_scores(predictions, references, avg=True)` with its defaults (`exclusive=True`):
 * - sentences: the text split on "."; pieces of length 0 dropped; each piece's whitespace runs
 *   collapsed to one space (a whitespace-only piece becomes the empty sentence "");
 *   words: each sentence split on " " (case kept, punctuation kept: "rhythm," is a word), all
 *   sentences concatenated;
 * - ROUGE-N: the *sets* of distinct n-grams of hypothesis H and reference R (n-grams may cross
 *   sentence ends); P = |H ∩ R| / |H|, R = |H ∩ R| / |R| (0 for an empty set);
 * - ROUGE-L (summary level): for every reference sentence and hypothesis sentence one LCS is
 *   read back from the DP table (on a tie it moves along the hypothesis), and the *set* of words
 *   of all these LCSs is pooled; L = its size; P = L / distinct hypothesis words,
 *   R = L / distinct reference words;
 * - F = 2 P R / (P + R + 1e-8).
 * The package raises on a hypothesis with no sentence (empty, or only periods); we score that
 * example 0 instead and count it (`emptyPredictions`).
 *
 * `rougeScore` — Google's `rouge_score` package, `RougeScorer(["rouge1", "rouge2", "rougeL"])`
 * without stemming: tokens = the text lowercased, every run of characters other than [a-z0-9]
 * replaced by a space, split; ROUGE-N on n-gram *counts* (clipped overlap), P = overlap /
 * max(1, hypothesis n-grams), R = overlap / max(1, reference n-grams); ROUGE-L = LCS of the two
 * token sequences, P = LCS / hypothesis length, R = LCS / reference length (all 0 when either is
 * empty); F = 2 P R / (P + R), 0 when P + R = 0.
 */
import { mean } from "./aggregate.js";
import { whitespaceTokens } from "./bleu.js";

/** F1 of ROUGE-1, ROUGE-2 and ROUGE-L. */
export interface RougeF1 {
  rouge1: number;
  rouge2: number;
  rougeL: number;
}

function lcsTable(x: readonly string[], y: readonly string[]): Int32Array[] {
  const t = Array.from({ length: x.length + 1 }, () => new Int32Array(y.length + 1));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      t[i]![j] = x[i - 1] === y[j - 1] ? t[i - 1]![j - 1]! + 1 : Math.max(t[i - 1]![j]!, t[i]![j - 1]!);
    }
  }
  return t;
}

function ngramSet(words: readonly string[], n: number): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) s.add(words.slice(i, i + n).join("\u0000"));
  return s;
}

function ngramCounter(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const k = tokens.slice(i, i + n).join("\u0000");
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

// ---- the `rouge` package (the paper) ----

/** The package's sentence split: on ".", empty pieces dropped, whitespace collapsed. */
export function paperSentences(text: string): string[] {
  return text
    .split(".")
    .filter((s) => s.length > 0)
    .map((s) => whitespaceTokens(s).join(" "));
}

function paperWords(sentences: readonly string[]): string[] {
  return sentences.flatMap((s) => s.split(" "));
}

function paperF(p: number, r: number): number {
  return 2.0 * ((p * r) / (p + r + 1e-8));
}

function paperRougeN(hyp: readonly string[], ref: readonly string[], n: number): number {
  const h = ngramSet(paperWords(hyp), n);
  const r = ngramSet(paperWords(ref), n);
  let overlap = 0;
  for (const g of h) if (r.has(g)) overlap++;
  return paperF(h.size ? overlap / h.size : 0, r.size ? overlap / r.size : 0);
}

/** Words of the LCS of x (reference) and y read back as the package does (a tie moves along y). */
function paperLcsWords(x: readonly string[], y: readonly string[]): string[] {
  const t = lcsTable(x, y);
  const out: string[] = [];
  let i = x.length;
  let j = y.length;
  while (i > 0 && j > 0) {
    if (x[i - 1] === y[j - 1]) {
      out.push(x[i - 1]!);
      i--;
      j--;
    } else if (t[i - 1]![j]! > t[i]![j - 1]!) i--;
    else j--;
  }
  return out;
}

function paperRougeL(hyp: readonly string[], ref: readonly string[]): number {
  const m = new Set(paperWords(ref)).size;
  const n = new Set(paperWords(hyp)).size;
  const union = new Set<string>();
  for (const r of ref) {
    const rw = r.split(" ");
    for (const h of hyp) for (const w of paperLcsWords(rw, h.split(" "))) union.add(w);
  }
  return paperF(union.size / n, union.size / m);
}

/** One example as the `rouge` package scores it; null where the package would raise. */
export function paperRouge(prediction: string, reference: string): RougeF1 | null {
  const hyp = paperSentences(prediction);
  const ref = paperSentences(reference);
  if (hyp.length === 0 || ref.length === 0) return null;
  return {
    rouge1: paperRougeN(hyp, ref, 1),
    rouge2: paperRougeN(hyp, ref, 2),
    rougeL: paperRougeL(hyp, ref),
  };
}

// ---- Google's rouge_score ----

/** rouge_score's default tokenizer: lowercase, keep runs of [a-z0-9]. */
export function rougeScoreTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .split(/\s+/)
    .filter((t) => /^[a-z0-9]+$/.test(t));
}

function f1(p: number, r: number): number {
  return p + r > 0 ? (2 * p * r) / (p + r) : 0;
}

function scoreNgrams(target: readonly string[], pred: readonly string[], n: number): number {
  const t = ngramCounter(target, n);
  const p = ngramCounter(pred, n);
  let inter = 0;
  let tn = 0;
  let pn = 0;
  for (const [g, c] of t) {
    inter += Math.min(c, p.get(g) ?? 0);
    tn += c;
  }
  for (const c of p.values()) pn += c;
  return f1(inter / Math.max(pn, 1), inter / Math.max(tn, 1));
}

/** One example as `rouge_score.RougeScorer(...).score(reference, prediction)` scores it. */
export function rougeScore(prediction: string, reference: string): RougeF1 {
  const t = rougeScoreTokens(reference);
  const p = rougeScoreTokens(prediction);
  let rougeL = 0;
  if (t.length && p.length) {
    const lcs = lcsTable(t, p)[t.length]![p.length]!;
    rougeL = f1(lcs / p.length, lcs / t.length);
  }
  return { rouge1: scoreNgrams(t, p, 1), rouge2: scoreNgrams(t, p, 2), rougeL };
}

/** Mean ROUGE F1 over a set of answers, both ways. */
export interface ReportRouge {
  /** The `rouge` package, as the paper reports it. */
  paper: RougeF1;
  /** Google's `rouge_score`. */
  rougeScore: RougeF1;
  /** Predictions the `rouge` package would have rejected (scored 0 in `paper`). */
  emptyPredictions: number;
}

/** ROUGE of predictions against one reference each (0 for no example). */
export function reportRouge(references: readonly string[], predictions: readonly string[]): ReportRouge {
  if (references.length !== predictions.length) throw new RangeError("reportRouge: lengths differ");
  const zero: RougeF1 = { rouge1: 0, rouge2: 0, rougeL: 0 };
  let empty = 0;
  const paper = predictions.map((p, i) => {
    const s = paperRouge(p, references[i]!);
    if (!s) empty++;
    return s ?? zero;
  });
  const google = predictions.map((p, i) => rougeScore(p, references[i]!));
  const avg = (xs: RougeF1[]): RougeF1 => ({
    rouge1: mean(xs.map((x) => x.rouge1)),
    rouge2: mean(xs.map((x) => x.rouge2)),
    rougeL: mean(xs.map((x) => x.rougeL)),
  });
  return { paper: avg(paper), rougeScore: avg(google), emptyPredictions: empty };
}
