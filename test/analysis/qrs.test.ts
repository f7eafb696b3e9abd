import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectQrs, detectQrsMultiLead, qrsFeatures } from "../../src/analysis/qrs.js";
import { flutterIntervals, matchBeats, referenceBeats } from "../../src/analysis/match.js";
import { readWfdbRecord } from "../../src/ecg/wfdb/index.js";
import { resample } from "../../src/ecg/resample.js";
import { dataPath, describeData, samplesDir } from "../data.js";

/** A synthetic ECG: Gaussian P, QRS (q, R, s) and T waves at the given beat times, plus noise. */
function synthetic(fs: number, beatsSeconds: number[], seconds: number, seed = 1): Float32Array {
  const x = new Float32Array(Math.round(seconds * fs));
  let s = seed;
  const rand = (): number => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  const wave = (t0: number, amp: number, width: number): void => {
    const c = t0 * fs;
    const w = width * fs;
    for (let i = Math.max(0, Math.floor(c - 5 * w)); i < Math.min(x.length, c + 5 * w); i++) {
      x[i]! += amp * Math.exp(-(((i - c) / w) ** 2) / 2);
    }
  };
  for (const b of beatsSeconds) {
    wave(b - 0.16, 0.15, 0.02);
    wave(b - 0.025, -0.1, 0.008);
    wave(b, 1.2, 0.01);
    wave(b + 0.025, -0.25, 0.008);
    wave(b + 0.3, 0.35, 0.045);
  }
  for (let i = 0; i < x.length; i++) x[i]! += 0.03 * rand() + 0.2 * Math.sin((2 * Math.PI * 0.2 * i) / fs);
  return x;
}

function irregularBeats(seconds: number): number[] {
  const beats: number[] = [];
  for (let t = 0.5, k = 0; t < seconds - 0.5; k++) {
    beats.push(t);
    t += k % 7 === 3 ? 0.45 : 0.7 + 0.15 * Math.sin(k); // an early beat now and then
  }
  return beats;
}

describe("detectQrs on a synthetic ECG", () => {
  const beats = irregularBeats(30);
  it.each([100, 250, 360, 500])("finds every beat at %d Hz within 20 ms", (fs) => {
    const det = detectQrs(synthetic(fs, beats, 30), fs);
    const ref = Int32Array.from(beats.map((b) => Math.round(b * fs)));
    const m = matchBeats(ref, det, fs, 0.02);
    expect(m.fn).toBe(0);
    expect(m.fp).toBe(0);
  });

  it("finds nothing in flat or empty signals and survives NaN samples", () => {
    expect(detectQrs(new Float32Array(5000), 250)).toHaveLength(0);
    expect(detectQrs(new Float32Array(0), 250)).toHaveLength(0);
    expect(detectQrs(new Float32Array(2), 250)).toHaveLength(0);
    const x = synthetic(250, beats, 30);
    x.fill(Number.NaN, 1000, 1010);
    const det = detectQrs(x, 250);
    expect(det.length).toBeGreaterThan(beats.length - 3);
    expect(Array.from(qrsFeatures(x, 250).energy).every(Number.isFinite)).toBe(true);
  });

  it("rejects sampling rates too low for the QRS band", () => {
    expect(() => detectQrs(new Float32Array(100), 20)).toThrow(RangeError);
  });

  it("fills a flat stretch of the first lead from the second lead", () => {
    const fs = 250;
    const a = synthetic(fs, beats, 30, 1);
    const b = synthetic(fs, beats, 30, 2);
    a.fill(0, 10 * fs, 16 * fs); // electrode off for 6 s
    const ref = Int32Array.from(beats.map((t) => Math.round(t * fs)));
    const single = matchBeats(ref, detectQrs(a, fs), fs);
    const multi = matchBeats(ref, detectQrsMultiLead([a, b], fs), fs);
    expect(single.fn).toBeGreaterThan(5);
    expect(multi.fn).toBe(0);
    expect(multi.fp).toBe(0);
  });
});

describe("detectQrs on the shipped MIT-BIH excerpt", () => {
  it("finds all beats of record 119 (10 s with PVCs)", async () => {
    const ecg = await readWfdbRecord(join(samplesDir, "mitdb-119-excerpt"));
    const ref = referenceBeats(ecg.annotations);
    expect(ref.length).toBeGreaterThan(8);
    const m = matchBeats(ref, detectQrs(ecg.signals[0]!, ecg.fs), ecg.fs, 0.15, {
      nSamples: ecg.signals[0]!.length,
    });
    expect(m.fn).toBe(0);
    expect(m.fp).toBe(0);
  });
});

describeData("detectQrs on whole MIT-BIH records", () => {
  // 119: ventricular bigeminy; 208: frequent multiform PVCs and fusion beats; 217: paced.
  for (const rec of ["119", "208", "217"]) {
    it(`record ${rec}: Se and +P above 99 % at 360, 100, 250 and 500 Hz`, async () => {
      const ecg = await readWfdbRecord(dataPath("mitdb", rec));
      const x = ecg.signals[0]!;
      const n = x.length;
      const ref = referenceBeats(ecg.annotations);
      const exclude = flutterIntervals(ecg.annotations, n);
      for (const fs of [360, 100, 250, 500]) {
        const y = fs === ecg.fs ? x : resample(x, ecg.fs, fs);
        const det = detectQrs(y, fs).map((s) => Math.round((s * ecg.fs) / fs));
        const m = matchBeats(ref, det, ecg.fs, 0.15, { nSamples: n, exclude });
        expect(m.se, `${rec} at ${fs} Hz: Se`).toBeGreaterThan(0.99);
        expect(m.ppv, `${rec} at ${fs} Hz: +P`).toBeGreaterThan(0.99);
      }
    });
  }
});
