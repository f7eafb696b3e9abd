import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { referenceBeats } from "../../src/analysis/match.js";
import { quantile } from "../../src/ecg/scale.js";
import { readWfdbRecord } from "../../src/ecg/wfdb/index.js";
import { dataPath, describeData, samplesDir } from "../data.js";
import {
  bandpass,
  butterworth,
  createSosFilter,
  filtfilt,
  highpass,
  lowpass,
  medianFilter,
  notch,
  removeBaseline,
  sosResponse,
} from "../../src/ecg/filters.js";

const fs = 360;

function tone(n: number, f: number, amp = 1, phase = 0.4): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * f * i) / fs + phase);
  return x;
}

function sum(...xs: Float32Array[]): Float32Array {
  const y = new Float32Array(xs[0]!.length);
  for (const x of xs) for (let i = 0; i < y.length; i++) y[i]! += x[i]!;
  return y;
}

function maxDiff(a: Float32Array, b: Float32Array, margin = 0): number {
  let e = 0;
  for (let i = margin; i < a.length - margin; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
}

function rms(x: Float32Array, margin = 0): number {
  let s = 0;
  for (let i = margin; i < x.length - margin; i++) s += x[i]! ** 2;
  return Math.sqrt(s / (x.length - 2 * margin));
}

describe("butterworth design", () => {
  it("has -3 dB at the cut-off and a flat pass-band", () => {
    for (const order of [1, 2, 3, 4, 5]) {
      const lp = butterworth(order, 20, fs, "lowpass");
      expect(sosResponse(lp, 0, fs)).toBeCloseTo(1, 9);
      expect(sosResponse(lp, 20, fs)).toBeCloseTo(Math.SQRT1_2, 6);
      const hp = butterworth(order, 0.5, fs, "highpass");
      expect(sosResponse(hp, fs / 2, fs)).toBeCloseTo(1, 9);
      expect(sosResponse(hp, 0.5, fs)).toBeCloseTo(Math.SQRT1_2, 6);
      expect(sosResponse(hp, 0, fs)).toBeLessThan(1e-9);
    }
    const bp = butterworth(2, [5, 15], fs, "bandpass");
    expect(bp).toHaveLength(2);
    expect(sosResponse(bp, 5, fs)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(sosResponse(bp, 15, fs)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(sosResponse(bp, 60, fs)).toBeLessThan(0.03);
  });

  it("falls by order x 20 dB per decade in the stop-band", () => {
    const lp = butterworth(4, 10, 1000, "lowpass");
    expect(20 * Math.log10(sosResponse(lp, 100, 1000))).toBeLessThan(-78);
  });

  it("rejects cut-offs outside (0, Nyquist) and mismatched types", () => {
    expect(() => butterworth(2, 200, fs, "lowpass")).toThrow(RangeError);
    expect(() => butterworth(2, 0, fs, "highpass")).toThrow(RangeError);
    expect(() => butterworth(2, [15, 5], fs, "bandpass")).toThrow(RangeError);
    expect(() => butterworth(2, 5, fs, "bandpass")).toThrow(RangeError);
  });
});

describe("zero-phase filters", () => {
  const n = fs * 20;
  it("low-pass keeps a 5 Hz tone in phase and removes 80 Hz", () => {
    const keep = tone(n, 5);
    const y = lowpass(sum(keep, tone(n, 80)), fs, 30);
    expect(maxDiff(y, keep, fs)).toBeLessThan(0.01);
  });

  it("high-pass removes drift and a DC offset but keeps 10 Hz", () => {
    const keep = tone(n, 10);
    const drift = tone(n, 0.05, 3);
    const dc = new Float32Array(n).fill(2);
    const y = highpass(sum(keep, drift, dc), fs, 0.5);
    expect(maxDiff(y, keep, fs)).toBeLessThan(0.05);
    // Edges too: the padding and steady-state start avoid a start-up transient.
    expect(maxDiff(y, keep)).toBeLessThan(0.5);
  });

  it("gives -6 dB at the cut-off (two passes)", () => {
    const y = lowpass(tone(n, 30), fs, 30);
    expect(rms(y, fs) / rms(tone(n, 30), fs)).toBeCloseTo(0.5, 2);
  });

  it("band-pass keeps the band, removes both sides, in phase", () => {
    const keep = tone(n, 10);
    const y = bandpass(sum(keep, tone(n, 0.2, 2), tone(n, 100)), fs, 1, 40, 3);
    expect(maxDiff(y, keep, fs * 3)).toBeLessThan(0.02);
  });

  it("notch removes 50 Hz mains and keeps 45 Hz, and its harmonics on request", () => {
    const keep = tone(n, 10);
    const hum = sum(tone(n, 50, 0.5), tone(n, 100, 0.2));
    const y = notch(sum(keep, hum), fs, 50);
    expect(
      rms(
        sum(
          y,
          keep.map((v) => -v),
        ),
        fs,
      ),
    ).toBeGreaterThan(0.1); // 100 Hz left
    const yh = notch(sum(keep, hum), fs, 50, { harmonics: true });
    expect(maxDiff(yh, keep, fs)).toBeLessThan(0.01);
    const y45 = notch(tone(n, 45), fs, 50);
    expect(rms(y45, fs)).toBeGreaterThan(0.95 * rms(tone(n, 45), fs));
    const y60 = notch(sum(keep, tone(n, 60, 0.5)), fs, 60);
    expect(maxDiff(y60, keep, fs)).toBeLessThan(0.01);
  });

  it("skips a mains frequency above Nyquist and handles tiny inputs", () => {
    const x = tone(100, 10);
    expect(notch(x, 100, 60)).toEqual(x);
    expect(lowpass(new Float32Array([1]), fs, 10)).toEqual(new Float32Array([1]));
    expect(highpass(new Float32Array(0), fs, 0.5)).toHaveLength(0);
    const short = highpass(tone(5, 10), fs, 0.5);
    expect(short.every(Number.isFinite)).toBe(true);
  });

  it("does not modify its input", () => {
    const x = tone(1000, 3);
    const copy = x.slice();
    lowpass(x, fs, 10);
    removeBaseline(x, fs, { method: "median" });
    expect(x).toEqual(copy);
  });
});

describe("causal streaming filter", () => {
  it("gives the same output in chunks as in one call", () => {
    const sos = butterworth(3, 15, fs, "lowpass");
    const x = sum(tone(3000, 3), tone(3000, 40));
    const whole = createSosFilter(sos).process(x);
    const f = createSosFilter(sos);
    const parts = [
      ...f.process(x.subarray(0, 7)),
      ...f.process(x.subarray(7, 1500)),
      ...f.process(x.subarray(1500)),
    ];
    expect(maxDiff(Float32Array.from(parts), whole)).toBeLessThan(1e-6);
  });

  it("matches one forward pass inside filtfilt's magnitude response", () => {
    const sos = butterworth(2, 20, fs, "lowpass");
    const y = createSosFilter(sos).process(tone(fs * 10, 20));
    expect(rms(y, fs) / rms(tone(fs * 10, 20), fs)).toBeCloseTo(Math.SQRT1_2, 2);
    expect(filtfilt(sos, tone(fs * 10, 20)).length).toBe(fs * 10);
  });
});

describe("baseline removal", () => {
  // A synthetic ECG-like train of narrow pulses on a wandering baseline.
  const n = fs * 30;
  const beats = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = (i % fs) - fs / 2;
    beats[i] = Math.exp(-(t * t) / 18) - 0.1 * Math.exp(-((t - 100) ** 2) / 800);
  }
  const wander = sum(tone(n, 0.15, 1.5), tone(n, 0.3, 0.5, 1));
  const x = sum(beats, wander);

  it.each(["highpass", "median"] as const)("%s removes the wander and keeps the beats", (method) => {
    const y = removeBaseline(x, fs, { method });
    const mean = beats.reduce((a, b) => a + b, 0) / n;
    const residual = y.map((v, i) => v - (beats[i]! - mean));
    expect(rms(residual, fs)).toBeLessThan(0.1);
    expect(rms(residual, fs)).toBeLessThan(rms(wander, fs) / 10);
  });

  it("median filter gives the running median", () => {
    const y = medianFilter(Float32Array.from([5, 1, 9, 2, 7, 3, 8]), 3);
    expect(Array.from(y)).toEqual([3, 5, 2, 7, 3, 7, 5.5]);
  });
});

describe("filters on a real MIT-BIH excerpt (record 119, 10 s)", () => {
  it("baseline removal takes off added wander and keeps the R peaks", async () => {
    const ecg = await readWfdbRecord(join(samplesDir, "mitdb-119-excerpt"));
    const x = ecg.signals[0]!;
    const beats = referenceBeats(ecg.annotations).filter((s) => s > fs && s < x.length - fs);
    const wander = x.map((_, i) => 0.8 * Math.sin((2 * Math.PI * 0.2 * i) / ecg.fs) + 0.5);
    for (const method of ["highpass", "median"] as const) {
      const y = removeBaseline(x, ecg.fs, { method });
      // The added wander and offset are gone: same output with or without them.
      const yw = removeBaseline(sum(x, wander), ecg.fs, { method });
      expect(
        rms(
          sum(
            yw,
            y.map((v) => -v),
          ),
          ecg.fs,
        ),
        method,
      ).toBeLessThan(0.1 * rms(wander));
      // R-wave height above its neighbourhood is kept within 15 %.
      for (const b of beats) {
        const before = x[b]! - quantile(x.subarray(b - 100, b + 100), 0.5);
        const after = y[b]! - quantile(y.subarray(b - 100, b + 100), 0.5);
        expect(Math.abs(after - before)).toBeLessThan(0.15 * Math.abs(before));
      }
    }
  });

  it("a mains notch removes added 60 Hz hum and leaves the ECG", async () => {
    const ecg = await readWfdbRecord(join(samplesDir, "mitdb-119-excerpt"));
    const x = ecg.signals[0]!;
    const hum = x.map((_, i) => 0.3 * Math.sin((2 * Math.PI * 60 * i) / ecg.fs));
    const clean = notch(x, ecg.fs, 60);
    const y = notch(sum(x, hum), ecg.fs, 60);
    expect(
      rms(
        sum(
          y,
          clean.map((v) => -v),
        ),
        ecg.fs,
      ),
    ).toBeLessThan(0.01);
    expect(
      rms(
        sum(
          clean,
          x.map((v) => -v),
        ),
        ecg.fs,
      ),
    ).toBeLessThan(0.05 * rms(x, ecg.fs) + 0.01);
  });
});

describeData("filters on a whole MIT-BIH record", () => {
  it("band-pass 5-15 Hz peaks at the annotated beats of record 119", async () => {
    const ecg = await readWfdbRecord(dataPath("mitdb", "119"));
    const y = bandpass(ecg.signals[0]!, ecg.fs, 5, 15);
    const beats = referenceBeats(ecg.annotations);
    let near = 0;
    for (const b of beats) {
      let best = b;
      for (let i = Math.max(0, b - 72); i < Math.min(y.length, b + 72); i++)
        if (Math.abs(y[i]!) > Math.abs(y[best]!)) best = i;
      if (Math.abs(best - b) <= 18) near++; // the largest 5-15 Hz deflection is within 50 ms of the R peak
    }
    expect(near / beats.length).toBeGreaterThan(0.98);
  });
});
