import { describe, expect, it } from "vitest";
import { ecgWindows, sliceWindow, windows } from "../../src/ecg/windows.js";
import type { Ecg } from "../../src/ecg/record.js";

describe("windows", () => {
  it("cuts consecutive windows, the last zero-padded (the paper's rule)", () => {
    expect(windows(25, 10)).toEqual([
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 20, end: 30 },
    ]);
    expect(windows(20, 10)).toHaveLength(2);
    expect(windows(3, 10)).toEqual([{ start: 0, end: 10 }]);
    expect(windows(0, 10)).toEqual([]);
  });
  it("drops or shifts the incomplete window on request", () => {
    expect(windows(25, 10, 10, { pad: "drop" })).toHaveLength(2);
    expect(windows(5, 10, 10, { pad: "drop" })).toEqual([]);
    expect(windows(25, 10, 10, { pad: "shift" }).at(-1)).toEqual({ start: 15, end: 25 });
    expect(windows(20, 10, 10, { pad: "shift" })).toHaveLength(2);
    expect(windows(5, 10, 10, { pad: "shift" })).toEqual([{ start: 0, end: 10 }]);
  });
  it("overlaps with a shorter hop and stops at the first window reaching the end", () => {
    expect(windows(25, 10, 5).map((w) => w.start)).toEqual([0, 5, 10, 15]);
  });
  it("rejects bad sizes", () => {
    expect(() => windows(10, 0)).toThrow(RangeError);
    expect(() => windows(10, 5, 2.5)).toThrow(RangeError);
    expect(() => windows(-1, 5)).toThrow(RangeError);
  });
});

describe("ecgWindows", () => {
  it("extracts 10-s windows from a record with zero padding", () => {
    const n = 2550;
    const ecg: Ecg = {
      name: "t",
      fs: 100,
      leads: ["I", "II"],
      signals: [Float32Array.from({ length: n }, (_, i) => i + 1), new Float32Array(n).fill(7)],
      units: ["mV", "mV"],
      annotations: [],
      source: { format: "test", path: "t" },
    };
    const ws = [...ecgWindows(ecg)];
    expect(ws.map((w) => w.startSeconds)).toEqual([0, 10, 20]);
    expect(ws[2]!.signals[0]!.length).toBe(1000);
    expect(ws[2]!.signals[0]![0]).toBe(2001);
    expect(ws[2]!.signals[0]![549]).toBe(2550);
    expect(ws[2]!.signals[0]![550]).toBe(0);
    expect(ws[2]!.signals[1]![999]).toBe(0);
    expect([...ecgWindows(ecg, { seconds: 5, pad: "drop" })]).toHaveLength(5);
  });
  it("slices with zeros past either end", () => {
    expect(Array.from(sliceWindow(Float32Array.from([1, 2, 3]), -1, 5))).toEqual([0, 1, 2, 3, 0]);
  });
});
