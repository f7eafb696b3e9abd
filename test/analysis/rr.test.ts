import { describe, expect, it } from "vitest";
import {
  heartRate,
  heartRateWindows,
  instantaneousHeartRate,
  meanHeartRate,
  rrIntervals,
} from "../../src/analysis/rr.js";

const beats = Int32Array.from([0, 100, 200, 250, 350]); // fs 100: RR 1, 1, 0.5, 1 s

describe("RR and heart rate", () => {
  it("gives RR intervals and instantaneous rate", () => {
    expect(Array.from(rrIntervals(beats, 100))).toEqual([1, 1, 0.5, 1]);
    expect(Array.from(instantaneousHeartRate(beats, 100))).toEqual([60, 60, 120, 60]);
    expect(rrIntervals(Int32Array.from([5]), 100)).toHaveLength(0);
  });

  it("averages the rate as 60 / mean RR", () => {
    expect(meanHeartRate(beats, 100)).toBeCloseTo((60 * 4) / 3.5);
    expect(meanHeartRate(beats, 100, 100, 260)).toBeCloseTo((60 * 2) / 1.5);
    expect(meanHeartRate(Int32Array.from([10]), 100)).toBeNaN();
    expect(heartRate(beats, 100).mean).toBeCloseTo((60 * 4) / 3.5);
    expect(heartRate(beats, 100).instantaneous[2]).toBe(120);
  });

  it("gives the rate per window", () => {
    const w = heartRateWindows(beats, 100, 400, 2);
    expect(w.map((x) => x.beats)).toEqual([2, 3]);
    expect(w[0]!.bpm).toBeCloseTo(60);
    expect(w[1]!.bpm).toBeCloseTo((60 * 2) / 1.5);
    expect(w[1]!.endSeconds).toBe(4);
  });
});
