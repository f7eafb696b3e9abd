/**
 * Differential check: BLEU and both ROUGEs against the reference implementations' numbers on 60
 * report-like pairs (40 near-copies with edits, 20 unrelated; repeated words, case, punctuation
 * and "." sentence breaks). The fixture's values were computed in Python: NLTK 3.10.3
 * `corpus_bleu`, and the algorithms of the `rouge` (pltrdy 1.0.1) and `rouge_score` packages.
 */
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { reportBleu } from "../../src/eval/metrics/bleu.js";
import { paperRouge, rougeScore, type RougeF1 } from "../../src/eval/metrics/rouge.js";

interface Fixture {
  pairs: { reference: string; prediction: string; paper: RougeF1; rougeScore: RougeF1 }[];
  bleu: { i1: number; i2: number; i3: number; i4: number; c4: number };
}
const f = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures", "reference-scores.json"), "utf8"),
) as Fixture;

describe("agreement with the reference implementations", () => {
  it("BLEU-1..4 (individual) and cumulative BLEU-4 equal NLTK corpus_bleu", () => {
    const b = reportBleu(
      f.pairs.map((p) => p.reference),
      f.pairs.map((p) => p.prediction),
    );
    expect(b.individual[0]).toBeCloseTo(f.bleu.i1, 14);
    expect(b.individual[1]).toBeCloseTo(f.bleu.i2, 14);
    expect(b.individual[2]).toBeCloseTo(f.bleu.i3, 14);
    expect(b.individual[3]).toBeCloseTo(f.bleu.i4, 14);
    expect(b.cumulative[3]).toBeCloseTo(f.bleu.c4, 14);
  });

  it("ROUGE-1/2/L F1 equal the `rouge` and `rouge_score` packages on every pair", () => {
    for (const p of f.pairs) {
      const paper = paperRouge(p.prediction, p.reference)!;
      const google = rougeScore(p.prediction, p.reference);
      for (const k of ["rouge1", "rouge2", "rougeL"] as const) {
        expect(paper[k], `${k} paper: ${p.prediction} | ${p.reference}`).toBeCloseTo(p.paper[k], 13);
        expect(google[k], `${k} rouge_score: ${p.prediction} | ${p.reference}`).toBeCloseTo(
          p.rougeScore[k],
          13,
        );
      }
    }
  });
});
