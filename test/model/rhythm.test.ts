// Beat-timing features: worked out by hand on made-up beat times, and on the MIT-BIH 119 excerpt
// (ventricular trigeminy and bigeminy) against its reference beat labels.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { toStandard12 } from "../../src/ecg/leads.js";
import { RHYTHM_FEATURES, detectBeatTimes, rhythmFeatures } from "../../src/model/rhythm.js";
import { samplesDir } from "../data.js";

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
