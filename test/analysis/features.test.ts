import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { labelDetectedBeats, segmentBeats } from "../../src/analysis/beats.js";
import {
  beatFeatures,
  beatSignals,
  FEATURE_NAMES,
  medianBeat,
  qrsBounds,
} from "../../src/analysis/features.js";
import { readEcg } from "../../src/ecg/read.js";
import { samplesDir } from "../data.js";

// MIT-BIH 119, 10 s of ventricular trigeminy: N N V N N V ... (MLII, 360 Hz).
const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
const seg = segmentBeats(ecg.signals[0]!, ecg.fs);
const codes = labelDetectedBeats(seg.beats, ecg.annotations, ecg.fs);
const col = (name: (typeof FEATURE_NAMES)[number], code: string): number[] =>
  seg.features.filter((_, i) => codes[i] === code).map((x) => x[FEATURE_NAMES.indexOf(name)]!);

describe("beat features on a real MIT-BIH excerpt", () => {
  it("gives one finite vector per detected beat", () => {
    expect(seg.beats.length).toBe(12);
    expect(seg.features).toHaveLength(12);
    for (const x of seg.features) {
      expect(x).toHaveLength(FEATURE_NAMES.length);
      expect(x.every(Number.isFinite)).toBe(true);
    }
  });

  it("a range of beats gets the same vectors as in the whole (median beat and RR from all beats)", () => {
    const signals = beatSignals(ecg.signals[0]!, ecg.fs);
    const some = beatFeatures(signals, seg.beats, { from: 4, to: 9 });
    expect(some).toEqual(seg.features.slice(4, 9));
    expect(beatFeatures(signals, seg.beats, { from: 3, to: 3 })).toEqual([]);
  });

  it("separates the premature ventricular beats from the normal ones", () => {
    expect(col("preRR/local", "V").length).toBe(4);
    // Premature: the RR before a PVC is shorter than the local mean, the one after it longer.
    expect(Math.max(...col("preRR/local", "V"))).toBeLessThan(0.85);
    // (The last PVC ends the excerpt: with no next beat, its next RR is taken as the previous one.)
    expect(Math.min(...col("postRR/preRR", "V").slice(0, 3))).toBeGreaterThan(1.2);
    expect(col("postRR/preRR", "V")[3]).toBe(1);
    // Different shape from the record's median (normal) beat, and slower (wider) complexes.
    expect(Math.max(...col("corrBeat", "V"))).toBeLessThan(Math.min(...col("corrBeat", "N")));
    expect(Math.max(...col("logHiLo", "V"))).toBeLessThan(Math.min(...col("logHiLo", "N")));
    expect(Math.min(...col("qrsWidth", "V"))).toBeGreaterThan(Math.max(...col("qrsWidth", "N")));
  });

  it("estimates QRS bounds around each beat within physiological widths", () => {
    const wide = beatSignals(ecg.signals[0]!, ecg.fs).wide;
    for (const r of seg.beats) {
      const { onset, offset } = qrsBounds(wide, ecg.fs, r);
      expect(onset).toBeLessThanOrEqual(r);
      expect(offset).toBeGreaterThanOrEqual(r);
      expect((offset - onset) / ecg.fs).toBeGreaterThan(0.02);
      expect((offset - onset) / ecg.fs).toBeLessThan(0.25);
    }
  });

  it("takes the median beat sample by sample, skipping beats cut by the edges", () => {
    const x = Float32Array.from({ length: 100 }, (_, i) => i);
    const m = medianBeat(x, Int32Array.from([2, 30, 50, 70, 98]), 5, 5);
    expect(Array.from(m)).toEqual([45, 46, 47, 48, 49, 50, 51, 52, 53, 54]);
  });
});
