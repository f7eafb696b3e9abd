/**
 * BLEU exactly as NLTK's `nltk.translate.bleu_score.corpus_bleu` (NLTK 3.9/3.10) with its
 * defaults: no smoothing, no auto re-weighting.
 *
 * Tokens: the whole answer string split on whitespace as Python's `str.split()` does, so the
 * `Report:` prefix and the commas stay attached to their words ("Report:", "rhythm,"): this is
 * what anyECG-chat's `inference.py` does (`corpus_bleu([[r.split()] ...], [p.split() ...])`), and
 * we keep it so our numbers compare with the paper's table.
 *
 * Definition (one reference per hypothesis here, several allowed):
 * - per order n, over the corpus: matches_n = sum of clipped n-gram counts (each hypothesis
 *   n-gram counted at most as often as in the reference where it is most frequent);
 *   totals_n = sum over hypotheses of max(1, number of hypothesis n-grams) — NLTK's max(1, ·)
 *   means a hypothesis shorter than n still adds 1 to the denominator;
 * - c = total hypothesis length; r = sum of the closest reference lengths (ties: the shorter);
 *   BP = 1 if c > r, 0 if c = 0, else exp(1 - r / c);
 * - BLEU = 0 if matches_1 = 0; otherwise BP * exp(sum_n w_n * log p_n) with p_n = matches_n /
 *   totals_n, where a zero p_n is replaced by the smallest normal double (2.2e-308), as NLTK's
 *   method0 does — so the score is ~0 whenever an order with a non-zero weight has no match.
 *
 * Which BLEU-n: the paper's code reports *individual* n-gram scores, BLEU-n with weight 1 on
 * order n alone (`weights=(0, 0, 1, 0)` for BLEU-3). The usual *cumulative* BLEU-n (uniform
 * weights 1/n on orders 1..n, NLTK's default for n = 4) is reported beside it.
 */

/** Python's `str.split()` whitespace: JS `\s` without U+FEFF, plus U+001C..U+001F and U+0085. */
const PY_WHITESPACE =
  // eslint-disable-next-line no-control-regex -- U+001C..U+001F are whitespace to Python
  /[\t\n\v\f\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Splits like Python's `str.split()` with no argument. */
export function whitespaceTokens(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((t) => t.length > 0);
}

/** Corpus n-gram statistics, from which any weighting's BLEU follows. */
export interface BleuStats {
  /** Clipped matches per order (index 0 = unigrams). */
  matches: number[];
  /** Denominators per order (index 0 = unigrams). */
  totals: number[];
  hypLength: number;
  /** Sum of the closest reference lengths. */
  refLength: number;
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  // Keys join tokens with NUL: model answers and references never contain one.
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = n === 1 ? tokens[i]! : tokens.slice(i, i + n).join("\u0000");
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

function closestRefLength(refs: readonly (readonly string[])[], hypLen: number): number {
  let best = Infinity;
  for (const r of refs) {
    const d = Math.abs(r.length - hypLen);
    const bd = Math.abs(best - hypLen);
    if (d < bd || (d === bd && r.length < best)) best = r.length;
  }
  return best;
}

/** Corpus statistics for orders 1..maxN. `references[i]` lists the references of `hypotheses[i]`. */
export function bleuStats(
  references: readonly (readonly (readonly string[])[])[],
  hypotheses: readonly (readonly string[])[],
  maxN = 4,
): BleuStats {
  if (references.length !== hypotheses.length)
    throw new RangeError("bleuStats: references and hypotheses differ in count");
  const matches = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let hypLength = 0;
  let refLength = 0;
  for (let k = 0; k < hypotheses.length; k++) {
    const hyp = hypotheses[k]!;
    const refs = references[k]!;
    if (refs.length === 0) throw new RangeError(`bleuStats: hypothesis ${k} has no reference`);
    for (let n = 1; n <= maxN; n++) {
      const counts = ngramCounts(hyp, n);
      const refCounts = refs.map((r) => ngramCounts(r, n));
      let clipped = 0;
      let count = 0;
      for (const [g, c] of counts) {
        let max = 0;
        for (const rc of refCounts) max = Math.max(max, rc.get(g) ?? 0);
        clipped += Math.min(c, max);
        count += c;
      }
      matches[n - 1]! += clipped;
      totals[n - 1]! += Math.max(1, count);
    }
    hypLength += hyp.length;
    refLength += closestRefLength(refs, hyp.length);
  }
  return { matches, totals, hypLength, refLength };
}

/** NLTK's brevity penalty on corpus lengths. */
export function brevityPenalty(refLength: number, hypLength: number): number {
  if (hypLength > refLength) return 1;
  if (hypLength === 0) return 0;
  return Math.exp(1 - refLength / hypLength);
}

/** Python's `math.fsum`: the correctly rounded sum (Shewchuk's partials). */
export function fsum(values: readonly number[]): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let hi = 0;
  let n = partials.length;
  if (n > 0) {
    hi = partials[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n]!;
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    // Half-way case correction, as in CPython.
    if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
  }
  return hi;
}

const FLOAT_MIN = 2.2250738585072014e-308; // Python's sys.float_info.min

/** BLEU for one weighting from corpus statistics (`weights.length <= stats.matches.length`). */
export function bleuFromStats(stats: BleuStats, weights: readonly number[]): number {
  if (weights.length > stats.matches.length) throw new RangeError("bleuFromStats: more weights than orders");
  if (stats.matches[0] === 0) return 0;
  const bp = brevityPenalty(stats.refLength, stats.hypLength);
  const terms = weights.map((w, i) => {
    const m = stats.matches[i]!;
    const p = m === 0 ? FLOAT_MIN : m / stats.totals[i]!;
    return w * Math.log(p);
  });
  return bp * Math.exp(fsum(terms));
}

/** `nltk.translate.bleu_score.corpus_bleu(references, hypotheses, weights)` on token lists. */
export function corpusBleu(
  references: readonly (readonly (readonly string[])[])[],
  hypotheses: readonly (readonly string[])[],
  weights: readonly number[] = [0.25, 0.25, 0.25, 0.25],
): number {
  return bleuFromStats(bleuStats(references, hypotheses, weights.length), weights);
}

/** BLEU-1..4 of a set of answers, both ways (see the module comment). */
export interface ReportBleu {
  /** Individual BLEU-n (weight 1 on order n): the paper's `bleu_1`..`bleu_4`. */
  individual: [number, number, number, number];
  /** Cumulative BLEU-n (uniform weights on orders 1..n). */
  cumulative: [number, number, number, number];
}

/** BLEU of predictions against one reference each, on whitespace tokens of the full strings. */
export function reportBleu(references: readonly string[], predictions: readonly string[]): ReportBleu {
  const stats = bleuStats(
    references.map((r) => [whitespaceTokens(r)]),
    predictions.map((p) => whitespaceTokens(p)),
    4,
  );
  const one = (n: number): number[] => [0, 0, 0, 0].map((_, i) => (i === n - 1 ? 1 : 0));
  const upTo = (n: number): number[] => Array.from({ length: n }, () => 1 / n);
  const pick = (f: (n: number) => number[]): [number, number, number, number] =>
    [1, 2, 3, 4].map((n) => bleuFromStats(stats, f(n))) as [number, number, number, number];
  return { individual: pick(one), cumulative: pick(upTo) };
}
