import { describe, expect, it } from "vitest";
import { inferMultiKind, scoreMulti, setCounts, setF1 } from "../../src/eval/metrics/multi.js";

describe("multi-ECG answers", () => {
  it("tells comparison answers from lists of findings", () => {
    expect(inferMultiKind("Yes")).toBe("comparison");
    expect(inferMultiKind("not sure")).toBe("comparison");
    expect(inferMultiKind("The second ECG")).toBe("comparison");
    expect(inferMultiKind("both ECGs")).toBe("comparison");
    expect(inferMultiKind("ECG 3")).toBe("comparison");
    expect(inferMultiKind("sinus rhythm")).toBe("findings");
    expect(inferMultiKind("sinus rhythm, left ventricular hypertrophy")).toBe("findings");
    expect(inferMultiKind("none")).toBe("findings");
  });

  it("computes set F1 over items (by hand)", () => {
    // pred {a, b, c} vs ref {b, c, d, e}: P 2/3, R 2/4 -> F1 = 2·(1/3)/(7/6) = 4/7.
    const c = setCounts("b, c, d, e", "A, b, c, c");
    expect(c).toEqual({ truePositives: 2, predicted: 3, reference: 4 });
    expect(setF1(c)).toBeCloseTo(4 / 7, 15);
    expect(setF1(setCounts("", ""))).toBe(1);
    expect(setF1(setCounts("a", ""))).toBe(0);
  });

  it("scores accuracy, comparison accuracy and findings F1", () => {
    const s = scoreMulti([
      { reference: "yes", prediction: "Yes" },
      { reference: "the first ECG", prediction: "the second ECG" },
      { reference: "b, c, d, e", prediction: "a, b, c" },
      { reference: "none", prediction: "none" },
      { reference: "sinus rhythm", prediction: "sinus rhythm", kind: "comparison" },
    ]);
    expect(s.perExample).toEqual([1, 0, expect.closeTo(4 / 7, 15), 1, 1]);
    expect(s.accuracy).toBeCloseTo(3 / 5, 15);
    expect(s.comparison).toEqual({ n: 3, accuracy: 2 / 3 });
    expect(s.findings.n).toBe(2);
    expect(s.findings.meanF1).toBeCloseTo((4 / 7 + 1) / 2, 15);
    // Pooled: TP 3, predicted 4, reference 5 -> P 3/4, R 3/5 -> F1 2/3.
    expect(s.findings.microF1).toBeCloseTo(2 / 3, 15);
  });
});
