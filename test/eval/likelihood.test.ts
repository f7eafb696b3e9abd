import { describe, expect, it } from "vitest";
import type { LabelSet } from "../../src/eval/label-sets.js";
import {
  likelihoodLabelScores,
  logSumExp,
  statementAnswer,
  statementPoints,
} from "../../src/eval/likelihood.js";
import { splitReport } from "../../src/eval/metrics/statements.js";

/**
 * A toy language model over reports: an answer's log-probability is the sum of each statement's
 * log-probability at its position, so the probability of S right after k statements is p(S, k).
 */
const P: Record<string, number[]> = {
  "Normal ECG": [0.5, 0.01, 0.01],
  "Sinus rhythm": [0.05, 0.9, 0.02],
  "Inferior MI": [0.1, 0.2, 0.03],
  "Anterior MI": [0.3, 0.01, 0.01],
};
const toyLogp = (answer: string): number =>
  splitReport(answer).reduce((sum, s, k) => sum + Math.log(P[s]![k]!), 0);

describe("scorer (b): label scores along the model's report", () => {
  const sets: LabelSet[] = [
    {
      name: "super",
      datasets: ["ptb-xl"],
      labels: [
        { name: "MI", aliases: ["Inferior MI", "Anterior MI"] },
        { name: "NORM", aliases: ["Normal ECG"] },
      ],
    },
    { name: "rhythm", datasets: ["ptb-xl"], labels: [{ name: "Sinus rhythm" }, { name: "Normal ECG" }] },
  ];

  it("lists the points where a statement may begin: after Report: and after each statement", () => {
    expect(statementPoints("Report: Normal ECG, Sinus rhythm")).toEqual([
      "Report:",
      "Report: Normal ECG",
      "Report: Normal ECG, Sinus rhythm",
    ]);
    expect(statementPoints("Report: A, A, A")).toEqual(["Report:", "Report: A"]);
    expect(statementPoints("no report at all")).toEqual(["Report:", "Report: no report at all"]);
    expect(statementPoints("")).toEqual(["Report:"]);
  });

  it("scores a statement by its likeliest point and a label by the log-sum-exp of its statements", () => {
    const asked: string[][] = [];
    const got = likelihoodLabelScores(sets, "Report: Normal ECG, Sinus rhythm", (answers) => {
      asked.push(answers);
      return answers.map(toyLogp);
    });
    expect(asked).toHaveLength(1);
    expect(new Set(asked[0]).size).toBe(asked[0]!.length); // every answer once
    expect(asked[0]).toContain("Report: Normal ECG, Inferior MI");
    expect(asked[0]).toContain("Report: Normal ECG, Sinus rhythm, Anterior MI");
    // Sinus rhythm: 0.05 first, 0.9 second, 0.02 third: its best point is the second
    expect(got.rhythm![0]).toBeCloseTo(Math.log(0.9), 12);
    expect(got.rhythm![1]).toBeCloseTo(Math.log(0.5), 12);
    // MI: Inferior at its best 0.2 (second), Anterior 0.3 (first)
    expect(got.super![0]).toBeCloseTo(logSumExp([Math.log(0.2), Math.log(0.3)]), 12);
    expect(statementAnswer("Atrial fibrillation")).toBe("Report: Atrial fibrillation");
  });

  it("with an empty report, is the probability of opening the report with the statement", () => {
    const got = likelihoodLabelScores(sets, "", (answers) => answers.map(toyLogp));
    expect(got.rhythm![0]).toBeCloseTo(Math.log(0.05), 12);
    expect(got.super![1]).toBeCloseTo(Math.log(0.5), 12);
  });

  it("computes log-sum-exp stably", () => {
    expect(logSumExp([-1000, -1000])).toBeCloseTo(-1000 + Math.log(2), 9);
    expect(logSumExp([0])).toBe(0);
    expect(logSumExp([])).toBe(-Infinity);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
  });
});
