import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readWfdbRecord } from "../../src/ecg/wfdb/index.js";
import { samplesDir } from "../data.js";
import {
  createResampler,
  resample,
  resampleAnnotationSample,
  resampleEcg,
  resampledLength,
} from "../../src/ecg/resample.js";
import type { Ecg } from "../../src/ecg/record.js";

function sine(n: number, fs: number, f: number, phase = 0.3): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(2 * Math.PI * f * (i / fs) + phase);
  return x;
}

/** Max |y[k] - sin(2 pi f k / fs + phase)| away from the edges. */
function maxError(y: Float32Array, fs: number, f: number, margin: number, phase = 0.3): number {
  let e = 0;
  for (let k = margin; k < y.length - margin; k++) {
    e = Math.max(e, Math.abs(y[k]! - Math.sin(2 * Math.PI * f * (k / fs) + phase)));
  }
  return e;
}

function peak(y: Float32Array, margin: number): number {
  let m = 0;
  for (let k = margin; k < y.length - margin; k++) m = Math.max(m, Math.abs(y[k]!));
  return m;
}

const ratios: [number, number][] = [
  [360, 100],
  [500, 100],
  [300, 100],
  [250, 100],
  [200, 100],
  [1000, 100],
  [100, 500],
  [360, 500],
  [128, 100],
];

describe("resample", () => {
  it.each(ratios)("%d -> %d Hz keeps a 7 Hz sine in amplitude and phase", (fsIn, fsOut) => {
    const x = sine(fsIn * 20, fsIn, 7);
    const y = resample(x, fsIn, fsOut);
    expect(y.length).toBe(Math.round((x.length * fsOut) / fsIn));
    expect(maxError(y, fsOut, 7, fsOut)).toBeLessThan(2e-3);
  });

  it.each(ratios.filter(([a, b]) => a > b))(
    "%d -> %d Hz attenuates a sine above the new Nyquist by > 40 dB",
    (fsIn, fsOut) => {
      const f = 0.5 * fsOut * 1.1; // 10 % above the new Nyquist frequency
      const y = resample(sine(fsIn * 20, fsIn, f), fsIn, fsOut);
      expect(peak(y, fsOut)).toBeLessThan(0.01);
    },
  );

  it("removes upsampling images and keeps a 40 Hz sine at 100 -> 500 Hz", () => {
    const y = resample(sine(2000, 100, 40), 100, 500);
    expect(maxError(y, 500, 40, 500)).toBeLessThan(0.02);
  });

  it("gives exactly round(n * out / in) samples", () => {
    for (const [fsIn, fsOut] of ratios) {
      for (const n of [0, 1, 2, 17, 999, 3601]) {
        expect(resample(new Float32Array(n).fill(1), fsIn, fsOut).length).toBe(
          Math.round((n * fsOut) / fsIn),
        );
        expect(resampledLength(n, fsIn, fsOut)).toBe(Math.round((n * fsOut) / fsIn));
      }
    }
  });

  it("keeps a constant exactly, edges included", () => {
    const y = resample(new Float32Array(500).fill(2.5), 360, 100);
    for (const v of y) expect(v).toBeCloseTo(2.5, 5);
  });

  it("round-trips 100 -> 500 -> 100 Hz", () => {
    const x = new Float32Array(3000);
    for (let i = 0; i < x.length; i++)
      x[i] = Math.sin(i * 0.05) + 0.5 * Math.sin(i * 0.71 + 1) + 0.2 * Math.cos(i * 1.9);
    const back = resample(resample(x, 100, 500), 500, 100);
    expect(back.length).toBe(x.length);
    let e = 0;
    for (let i = 100; i < x.length - 100; i++) e = Math.max(e, Math.abs(back[i]! - x[i]!));
    expect(e).toBeLessThan(0.01);
  });

  it("handles irrational ratios through the fallback", () => {
    const fsOut = 100 * Math.SQRT2;
    const x = sine(3000, 100, 5);
    const y = resample(x, 100, fsOut);
    expect(y.length).toBe(Math.round(3000 * Math.SQRT2));
    expect(maxError(y, fsOut, 5, 150)).toBeLessThan(2e-3);
  });

  it("is the identity at equal rates and rejects bad rates", () => {
    const x = sine(100, 100, 3);
    expect(resample(x, 250, 250)).toEqual(x);
    expect(() => resample(x, 0, 100)).toThrow(RangeError);
    expect(() => resample(x, 100, Number.NaN)).toThrow(RangeError);
  });
});

