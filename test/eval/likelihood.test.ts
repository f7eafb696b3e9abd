import { describe, expect, it } from "vitest";
import type { LabelSet } from "../../src/eval/label-sets.js";
import { likelihoodLabelScores, logSumExp, statementAnswer } from "../../src/eval/likelihood.js";

describe("scorer (b): label scores from answer likelihoods", () => {
  it("scores each statement's report answer once and a label as the log-sum-exp of its statements", () => {
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
    const logp: Record<string, number> = {
      "Report: Inferior MI": Math.log(0.1),
      "Report: Anterior MI": Math.log(0.3),
      "Report: Normal ECG": Math.log(0.5),
      "Report: Sinus rhythm": -2,
    };
    const asked: string[][] = [];
    const got = likelihoodLabelScores(sets, (answers) => {
      asked.push(answers);
      return answers.map((a) => logp[a]!);
    });
    expect(asked).toEqual([
      ["Report: Inferior MI", "Report: Anterior MI", "Report: Normal ECG", "Report: Sinus rhythm"],
    ]);
    expect(got.super![0]).toBeCloseTo(Math.log(0.4), 12);
    expect(got.super![1]).toBeCloseTo(Math.log(0.5), 12);
    expect(got.rhythm).toEqual([-2, Math.log(0.5)]);
    expect(statementAnswer("Atrial fibrillation")).toBe("Report: Atrial fibrillation");
  });

  it("computes log-sum-exp stably", () => {
    expect(logSumExp([-1000, -1000])).toBeCloseTo(-1000 + Math.log(2), 9);
    expect(logSumExp([0])).toBe(0);
    expect(logSumExp([])).toBe(-Infinity);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
  });
});
