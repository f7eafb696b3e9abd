import { describe, expect, it } from "vitest";
import { macroF1 } from "../../src/eval/metrics/f1.js";

describe("macroF1", () => {
  it("gives each label 2TP / (2TP + FP + FN) and skips labels with nothing to count (by hand)", () => {
    // label a: pred [1,1,0,0] truth [1,0,1,0] -> TP 1, FP 1, FN 1 -> 0.5
    // label b: pred [1,1,1,1] truth [1,1,1,1] -> 1
    // label c: pred [0,0,0,0] truth [0,0,0,0] -> skipped
    // label d: pred [0,0,0,0] truth [0,1,0,0] -> 0
    const pred = [
      [1, 1, 0, 0],
      [1, 1, 0, 0],
      [0, 1, 0, 0],
      [0, 1, 0, 0],
    ];
    const truth = [
      [1, 1, 0, 0],
      [0, 1, 0, 1],
      [1, 1, 0, 0],
      [0, 1, 0, 0],
    ];
    const r = macroF1(pred, truth, ["a", "b", "c", "d"]);
    expect(r.perLabel.map((l) => l.f1)).toEqual([0.5, 1, null, 0]);
    expect(r.perLabel[0]).toEqual({ label: "a", f1: 0.5, tp: 1, fp: 1, fn: 1 });
    expect(r.skipped).toEqual(["c"]);
    expect(r.macro).toBeCloseTo(1.5 / 3, 15);
    expect(macroF1([[0]], [[0]], ["x"]).macro).toBeNull();
  });

  it("rejects rows of the wrong width", () => {
    expect(() => macroF1([[1, 0]], [[1]], ["a", "b"])).toThrow(/example 0 does not have 2 labels/);
    expect(() => macroF1([[1]], [], ["a"])).toThrow(/differ in length/);
  });
});
