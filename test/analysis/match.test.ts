import { describe, expect, it } from "vitest";
import { flutterIntervals, matchBeats, referenceBeats, sumMatches } from "../../src/analysis/match.js";
import type { EcgAnnotation } from "../../src/ecg/record.js";
import { EC57_BEAT_CODES } from "../../src/ecg/beats.js";

const i32 = (a: number[]): Int32Array => Int32Array.from(a);
const ann = (sample: number, code: string): EcgAnnotation => ({
  sample,
  code,
  subtype: 0,
  channel: 0,
  num: 0,
});

describe("matchBeats", () => {
  it("counts matches within 150 ms and misses/extras beyond", () => {
    // fs 100: tolerance 15 samples
    const m = matchBeats(i32([100, 200, 300, 400]), i32([110, 216, 300, 350]), 100);
    expect([m.tp, m.fn, m.fp]).toEqual([2, 2, 2]);
    expect(m.missed).toEqual([1, 3]);
    expect(m.falseDetections).toEqual([1, 3]);
    expect(m.se).toBe(0.5);
    expect(m.ppv).toBe(0.5);
  });

  it("matches each beat once, closest pairs first", () => {
    // Two detections near one beat: one TP, one FP. A detection between two beats goes to the closer.
    const m = matchBeats(i32([100]), i32([95, 104]), 100);
    expect([m.tp, m.fn, m.fp]).toEqual([1, 0, 1]);
    expect(m.falseDetections).toEqual([0]);
    const m2 = matchBeats(i32([100, 125]), i32([110, 126]), 100);
    expect([m2.tp, m2.fn, m2.fp]).toEqual([2, 0, 0]);
  });

  it("ignores unmatched beats at the record's edges and inside excluded intervals", () => {
    const m = matchBeats(i32([5, 500, 995]), i32([500, 990, 2]), 100, 0.15, { nSamples: 1000 });
    expect([m.tp, m.fn, m.fp]).toEqual([3, 0, 0]);
    const edge = matchBeats(i32([5, 500, 990]), i32([500]), 100, 0.15, { nSamples: 1000 });
    expect([edge.tp, edge.fn, edge.fp]).toEqual([1, 0, 0]);
    const vf = matchBeats(i32([100, 300, 600]), i32([100, 400, 450, 600]), 100, 0.15, {
      exclude: [[350, 500]],
    });
    expect([vf.tp, vf.fn, vf.fp]).toEqual([2, 1, 0]);
  });

  it("gives Se and +P of 1 on empty sets and sums gross totals", () => {
    const e = matchBeats(i32([]), i32([]), 360);
    expect([e.se, e.ppv]).toEqual([1, 1]);
    const s = sumMatches([
      { tp: 90, fn: 10, fp: 0 },
      { tp: 10, fn: 0, fp: 10 },
    ]);
    expect(s.se).toBeCloseTo(100 / 110);
    expect(s.ppv).toBeCloseTo(100 / 110);
  });
});

describe("reference beats", () => {
  it("keeps the EC57 beat labels and drops rhythm, noise and flutter waves", () => {
    expect(EC57_BEAT_CODES.size).toBe(18);
    const anns = [
      ann(30, "N"),
      ann(10, "+"),
      ann(20, "V"),
      ann(40, "~"),
      ann(50, "/"),
      ann(60, "!"),
      ann(70, "Q"),
    ];
    expect(Array.from(referenceBeats(anns))).toEqual([20, 30, 50, 70]);
  });
  it("finds ventricular flutter episodes, open at the end if unclosed", () => {
    const anns = [ann(100, "["), ann(200, "!"), ann(300, "]"), ann(500, "[")];
    expect(flutterIntervals(anns, 1000)).toEqual([
      [100, 300],
      [500, 1000],
    ]);
  });
});
