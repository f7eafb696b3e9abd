import { describe, expect, it } from "vitest";
import {
  paperRouge,
  paperSentences,
  reportRouge,
  rougeScore,
  rougeScoreTokens,
} from "../../src/eval/metrics/rouge.js";

// Worked out by hand from the two packages' definitions (see src/eval/metrics/rouge.ts).
const F = (p: number, r: number): number => 2 * ((p * r) / (p + r + 1e-8)); // the `rouge` package's F

describe("paperRouge (the `rouge` package, as anyECG-chat)", () => {
  it("scores a report pair on case- and punctuation-keeping words", () => {
    // Words: Report: Sinus rhythm, Left axis deviation / Report: Sinus rhythm, Left ventricular hypertrophy.
    // ROUGE-1: 4 of 6 distinct words shared. ROUGE-2: 3 of 5 bigrams. ROUGE-L: LCS = 4 words.
    const s = paperRouge(
      "Report: Sinus rhythm, Left axis deviation",
      "Report: Sinus rhythm, Left ventricular hypertrophy",
    )!;
    expect(s.rouge1).toBeCloseTo(F(4 / 6, 4 / 6), 12);
    expect(s.rouge2).toBeCloseTo(F(3 / 5, 3 / 5), 12);
    expect(s.rougeL).toBeCloseTo(F(4 / 6, 4 / 6), 12);
    // Case counts: only "rhythm" of the 3 words is shared.
    expect(paperRouge("report: sinus rhythm", "Report: Sinus rhythm")!.rouge1).toBeCloseTo(
      F(1 / 3, 1 / 3),
      12,
    );
  });

  it("counts distinct n-grams (sets), unlike rouge_score's counts", () => {
    const s = paperRouge("the the the", "the cat")!;
    expect(s.rouge1).toBeCloseTo(F(1, 1 / 2), 12); // {the} vs {the, cat}
    expect(s.rouge2).toBe(0);
    expect(s.rougeL).toBeCloseTo(F(1, 1 / 2), 12);
    expect(rougeScore("the the the", "the cat").rouge1).toBeCloseTo(0.4, 14); // P 1/3, R 1/2
  });

  it("splits sentences on '.', n-grams cross sentences, ROUGE-L is summary level", () => {
    expect(paperSentences("Normal ECG. Sinus  rhythm.")).toEqual(["Normal ECG", "Sinus rhythm"]);
    const s = paperRouge("Sinus rhythm. Normal ECG", "Normal ECG. Sinus rhythm.")!;
    expect(s.rouge1).toBeCloseTo(F(1, 1), 12);
    // Bigrams {Sinus rhythm, rhythm Normal, Normal ECG} vs {Normal ECG, ECG Sinus, Sinus rhythm}.
    expect(s.rouge2).toBeCloseTo(F(2 / 3, 2 / 3), 12);
    // Each reference sentence finds itself among the hypothesis sentences: union LCS = all 4 words.
    expect(s.rougeL).toBeCloseTo(F(1, 1), 12);
    // rouge_score takes one LCS over the whole token sequences: 2 of 4.
    expect(rougeScore("Sinus rhythm. Normal ECG", "Normal ECG. Sinus rhythm.").rougeL).toBeCloseTo(0.5, 14);
  });

  it("reads the LCS back as the package does (a tie moves along the hypothesis)", () => {
    // Reference sentence "a b" vs hypothesis "b a": the read-back LCS is "b"; with sentence "a" the
    // union is {a, b}: L = 2 of 2 words. Reading back "a" instead would give L = 1.
    expect(paperRouge("b a", "a b. a")!.rougeL).toBeCloseTo(F(1, 1), 12);
  });

  it("keeps the package's quirks: a whitespace-only piece is an empty word; no sentence is an error", () => {
    // "Sinus rhythm. " -> sentences "Sinus rhythm" and "" -> words {Sinus, rhythm, ""}.
    expect(paperRouge("Sinus rhythm. ", "Sinus rhythm")!.rouge1).toBeCloseTo(F(2 / 3, 1), 12);
    expect(paperRouge("", "Sinus rhythm")).toBeNull();
    expect(paperRouge("...", "Sinus rhythm")).toBeNull();
  });
});

describe("rougeScore (Google's rouge_score)", () => {
  it("lowercases and keeps [a-z0-9] runs", () => {
    expect(rougeScoreTokens("Report: Non-specific ST-T changes, 1st AV-block.")).toEqual([
      "report",
      "non",
      "specific",
      "st",
      "t",
      "changes",
      "1st",
      "av",
      "block",
    ]);
  });

  it("scores n-gram counts and the sentence LCS", () => {
    const s = rougeScore(
      "Report: Sinus rhythm, Left axis deviation",
      "Report: Sinus rhythm, Left ventricular hypertrophy",
    );
    expect(s.rouge1).toBeCloseTo(4 / 6, 14);
    expect(s.rouge2).toBeCloseTo(3 / 5, 14);
    expect(s.rougeL).toBeCloseTo(4 / 6, 14);
    expect(rougeScore("", "a b")).toEqual({ rouge1: 0, rouge2: 0, rougeL: 0 });
  });
});

describe("reportRouge", () => {
  it("averages per-example F1 and counts predictions the package would reject", () => {
    const r = reportRouge(["Sinus rhythm", "Sinus rhythm"], ["Sinus rhythm", ""]);
    expect(r.paper.rouge1).toBeCloseTo(F(1, 1) / 2, 12);
    expect(r.rougeScore.rouge1).toBeCloseTo(0.5, 14);
    expect(r.emptyPredictions).toBe(1);
  });
});
