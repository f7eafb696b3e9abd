// The labels stage's augmentation on a real ECG excerpt: reproducible, scaled to each lead's own
// amplitude, the wander at the drawn frequency, missing samples kept missing.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { Rng } from "../../src/data/rng.js";
import { augmentEcg, drawAugmentation, type Augmentation } from "../../src/train/augment.js";
import { samplesDir } from "../data.js";

const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));

function p2p(x: Float32Array): number {
  return Math.max(...x) - Math.min(...x);
}

describe("augmentation", () => {
  it("adds noise with the drawn share of each lead's peak-to-peak amplitude, the same for the same draw", () => {
    const a: Augmentation = { seed: 5, noise: 0.04, wander: 0, wanderHz: 0.2, phase: 0 };
    const out = augmentEcg(ecg, a);
    expect(out.signals.map((s) => Array.from(s))).toEqual(
      augmentEcg(ecg, a).signals.map((s) => Array.from(s)),
    );
    ecg.signals.forEach((x, l) => {
      const d = out.signals[l]!.map((v, i) => v - x[i]!);
      const rms = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
      expect(rms / p2p(x)).toBeGreaterThan(0.035);
      expect(rms / p2p(x)).toBeLessThan(0.045);
    });
    expect(ecg.signals[0]).not.toBe(out.signals[0]); // a copy: the cached record is untouched
  });

  it("adds a baseline wander of the drawn amplitude and frequency", () => {
    const a: Augmentation = { seed: 1, noise: 0, wander: 0.3, wanderHz: 0.25, phase: 1 };
    const x = ecg.signals[0]!;
    const d = augmentEcg(ecg, a).signals[0]!.map((v, i) => v - x[i]!);
    const amp = 0.3 * p2p(x);
    expect(Math.max(...d)).toBeCloseTo(amp, 3);
    // one period of 0.25 Hz is 4 s: the wander repeats after 4 * fs samples
    const period = 4 * ecg.fs;
    expect(d[period + 17]).toBeCloseTo(d[17]!, 4);
    expect(d[period / 2 + 17]).toBeCloseTo(-d[17]!, 4);
  });

  it("keeps NaN samples NaN and scales by the finite ones", () => {
    const x = Float32Array.from(ecg.signals[0]!);
    x[10] = NaN;
    const out = augmentEcg(
      { ...ecg, signals: [x], leads: [ecg.leads[0]!] },
      { seed: 2, noise: 0.01, wander: 0.1, wanderHz: 0.1, phase: 0 },
    );
    expect(Number.isNaN(out.signals[0]![10])).toBe(true);
    expect(out.signals[0]!.filter((v) => Number.isNaN(v)).length).toBe(1);
  });

  it("leaves about a quarter of the windows clean and draws within the limits", () => {
    const rng = new Rng(3);
    const draws = Array.from({ length: 2000 }, () => drawAugmentation(rng));
    const clean = draws.filter((d) => d === null).length / draws.length;
    expect(clean).toBeGreaterThan(0.2);
    expect(clean).toBeLessThan(0.3);
    for (const d of draws)
      if (d) {
        expect(d.noise).toBeLessThanOrEqual(0.05);
        expect(d.wander).toBeLessThanOrEqual(0.3);
        expect(d.wanderHz).toBeGreaterThanOrEqual(0.05);
        expect(d.wanderHz).toBeLessThanOrEqual(0.5);
      }
  });
});
