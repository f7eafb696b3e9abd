import { describe, expect, it } from "vitest";
import {
  brevityPenalty,
  corpusBleu,
  fsum,
  reportBleu,
  whitespaceTokens,
} from "../../src/eval/metrics/bleu.js";

// Reference values: NLTK 3.10.3 `corpus_bleu` (no smoothing), run on the same inputs.
const hyp1 =
  "It is a guide to action which ensures that the military always obeys the commands of the party".split(" ");
const ref1a = "It is a guide to action that ensures that the military will forever heed Party commands".split(
  " ",
);
const ref1b =
  "It is the guiding principle which guarantees the military forces always being under the command of the Party".split(
    " ",
  );
const ref1c = "It is the practical guide for the army always to heed the directions of the party".split(" ");
const hyp2 = "he read the book because he was interested in world history".split(" ");
const ref2a = "he was interested in world history because he read the book".split(" ");
const refs = [[ref1a, ref1b, ref1c], [ref2a]];
const hyps = [hyp1, hyp2];

describe("corpusBleu (NLTK corpus_bleu)", () => {
  it("matches NLTK on its documented corpus example, for several weightings", () => {
    expect(corpusBleu(refs, hyps)).toBeCloseTo(0.5920778868801042, 14);
    expect(corpusBleu(refs, hyps, [1, 0, 0, 0])).toBeCloseTo(0.9655172413793104, 14);
    expect(corpusBleu(refs, hyps, [0, 1, 0, 0])).toBeCloseTo(0.7037037037037037, 14);
    expect(corpusBleu(refs, hyps, [0, 0, 1, 0])).toBeCloseTo(0.52, 14);
    expect(corpusBleu(refs, hyps, [0, 0, 0, 1])).toBeCloseTo(0.3478260869565218, 14);
    expect(corpusBleu(refs, hyps, [0.5, 0.5])).toBeCloseTo(0.8242803277698696, 14);
    expect(corpusBleu(refs, hyps, [1 / 3, 1 / 3, 1 / 3])).toBeCloseTo(0.7069430098960677, 14);
  });

  it("counts max(1, n-grams) for a hypothesis shorter than n, and ~0 for an order without a match", () => {
    // "a b" vs "a b c d e": unigrams 2/2, bigrams 1/1, trigrams 0/1 (max(1, 0)).
    // "x y z" vs "x y": unigrams 2/3, bigrams 1/2, trigrams 0/1. p1 = 4/5, p2 = 2/3, p3 = 0 -> float min.
    // c = 5, r = 5 + 2 = 7 -> BP = exp(1 - 7/5).
    const r = [["a b c d e".split(" ")], [["x", "y"]]];
    const h = [
      ["a", "b"],
      ["x", "y", "z"],
    ];
    const bp = Math.exp(1 - 7 / 5);
    expect(brevityPenalty(7, 5)).toBeCloseTo(bp, 15);
    expect(corpusBleu(r, h, [1, 0, 0, 0])).toBeCloseTo(bp * 0.8, 14); // NLTK: 0.5362560368285115
    expect(corpusBleu(r, h, [1, 0, 0, 0])).toBeCloseTo(0.5362560368285115, 14);
    expect(corpusBleu(r, h, [0, 1, 0, 0])).toBeCloseTo(0.4468800306904262, 14);
    expect(corpusBleu(r, h, [0.5, 0.5])).toBeCloseTo(0.4895325466154948, 14);
    // NLTK returns BP * 2.2e-308 here (1.491511611267286e-308) and 8.5e-155 for uniform weights.
    expect(corpusBleu(r, h, [0, 0, 1, 0])).toBeCloseTo(1.491511611267286e-308, 320);
    expect(corpusBleu(r, h) / 8.544843341865795e-155).toBeCloseTo(1, 12);
  });

  it("is 0 without any unigram match, and 0-length hypotheses take part in BP", () => {
    expect(corpusBleu([[["a", "b"]]], [["c", "d"]])).toBe(0);
    // hyps "", "c" vs refs "a b", "c": p1 = 1/(1+1) (max(1, 0) for the empty one), c = 1, r = 2 + 1.
    expect(corpusBleu([[["a", "b"]], [["c"]]], [[], ["c"]], [1, 0, 0, 0])).toBeCloseTo(
      0.5 * Math.exp(1 - 3),
      15,
    );
    expect(corpusBleu([[["a", "b"]], [["c"]]], [[], ["c"]], [1, 0, 0, 0])).toBeCloseTo(
      0.06766764161830635,
      15,
    );
  });

  it("takes the closest reference length, the shorter one on a tie", () => {
    const a = (n: number): string[] => new Array<string>(n).fill("a");
    expect(corpusBleu([[a(13), a(11)]], [a(12)], [1])).toBe(1);
    expect(corpusBleu([[a(13), a(2)]], [a(12)], [1])).toBeCloseTo(0.9200444146293233, 15);
  });
});

describe("reportBleu", () => {
  it("scores full answer strings on whitespace tokens (worked out by hand, and as NLTK)", () => {
    const R = [
      "Report: Sinus rhythm, Left ventricular hypertrophy",
      "Report: Atrial fibrillation, Non-specific ST changes",
      "Report: Sinus bradycardia",
      "Report: Sinus rhythm, Normal ECG",
    ];
    const P = [
      "Report: Sinus rhythm, Left ventricular hypertrophy, Left axis deviation",
      "Report: Atrial fibrillation",
      "Report: Sinus rhythm",
      "Report: Sinus rhythm, Normal  ECG",
    ];
    // Unigrams: 5/9 ("hypertrophy," is not "hypertrophy"; the second "Left" is clipped), 2/3
    // ("fibrillation" vs "fibrillation,"), 2/3, 5/5 -> 14/20. Bigrams: 4/8 + 1/2 + 1/2 + 4/4 = 10/16.
    // Lengths 20 and 20 -> BP = 1.
    const b = reportBleu(R, P);
    expect(b.individual[0]).toBeCloseTo(0.7, 14);
    expect(b.individual[1]).toBeCloseTo(0.625, 14);
    expect(b.individual[2]).toBeCloseTo(0.5, 14);
    expect(b.individual[3]).toBeCloseTo(0.4, 14);
    expect(b.cumulative[0]).toBeCloseTo(0.7, 14);
    expect(b.cumulative[1]).toBeCloseTo(Math.sqrt(0.7 * 0.625), 14); // NLTK 0.6614378277661476
    expect(b.cumulative[2]).toBeCloseTo(0.6025355660438075, 14);
    expect(b.cumulative[3]).toBeCloseTo(0.5438786529686386, 14);
  });

  it("splits on whitespace as Python's str.split()", () => {
    expect(whitespaceTokens("  a\tb\u00a0c\u001fd\ufeffe \n")).toEqual(["a", "b", "c", "d\ufeffe"]);
    expect(whitespaceTokens("")).toEqual([]);
  });

  it("fsum is exact where naive summation is not", () => {
    expect(fsum([1e16, 1, -1e16])).toBe(1);
    expect(fsum([0.1, 0.1, 0.1, -0.3])).toBe(2.7755575615628914e-17);
    expect(fsum([])).toBe(0);
  });
});
