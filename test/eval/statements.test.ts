import { describe, expect, it } from "vitest";
import {
  StatementMatcher,
  matchStatements,
  normalizeStatement,
  splitList,
  splitReport,
} from "../../src/eval/metrics/statements.js";

describe("report statements", () => {
  it("splits a report outside parentheses and drops the Report: prefix", () => {
    expect(
      splitReport(
        "Report: sinus rhythm, bigeminal pattern (unknown origin, SV or Ventricular); Normal ECG\n",
      ),
    ).toEqual(["sinus rhythm", "bigeminal pattern (unknown origin, SV or Ventricular)", "Normal ECG"]);
    expect(splitReport("  report:Sinus rhythm")).toEqual(["Sinus rhythm"]);
    expect(splitReport("Report:")).toEqual([]);
    expect(splitList("a,, b ,")).toEqual(["a", "b"]);
    // An unbalanced ")" does not make the depth negative.
    expect(splitList("a), b")).toEqual(["a)", "b"]);
  });

  it("normalises case, punctuation and whitespace", () => {
    expect(normalizeStatement(" Non-specific  ST-T changes. ")).toBe("non specific st t changes");
    expect(normalizeStatement("left atrial overload/enlargement")).toBe("left atrial overload enlargement");
    expect(normalizeStatement("atrial\u00a0premature\u00a0beats")).toBe("atrial premature beats");
  });

  it("matches statements to labels and aliases, listing the rest", () => {
    const m = new StatementMatcher([
      "sinus rhythm",
      { name: "left ventricular hypertrophy", aliases: ["LVH", "voltage criteria (QRS) for LVH"] },
      "atrial fibrillation",
    ]);
    expect(m.labels).toEqual(["sinus rhythm", "left ventricular hypertrophy", "atrial fibrillation"]);
    expect(m.match("Report: Sinus rhythm, lvh, Left axis deviation")).toEqual({
      scores: [1, 1, 0],
      unmatched: ["Left axis deviation"],
    });
    expect(m.match("Report: Voltage criteria (QRS) for LVH.").scores).toEqual([0, 1, 0]);
    expect(matchStatements("garbled output", ["sinus rhythm"])).toEqual([0]);
  });
});
