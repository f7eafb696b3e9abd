// Beat-timing features: worked out by hand on made-up beat times, and on the MIT-BIH 119 excerpt
// (ventricular trigeminy and bigeminy) against its reference beat labels.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { toStandard12 } from "../../src/ecg/leads.js";
import { readFileSync } from "node:fs";
import {
  RHYTHM_CONTEXT_FEATURES,
  RHYTHM_FEATURES,
  detectBeatTimes,
  rhythmFeatures,
} from "../../src/model/rhythm.js";
import { dataPath, describeData, samplesDir } from "../data.js";
import { rocAuc } from "../../src/eval/metrics/auc.js";

const F = RHYTHM_FEATURES;

describe("rhythm features", () => {
  it("mark a premature beat (short RR before, long after) against the local rate", () => {
    // beats every second, except one at 5.6 s in place of 6 s
    const beats = Float64Array.from([0, 1, 2, 3, 4, 5, 5.6, 7, 8, 9, 10]);
    const f = rhythmFeatures(beats, 22, 0.5);
    const at = (p: number): number[] => Array.from(f.subarray(p * F, (p + 1) * F));
    const early = at(11); // 5.5-6.0 s holds the beat at 5.6
    expect(early[0]).toBe(1);
    expect(early[1]).toBeCloseTo(Math.log2(0.6), 5);
    expect(early[2]).toBeCloseTo(Math.log2(1.4), 5);
    expect(early[3]).toBeCloseTo(0, 5); // median RR 1 s
    expect(early[6]).toBe(1);
    const pause = at(13); // 6.5-7.0 s: no beat, inside the 1.4-s interval
    expect(pause[0]).toBe(0);
    expect(pause[1]).toBe(0);
    expect(pause[4]).toBeCloseTo(Math.log2(1.4), 5);
    const regular = at(3); // 1.5-2.0 s: nothing unusual
    expect(regular[4]).toBeCloseTo(0, 5);
    expect(at(2)[5]).toBeLessThan(early[5]!); // irregularity is higher around the ectopic beat
  });

  it("are zero, with the known flag off, where there are no beats", () => {
    expect(Array.from(rhythmFeatures(new Float64Array(0), 4, 0.5)).every((v) => v === 0)).toBe(true);
    expect(Array.from(rhythmFeatures(Float64Array.from([1]), 4, 0.5)).every((v) => v === 0)).toBe(true);
  });

  it("separate the ventricular beats of MIT-BIH 119 from its normal beats by prematurity", async () => {
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    const std = toStandard12(ecg);
    const beats = detectBeatTimes(
      std.signals.map((x, i) => (std.mask[i] ? x : null)),
      ecg.fs,
    );
    const f = rhythmFeatures(beats, 20, 0.5);
    const prematurity = (code: string): number[] =>
      ecg.annotations
        .filter((a) => a.code === code)
        .map((a) => f[Math.floor(a.sample / ecg.fs / 0.5) * F + 1]!);
    const v = prematurity("V");
    const n = prematurity("N");
    expect(v.length).toBeGreaterThan(2);
    expect(n.length).toBeGreaterThan(2);
    expect(Math.max(...v)).toBeLessThan(Math.min(...n.filter((x) => x !== 0)));
  });
});

describe("rhythm context features", () => {
  const C = RHYTHM_CONTEXT_FEATURES;
  /** Features 7-9 of the patch at 10.0-10.5 s. */
  const context = (beats: number[]): number[] =>
    Array.from(rhythmFeatures(Float64Array.from(beats), 40, 0.5, true).subarray(20 * C + 7, 21 * C));

  it("keep the seven timing features and add three", () => {
    const beats = Float64Array.from([0, 1, 2, 3, 4, 5, 5.6, 7, 8, 9, 10]);
    const plain = rhythmFeatures(beats, 22, 0.5);
    const wide = rhythmFeatures(beats, 22, 0.5, true);
    expect(wide.length).toBe(22 * C);
    for (let p = 0; p < 22; p++)
      expect(Array.from(wide.subarray(p * C, p * C + RHYTHM_FEATURES))).toEqual(
        Array.from(plain.subarray(p * RHYTHM_FEATURES, (p + 1) * RHYTHM_FEATURES)),
      );
  });

  it("tell an irregularly irregular rhythm from a regular one with a premature beat (by hand)", () => {
    // 0.8-s beats 0-20 s with one premature beat at 9.6 + 0.5 (RR 0.5 then 1.1)
    const regular = Array.from({ length: 26 }, (_, i) => i * 0.8).filter((t) => t !== 10.4);
    regular.splice(regular.indexOf(9.6) + 1, 0, 10.1);
    // RRs alternating 0.6, 0.9, 0.7, 1.0 s: every successive ratio changes by over 7 %
    const rr = [0.6, 0.9, 0.7, 1.0];
    const irregular = [0];
    while (irregular.at(-1)! < 21) irregular.push(irregular.at(-1)! + rr[irregular.length % 4]!);
    const [changeR, quartileR, regularR] = context(regular);
    const [changeI, quartileI, regularI] = context(irregular);
    // the premature beat changes 2 of the 24 successive ratios within 10 s of 10.25 s
    expect(changeR).toBeLessThan(0.15);
    expect(quartileR).toBeCloseTo(0, 5);
    expect(regularR).toBeGreaterThan(0.9);
    expect(changeI).toBe(1);
    // lower quartile of |log2| of 0.9/0.6, 0.7/0.9, 1.0/0.7, 0.6/1.0: log2(1/0.7) * 8, capped at 2
    expect(quartileI).toBeCloseTo(Math.min(2, 8 * Math.log2(0.9 / 0.7)), 5);
    expect(regularI).toBeLessThan(0.3);
  });
});

describeData("rhythm context features on CinC 2017 recordings", () => {
  it("separate the AF recordings from the others better than the local irregularity", async () => {
    const labels = readFileSync(dataPath("cinc2017", "REFERENCE.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(0, 300)
      .map((l) => l.trim().split(","));
    const C = RHYTHM_CONTEXT_FEATURES;
    const y: number[] = [];
    const change: number[] = [];
    const local: number[] = [];
    for (const [rec, label] of labels) {
      const ecg = await readEcg(dataPath("cinc2017", `${rec}.hea`));
      const patches = Math.floor(ecg.signals[0]!.length / ecg.fs / 0.5);
      const f = rhythmFeatures(detectBeatTimes([ecg.signals[0]!], ecg.fs), patches, 0.5, true);
      const mean = (k: number): number => {
        let s = 0;
        for (let p = 0; p < patches; p++) s += f[p * C + k]!;
        return s / patches;
      };
      y.push(label === "A" ? 1 : 0);
      change.push(mean(7));
      local.push(mean(5));
    }
    expect(y.filter((v) => v === 1).length).toBeGreaterThan(15);
    const aucChange = rocAuc(change, y)!;
    expect(aucChange).toBeGreaterThan(0.9);
    expect(aucChange).toBeGreaterThan(rocAuc(local, y)!);
  });
});
