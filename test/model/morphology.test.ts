// Beat-shape features per patch: on the MIT-BIH 119 excerpt (ventricular bigeminy and trigeminy)
// and on the first 10 min of the full record 119, against the
// reference beat labels.
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { toStandard12 } from "../../src/ecg/leads.js";
import type { Ecg } from "../../src/ecg/record.js";
import { BEAT_CLASSES, type BeatClassifier } from "../../src/analysis/beats.js";
import { BEAT_CLASS_FEATURES, MORPHOLOGY_FEATURES, morphologyFeatures } from "../../src/model/morphology.js";
import { trainClassical } from "../../src/train/classical.js";
import { detectBeatTimes } from "../../src/model/rhythm.js";
import { dataPath, describeData, samplesDir } from "../data.js";

const F = MORPHOLOGY_FEATURES;

/** The features of a record in 10-s windows of 0.5-s patches, read on its first lead. */
function featuresOf(ecg: Ecg): Float32Array {
  return patchFeatures(ecg).shape;
}

function patchFeatures(
  ecg: Ecg,
  classifier: BeatClassifier | null = null,
): ReturnType<typeof morphologyFeatures> {
  const std = toStandard12(ecg);
  const beats = detectBeatTimes(
    std.signals.map((x, i) => (std.mask[i] ? x : null)),
    ecg.fs,
  );
  const windows = Math.ceil(ecg.signals[0]!.length / ecg.fs / 10);
  return morphologyFeatures(ecg.signals[0]!, ecg.fs, beats, windows, 20, 10, classifier);
}

/** Feature k of the patch holding each reference beat of `code` (`width` features per patch). */
function atBeats(ecg: Ecg, f: Float32Array, code: string, k: number, width = F): number[] {
  return ecg.annotations
    .filter((a) => a.code === code)
    .map((a) => f[Math.floor(a.sample / ecg.fs / 0.5) * width + k]!);
}

/** Probability that a random `pos` value exceeds a random `neg` one (ties count half). */
function auc(pos: number[], neg: number[]): number {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

describe("morphology features", () => {
  it("are zero where there are no beats, and flag the patches that hold one", () => {
    const lead = Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i / 10));
    expect(morphologyFeatures(lead, 100, new Float64Array(0), 2, 20, 10).shape.every((v) => v === 0)).toBe(
      true,
    );
    const f = morphologyFeatures(lead, 100, Float64Array.from([1.2, 2.2, 13.7]), 2, 20, 10).shape;
    const flagged = [...Array(40).keys()].filter((p) => f[p * F + 5] === 1);
    expect(flagged).toEqual([2, 4, 27]);
  });

  it("set the ventricular beats of the MIT-BIH 119 excerpt apart from its normal beats", async () => {
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    const f = featuresOf(ecg);
    expect(f.length).toBe(20 * F);
    for (const k of [1, 2]) {
      const v = atBeats(ecg, f, "V", k);
      const n = atBeats(ecg, f, "N", k);
      expect(v.length).toBeGreaterThan(2);
      expect(Math.min(...v)).toBeGreaterThan(Math.max(...n));
    }
  });
});

describeData("morphology features on full MIT-BIH records", () => {
  it("score the PVCs of record 119 above its normal beats", async () => {
    const r119 = await readEcg(dataPath("mitdb", "119"), { to: 600 });
    const f119 = featuresOf(r119);
    // unlike the median beat (1 - r) and RMS difference: PVC vs normal
    expect(auc(atBeats(r119, f119, "V", 1), atBeats(r119, f119, "N", 1))).toBeGreaterThan(0.9);
    expect(auc(atBeats(r119, f119, "V", 2), atBeats(r119, f119, "N", 2))).toBeGreaterThan(0.9);
  });
});

describeData("beat-class features (the classical classifier's probabilities per patch)", () => {
  let classifier: BeatClassifier;
  beforeAll(async () => {
    // A quick classifier: the first 5 minutes of five training records (never record 119).
    const records = ["101", "106", "118", "207", "208"];
    const m = await trainClassical({ dataDir: dataPath(), records, maxSeconds: 300, gbt: { rounds: 30 }, log: null }); // prettier-ignore
    classifier = m.beats;
  }, 120_000);

  it("are absent without a classifier, and zero in patches without a beat", () => {
    const lead = Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i / 10));
    expect(morphologyFeatures(lead, 100, Float64Array.from([1.2]), 2, 20, 10).classes).toBeNull();
    const c = morphologyFeatures(lead, 100, Float64Array.from([1.2, 13.7]), 2, 20, 10, classifier).classes!;
    expect(c.length).toBe(40 * BEAT_CLASS_FEATURES);
    const withBeat = [...Array(40).keys()].filter((p) => c.subarray(p * 7, p * 7 + 7).some((v) => v > 0));
    expect(withBeat).toEqual([2, 27]);
  });

  it("give the PVC patches of held-out record 119 a higher ventricular probability", async () => {
    const r119 = await readEcg(dataPath("mitdb", "119"), { to: 600 });
    const c = patchFeatures(r119, classifier).classes!;
    const V = BEAT_CLASSES.indexOf("V");
    const atV = atBeats(r119, c, "V", V, BEAT_CLASS_FEATURES);
    const atN = atBeats(r119, c, "N", V, BEAT_CLASS_FEATURES);
    expect(atV.length).toBeGreaterThan(50);
    expect(auc(atV, atN)).toBeGreaterThan(0.9);
  });
});
