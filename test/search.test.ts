import { describe, expect, it } from "vitest";
import { lowerBound } from "../src/search.js";

describe("lowerBound", () => {
  it("gives the first index at or above t, the end when none, and searches only [0, end)", () => {
    const xs = [1, 2, 2, 5, 9];
    expect([0, 1, 2, 3, 5, 9, 10].map((t) => lowerBound(xs, t))).toEqual([0, 0, 1, 3, 3, 4, 5]);
    expect(lowerBound([], 3)).toBe(0);
    expect(lowerBound(Float64Array.from([1, 4, 0, 0]), 3, 2)).toBe(1);
    expect(lowerBound(Float64Array.from([1, 4, 0, 0]), 7, 2)).toBe(2);
  });
});
