/**
 * Report statements matched to label names: scorer (a) of the report AUC (see `auc.ts`), and the
 * way reference reports become label sets.
 *
 * - Split: a leading `Report:` (any case) is dropped; the rest is split on "," ";" and line breaks
 *   that are not inside parentheses, so a label such as "bigeminal pattern (unknown origin, SV or
 *   Ventricular)" stays whole (anyECG-chat splits on ", " everywhere).
 * - Normalise: Unicode NFKC, lowercase, every run of characters other than letters and digits
 *   becomes one space, trimmed ("ST-T changes" and "st/t  changes." both give "st t changes").
 * - Match: a statement matches a label when its normal form equals the normal form of the
 *   label's name or of one of its aliases. Each label scores 1 when some statement matches it,
 *   else 0. Statements that match nothing are returned for error analysis.
 */

/** A label with the names a report may use for it. */
export interface LabelSpec {
  name: string;
  aliases?: readonly string[];
}

/** Splits a list answer on "," ";" and line breaks outside parentheses; items trimmed, empties dropped. */
export function splitList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(" || ch === "[") depth++;
    else if ((ch === ")" || ch === "]") && depth > 0) depth--;
    if (depth === 0 && (ch === "," || ch === ";" || ch === "\n" || ch === "\r")) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The statements of a report answer (`Report: a, b, c` → [a, b, c]). */
export function splitReport(text: string): string[] {
  return splitList(text.trim().replace(/^report\s*:/i, ""));
}

/** Case, punctuation and whitespace folded away (see the module comment). */
export function normalizeStatement(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Result of matching one report. */
export interface StatementMatch {
  /** 1 or 0 per label, in the matcher's label order. */
  scores: number[];
  /** Statements (as written) that matched no label. */
  unmatched: string[];
}

/** Matches report statements against a fixed list of labels. */
export class StatementMatcher {
  readonly labels: readonly string[];
  private readonly index = new Map<string, number[]>();

  constructor(labels: readonly (string | LabelSpec)[]) {
    const specs = labels.map((l) => (typeof l === "string" ? { name: l } : l));
    this.labels = specs.map((s) => s.name);
    specs.forEach((s, k) => {
      for (const form of [s.name, ...(s.aliases ?? [])]) {
        const key = normalizeStatement(form);
        if (!key) continue;
        const ks = this.index.get(key) ?? [];
        if (!ks.includes(k)) ks.push(k);
        this.index.set(key, ks);
      }
    });
  }

  /** Label scores of a report answer (the text after `Report:`). */
  match(report: string): StatementMatch {
    const scores = new Array<number>(this.labels.length).fill(0);
    const unmatched: string[] = [];
    for (const st of splitReport(report)) {
      const ks = this.index.get(normalizeStatement(st));
      if (ks) for (const k of ks) scores[k] = 1;
      else unmatched.push(st);
    }
    return { scores, unmatched };
  }
}

/** One-off form of `new StatementMatcher(labels).match(report).scores`. */
export function matchStatements(report: string, labels: readonly (string | LabelSpec)[]): number[] {
  return new StatementMatcher(labels).match(report).scores;
}