describe("createResampler", () => {
  it.each([[360, 100] as const, [100, 500] as const, [100, 100 * Math.SQRT2] as const])(
    "%d -> %d Hz: chunked output equals one pass",
    (fsIn, fsOut) => {
      const x = new Float32Array(7777);
      for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.013) * 3 + Math.sin(i * 0.4) + (i % 97) / 50;
      const whole = resample(x, fsIn, fsOut);
      const r = createResampler(fsIn, fsOut);
      const parts: number[] = [];
      let i = 0;
      for (const size of [1, 5, 100, 2, 1000, 333, 4000]) {
        parts.push(...r.push(x.subarray(i, Math.min(x.length, i + size))));
        i += size;
      }
      parts.push(...r.push(x.subarray(i)));
      parts.push(...r.flush());
      expect(parts.length).toBe(whole.length);
      let e = 0;
      for (let k = 0; k < whole.length; k++) e = Math.max(e, Math.abs(parts[k]! - whole[k]!));
      expect(e).toBeLessThan(1e-6);
    },
  );
});

describe("annotations", () => {
  it("maps sample indices to the same instant", () => {
    expect(resampleAnnotationSample(360, 360, 100)).toBe(100);
    expect(resampleAnnotationSample(18, 360, 100)).toBe(5);
    expect(resampleAnnotationSample(7, 100, 500)).toBe(35);
  });

  it("resamples a whole record with its annotations", () => {
    const ecg: Ecg = {
      name: "t",
      fs: 360,
      leads: ["MLII", "V1"],
      signals: [sine(3600, 360, 2), sine(3600, 360, 3)],
      units: ["mV", "mV"],
      annotations: [{ sample: 720, code: "N", subtype: 0, channel: 0, num: 0 }],
      source: { format: "test", path: "t" },
    };
    const out = resampleEcg(ecg, 100);
    expect(out.fs).toBe(100);
    expect(out.signals[1]!.length).toBe(1000);
    expect(out.annotations[0]!.sample).toBe(200);
    expect(ecg.annotations[0]!.sample).toBe(720);
  });
});

describe("on a real MIT-BIH excerpt", () => {
  it("keeps R peaks at the same instants at 100 Hz (no phase shift)", async () => {
    const ecg = await readWfdbRecord(join(samplesDir, "mitdb-119-excerpt"));
    const out = resampleEcg(ecg, 100);
    const peakTime = (x: Float32Array, fs: number, t: number): number => {
      let best = Math.round(t * fs);
      const half = Math.round(0.06 * fs);
      for (let i = Math.max(0, best - half); i < Math.min(x.length, Math.round(t * fs) + half); i++) {
        if (Math.abs(x[i]!) > Math.abs(x[best]!)) best = i;
      }
      return best / fs;
    };
    const beats = ecg.annotations.filter((a) => a.code === "N" || a.code === "V");
    expect(beats.length).toBeGreaterThan(8);
    let sumShift = 0;
    for (const a of beats) {
      const t = a.sample / ecg.fs;
      const shift = peakTime(out.signals[0]!, 100, t) - peakTime(ecg.signals[0]!, ecg.fs, t);
      expect(Math.abs(shift)).toBeLessThanOrEqual(0.011); // within the 10 ms sample period
      sumShift += shift;
    }
    expect(Math.abs(sumShift / beats.length)).toBeLessThan(0.004); // no systematic delay
  });
});
