import { describe, expect, it } from "vitest";
import { exactMatch, normalizeAnswer, scoreQa } from "../../src/eval/metrics/exact-match.js";

describe("ECG-QA exact match", () => {
  it("ignores case, surrounding whitespace and list order, not punctuation", () => {
    expect(exactMatch("yes", " Yes\n")).toBe(true);
    expect(exactMatch("qt interval, p duration", "P duration,QT  interval")).toBe(true);
    expect(exactMatch("yes", "yes.")).toBe(false);
    expect(exactMatch("qt interval, p duration", "qt interval")).toBe(false);
    expect(exactMatch("not sure", "no")).toBe(false);
    expect(normalizeAnswer("B, a, voltage criteria (QRS) for LVH")).toBe(
      "a, b, voltage criteria (qrs) for lvh",
    );
  });

  it("gives micro and macro accuracy over question types (by hand)", () => {
    const s = scoreQa([
      { reference: "yes", prediction: "yes", questionType: "single-verify" },
      { reference: "no", prediction: "yes", questionType: "single-verify" },
      { reference: "no", prediction: "no", questionType: "single-verify" },
      { reference: "a, b", prediction: "b, a", questionType: "single-query" },
    ]);
    expect(s.hits).toEqual([1, 0, 1, 1]);
    expect(s.correct).toBe(3);
    expect(s.microAccuracy).toBeCloseTo(0.75, 15);
    expect(s.macroAccuracy).toBeCloseTo((2 / 3 + 1) / 2, 15);
    expect(s.perType["single-verify"]).toEqual({ n: 3, mean: 2 / 3 });
    expect(scoreQa([{ reference: "x", prediction: "x" }]).perType).toEqual({ all: { n: 1, mean: 1 } });
  });
});
