import { describe, expect, it } from "vitest";
import {
  fillNaN,
  minMaxScale,
  minMaxScaleLeads,
  missingMask,
  quantile,
  robustZScore,
} from "../../src/ecg/scale.js";

const f32 = (a: number[]): Float32Array => Float32Array.from(a);

describe("fillNaN", () => {
  it("interpolates inner gaps and holds at the ends", () => {
    expect(Array.from(fillNaN(f32([NaN, NaN, 1, NaN, NaN, 4, Infinity, 2, NaN])))).toEqual([
      1, 1, 1, 2, 3, 4, 3, 2, 2,
    ]);
  });
  it("gives zeros for an all-missing lead and leaves clean input alone", () => {
    expect(Array.from(fillNaN(f32([NaN, NaN])))).toEqual([0, 0]);
    expect(Array.from(fillNaN(f32([1, 2, 3])))).toEqual([1, 2, 3]);
    expect(fillNaN(new Float32Array(0))).toHaveLength(0);
  });
  it("marks what was missing", () => {
    expect(Array.from(missingMask(f32([1, NaN, -Infinity, 0])))).toEqual([0, 1, 1, 0]);
  });
});

describe("minMaxScale", () => {
  it("maps the range onto [-1, 1]", () => {
    expect(Array.from(minMaxScale(f32([2, 4, 3, 6])))).toEqual([-1, 0, -0.5, 1]);
  });
  it("gives zeros for a flat or empty lead and ignores non-finite samples", () => {
    expect(Array.from(minMaxScale(f32([3, 3, 3])))).toEqual([0, 0, 0]);
    expect(Array.from(minMaxScale(f32([NaN, NaN])))).toEqual([0, 0]);
    expect(Array.from(minMaxScale(f32([0, NaN, 2, Infinity])))).toEqual([-1, 0, 1, 0]);
    expect(minMaxScaleLeads([f32([1, 3]), new Float32Array(2)]).map((x) => Array.from(x))).toEqual([
      [-1, 1],
      [0, 0],
    ]);
  });
});

describe("robustZScore", () => {
  it("centres on the median and scales by the IQR, unmoved by a spike", () => {
    const x = new Float32Array(1001);
    for (let i = 0; i < x.length; i++) x[i] = (i - 500) / 100; // uniform on [-5, 5]
    const base = robustZScore(x);
    x[0] = 1e6; // an artefact
    const y = robustZScore(x);
    expect(y[500]).toBeCloseTo(0, 2);
    expect(y[750]).toBeCloseTo(2.5 / (5 / 1.349), 1);
    expect(Math.abs(y[700]! - base[700]!)).toBeLessThan(0.01);
  });
  it("falls back when the IQR is zero and is NaN-safe", () => {
    const x = new Float32Array(100);
    x[10] = 5;
    x[20] = NaN;
    const y = robustZScore(x);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(y[10]).toBeGreaterThan(0);
    expect(y[20]).toBe(0);
    expect(Array.from(robustZScore(f32([2, 2, 2])))).toEqual([0, 0, 0]);
    expect(Array.from(robustZScore(f32([NaN])))).toEqual([0]);
  });
  it("computes quantiles of the finite samples", () => {
    expect(quantile(f32([4, 1, NaN, 3, 2]), 0.5)).toBe(2.5);
    expect(quantile(f32([NaN]), 0.5)).toBeNaN();
  });
});
