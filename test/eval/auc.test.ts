import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { macroAuc, rocAuc } from "../../src/eval/metrics/auc.js";

const here = dirname(fileURLToPath(import.meta.url));

describe("rocAuc (scikit-learn roc_auc_score)", () => {
  it("gives tied scores half credit (by hand; sklearn 0.62)", () => {
    const y = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0];
    const s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.2, 0.9, 0.1, 0.7];
    // Positives beat 2, 5, 2 + ½·2, 5, ½·1 of the 5 negatives: 15.5 / 25.
    expect(rocAuc(s, y)).toBeCloseTo(0.62, 15);
  });

  it("matches scikit-learn on 200 examples with many ties", () => {
    const f = JSON.parse(readFileSync(join(here, "fixtures", "sklearn-auc-ties.json"), "utf8")) as {
      y: number[];
      s: number[];
      auc: number;
    };
    expect(rocAuc(f.s, f.y)).toBeCloseTo(f.auc, 14);
  });

  it("is balanced accuracy for binary scores, null for one class, and rejects NaN", () => {
    // TPR 2/3, TNR 2/3 -> 2/3 (sklearn 0.6666666666666667).
    expect(rocAuc([0, 1, 1, 1, 0, 0], [false, false, true, true, true, false])).toBeCloseTo(2 / 3, 15);
    expect(rocAuc([0.2, 0.3], [1, 1])).toBeNull();
    expect(() => rocAuc([NaN, 1], [0, 1])).toThrow(/not finite/);
  });
});

describe("macroAuc", () => {
  it("averages per-label AUCs as sklearn average=None then mean, skipping one-class labels", () => {
    const Y = [
      [1, 0, 1, 0],
      [0, 1, 1, 0],
      [1, 1, 0, 0],
      [0, 0, 1, 0],
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ];
    const S = [
      [0.9, 0.2, 0.5, 0.1],
      [0.3, 0.8, 0.5, 0.2],
      [0.2, 0.6, 0.6, 0.3],
      [0.2, 0.7, 0.7, 0.4],
      [0.6, 0.4, 0.3, 0.5],
      [0.6, 0.1, 0.5, 0.6],
    ];
    const m = macroAuc(S, Y, ["a", "b", "c", "never"]);
    // sklearn on the first three columns: [0.6666666666666666, 0.5555555555555556, 0.6666666666666667].
    expect(m.perLabel.map((l) => l.auc)).toEqual([
      expect.closeTo(2 / 3, 14),
      expect.closeTo(5 / 9, 14),
      expect.closeTo(2 / 3, 14),
      null,
    ]);
    expect(m.macro).toBeCloseTo(0.6296296296296297, 14);
    expect(m.skipped).toEqual(["never"]);
    expect(m.perLabel[0]).toMatchObject({ positives: 3, negatives: 3 });
    expect(macroAuc([[1]], [[1]], ["x"]).macro).toBeNull();
    expect(() => macroAuc([[1, 2]], [[1]], ["x", "y"])).toThrow(/2 labels/);
  });
});
