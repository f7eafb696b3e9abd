import { describe, expect, it } from "vitest";
import {
  intervalIoU,
  parseLocalizationIntervals,
  scoreLocalization,
  scoreLocalizationAnswer,
} from "../../src/eval/metrics/iou.js";

const iou = (ref: string, pred: string): number => scoreLocalizationAnswer(ref, pred).iou;

describe("localization IoU (the paper's rule)", () => {
  it("divides the total intersection by the length of the union (by hand)", () => {
    // [1.3, 2.9] vs [1.5, 3.1]: 1.4 / 1.8.
    expect(iou("Duration: 1.3s-2.9s", "Duration: 1.5s-3.1s")).toBeCloseTo(1.4 / 1.8, 12);
    // [0,1] + [2,3] vs [0.5, 2.5]: (0.5 + 0.5) / 3.
    expect(iou("Duration: 0.0s-1.0s, 2.0s-3.0s", "Duration: 0.5s-2.5s")).toBeCloseTo(1 / 3, 12);
    // Disjoint: 0; the same intervals written differently: 1.
    expect(iou("Duration: 0.0s-1.0s", "Duration: 2.0s-3.0s")).toBe(0);
    expect(iou("Duration: 0.0s-1.0s", "duration: 0 - 1 s.")).toBe(1);
  });

  it("scores No ... Found: 1 when both say it, 0 when only one does", () => {
    expect(
      iou("No Premature ventricular contraction Found", "No Premature ventricular contraction Found"),
    ).toBe(1);
    expect(iou("No Premature ventricular contraction Found", "No Atrial premature beat Found")).toBe(1);
    expect(iou("No Premature ventricular contraction Found", "Duration: 1.0s-2.0s")).toBe(0);
    expect(iou("Duration: 1.0s-2.0s", "No Premature ventricular contraction Found")).toBe(0);
  });

  it("scores unreadable answers 0 without throwing", () => {
    expect(iou("Duration: 1.0s-2.0s", "It is around two seconds.")).toBe(0);
    expect(iou("Duration: 1.0s-2.0s", "Duration: 2.0s-1.0s")).toBe(0);
    expect(iou("Duration: 1.0s-2.0s", "")).toBe(0);
    // Identical text scores 1 even when unreadable (the paper compares the strings first).
    expect(iou("??", "??")).toBe(1);
  });

  it("merges a prediction's own overlapping intervals (the paper's pairwise sum would give 2)", () => {
    expect(iou("Duration: 0.0s-2.0s", "Duration: 0.0s-2.0s, 0.0s-2.0s")).toBe(1);
    expect(
      intervalIoU(
        [{ start: 0, end: 2 }],
        [
          { start: 0, end: 1 },
          { start: 0.5, end: 2 },
        ],
      ),
    ).toBe(1);
  });

  it("is 0 for zero-length intervals that are not identical text", () => {
    expect(intervalIoU([{ start: 1, end: 1 }], [{ start: 1, end: 1 }])).toBe(0);
  });
});

describe("parseLocalizationIntervals", () => {
  it("reads our format and small variations", () => {
    expect(parseLocalizationIntervals("Duration: 0.4s-3.7s, 4.6s-9.3s")).toEqual([
      { start: 0.4, end: 3.7 },
      { start: 4.6, end: 9.3 },
    ]);
    expect(parseLocalizationIntervals("DURATION: 1 to 2s; 3s – 4 s.")).toEqual([
      { start: 1, end: 2 },
      { start: 3, end: 4 },
    ]);
    expect(parseLocalizationIntervals("No Left bundle branch block beat Found")).toEqual([]);
    expect(parseLocalizationIntervals("Duration: 1.0s")).toBeNull();
    expect(parseLocalizationIntervals("Duration: ")).toBeNull();
    expect(parseLocalizationIntervals("Not found")).toBeNull();
  });
});

describe("scoreLocalization", () => {
  const items = [
    { reference: "Duration: 1.0s-2.0s", prediction: "Duration: 1.0s-2.0s", abnormalType: "V" },
    { reference: "Duration: 0.0s-1.0s", prediction: "Duration: 0.5s-1.0s", abnormalType: "V" },
    { reference: "No Atrial premature beat Found", prediction: "garbled", abnormalType: "A", id: "x7" },
  ];

  it("gives micro, macro and per-type IoU and lists unreadable answers", () => {
    const s = scoreLocalization(items);
    expect(s.n).toBe(3);
    expect(s.ious).toEqual([1, 0.5, 0]);
    expect(s.microIoU).toBeCloseTo(0.5, 15); // (1 + 0.5 + 0) / 3
    expect(s.macroIoU).toBeCloseTo(0.375, 15); // (0.75 + 0) / 2
    expect(s.perType.V).toMatchObject({ n: 2, mean: 0.75 });
    expect(s.perType.A).toMatchObject({ n: 1, mean: 0 });
    expect(s.unreadable).toEqual([{ index: 2, id: "x7", side: "prediction", text: "garbled" }]);
  });

  it("counts detected reference intervals and true predicted intervals (positive overlap only)", () => {
    const s = scoreLocalization([
      {
        reference: "Duration: 0.0s-1.0s, 2.0s-3.0s, 5.0s-6.0s",
        prediction: "Duration: 0.5s-2.5s, 7.0s-8.0s",
        abnormalType: "V",
      },
      // Touching ends do not overlap.
      { reference: "Duration: 0.0s-1.0s", prediction: "Duration: 1.0s-2.0s", abnormalType: "A" },
      // An unreadable prediction misses its reference interval.
      { reference: "Duration: 0.0s-1.0s", prediction: "??", abnormalType: "A" },
    ]);
    expect(s.events).toEqual({
      referenceIntervals: 5,
      detected: 2,
      predictedIntervals: 3,
      truePredicted: 1,
      sensitivity: 2 / 5,
      ppv: 1 / 3,
    });
    expect(s.perType.V!.events).toMatchObject({ sensitivity: 2 / 3, ppv: 1 / 2 });
    expect(s.perType.A!.events).toMatchObject({ sensitivity: 0, ppv: 0 });
  });

  it("has null rates without intervals and handles no examples", () => {
    const s = scoreLocalization([{ reference: "No V Found", prediction: "No V Found", abnormalType: "V" }]);
    expect(s.events.sensitivity).toBeNull();
    expect(s.events.ppv).toBeNull();
    expect(scoreLocalization([])).toMatchObject({ n: 0, microIoU: 0, macroIoU: 0 });
  });
});
