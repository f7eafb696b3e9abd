import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  RHYTHM_CLASSES,
  RHYTHM_FEATURE_NAMES,
  classifyRhythm,
  parseRhythmClassifier,
  recordRhythmFeatures,
  rhythmSegments,
} from "../../src/analysis/rhythm-classes.js";
import { readEcg } from "../../src/ecg/read.js";
import type { Ecg } from "../../src/ecg/record.js";
import { loadCinc2017 } from "../../src/data/sources/cinc2017.js";
import { recordInput } from "../../src/model/preprocess.js";
import { readStageRecordClassifiers, trainRhythms } from "../../src/train/record-classifiers.js";
import { dataDir, dataPath, describeData, samplesDir } from "../data.js";

const col = (name: (typeof RHYTHM_FEATURE_NAMES)[number]): number => RHYTHM_FEATURE_NAMES.indexOf(name);

/** The record repeated to `seconds`. */
function tiled(ecg: Ecg, seconds: number): Ecg {
  const n = Math.round(seconds * ecg.fs);
  return {
    ...ecg,
    signals: ecg.signals.map((s) => Float32Array.from({ length: n }, (_, i) => s[i % s.length]!)),
  };
}

describe("rhythm features", () => {
  it("cuts a recording into equal pieces of at most 60 s that cover it", () => {
    expect(rhythmSegments(9 * 300, 300)).toEqual([{ start: 0, end: 2700 }]);
    expect(rhythmSegments(61 * 300, 300)).toEqual([
      { start: 0, end: 9150 },
      { start: 9150, end: 18300 },
    ]);
    const day = rhythmSegments(24 * 3600 * 250, 250);
    expect(day).toHaveLength(1440);
    expect(day.every((s, i) => s.end - s.start === 15000 && (i === 0 || s.start === day[i - 1]!.end))).toBe(true); // prettier-ignore
  });

  it("reads sinus rhythm with premature beats (MIT-BIH 119: bigeminy) as regular but for the premature beats", async () => {
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    const { lead, beats } = recordInput(ecg);
    const [f] = recordRhythmFeatures(lead, ecg.fs, beats).map((s) => s.features);
    expect(f![col("seconds")]).toBeCloseTo(10, 5);
    expect(f![col("beatsPerSecond")]).toBeCloseTo(beats.length / 10, 5);
    // every other interval is short (a PVC) and the next one long: nearly every ratio changes
    expect(f![col("changesOver7%")]).toBeGreaterThan(0.8);
    expect(f![col("minRR/median")]).toBeLessThan(0.8);
    // half the beats are PVCs, unlike the median beat
    expect(f![col("corrBeat25%")]).toBeLessThan(f![col("corrBeat50%")]!);
  });

  it("rejects a file that is not a rhythm classifier of this version", () => {
    expect(() => parseRhythmClassifier({ kind: "anyecg-rhythm-classifier", version: 2 })).toThrow(/not a rhythm classifier/); // prettier-ignore
    const dir = mkdtempSync(join(tmpdir(), "anyecg-rhythms-"));
    const file = join(dir, "classical.json");
    writeFileSync(file, JSON.stringify({ beats: {}, af: { threshold: 0.1 } }));
    expect(() => readStageRecordClassifiers(file)).toThrow(new RegExp(`${file}.*no record classifier`));
    rmSync(dir, { recursive: true });
  });
});

describeData("rhythm classifier on CinC 2017", () => {
  it("trained on 400 training recordings, finds AF among validation recordings it never saw", async () => {
    const clf = (await trainRhythms(dataDir, null, 400))!;
    expect(clf.trainedOn).toBe("400 CinC 2017 training recordings");
    const valid = (await loadCinc2017(dataDir)).filter((r) => r.split === "valid").slice(0, 200);
    const scored = [];
    for (const r of valid) {
      const ecg = await readEcg(dataPath(r.path));
      const { lead, beats } = recordInput(ecg);
      const p = classifyRhythm(clf, lead, ecg.fs, beats);
      expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      scored.push({ af: r.label === "A", p: p[RHYTHM_CLASSES.indexOf("A")]! });
    }
    const pos = scored.filter((s) => s.af);
    const neg = scored.filter((s) => !s.af);
    expect(pos.length).toBeGreaterThan(5);
    const auc = pos.reduce((s, a) => s + neg.filter((b) => a.p > b.p).length, 0) / (pos.length * neg.length);
    expect(auc).toBeGreaterThan(0.9);
  });

  it("reads a recording longer than a minute as the mean of its pieces", async () => {
    const clf = (await trainRhythms(dataDir, null, 100))!;
    const ecg = await readEcg(dataPath("cinc2017", "A00001"));
    const { lead, beats } = recordInput(tiled(ecg, 120));
    const pieces = recordRhythmFeatures(lead, ecg.fs, beats);
    expect(pieces).toHaveLength(2);
    const whole = classifyRhythm(clf, lead, ecg.fs, beats);
    const one = (k: number) => classifyRhythm(clf, lead.subarray(k * 60 * ecg.fs, (k + 1) * 60 * ecg.fs), ecg.fs, Array.from(beats).filter((t) => t >= k * 60 && t < (k + 1) * 60).map((t) => t - k * 60)); // prettier-ignore
    const [a, b] = [one(0), one(1)];
    whole.forEach((p, k) => expect(p).toBeCloseTo((a[k]! + b[k]!) / 2, 6));
  });
});
