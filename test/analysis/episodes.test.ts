import { describe, expect, it } from "vitest";
import type { BeatClass } from "../../src/analysis/beats.js";
import { afEpisodes, patternEpisodes, rrIrregularity } from "../../src/analysis/episodes.js";
import { detectQrs } from "../../src/analysis/qrs.js";
import { readEcg } from "../../src/ecg/read.js";
import { dataPath, describeData } from "../data.js";

const seq = (s: string): BeatClass[] => s.split("") as BeatClass[];
const beatsAt = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i * 100);

describe("ventricular patterns", () => {
  it("finds bigeminy, trigeminy and tachycardia runs from their first to their last beat", () => {
    const c = seq("NNVNVNVNVNNNNVNNVNNVNNVNNNVVVVNN");
    const b = beatsAt(c.length);
    expect(patternEpisodes(b, c, "bigeminy")).toEqual([{ start: 100, end: 800 }]);
    expect(patternEpisodes(b, c, "trigeminy")).toEqual([{ start: 1100, end: 2200 }]);
    expect(patternEpisodes(b, c, "tachycardia")).toEqual([{ start: 2600, end: 2900 }]);
    // Two cycles are not an episode.
    expect(patternEpisodes(beatsAt(4), seq("NVNV"), "bigeminy")).toEqual([]);
  });

  it("ignores intervals next to V beats when measuring RR irregularity", () => {
    // Regular sinus rhythm with a PVC: early beat, compensatory pause.
    const b = Int32Array.from([0, 100, 200, 300, 360, 500, 600, 700, 800, 900, 1000]);
    const c = seq("NNNNVNNNNNN");
    expect(Math.max(...rrIrregularity(b, c).filter(Number.isFinite))).toBe(0);
    expect(Math.max(...rrIrregularity(b, null).filter(Number.isFinite))).toBeGreaterThan(0.3);
  });
});

describeData("atrial fibrillation episodes on CPSC 2021 records", () => {
  it("covers a persistent AF recording and finds none in sinus rhythm", async () => {
    const af = await readEcg(dataPath("cpsc2021", "data_8_4"), { annotators: "none" });
    const n = af.signals[1]!.length;
    const eps = afEpisodes(detectQrs(af.signals[1]!, af.fs), null, { threshold: 0.155 });
    const covered = eps.reduce((s, e) => s + e.end - e.start, 0);
    expect(covered / n).toBeGreaterThan(0.85);
    const sinus = await readEcg(dataPath("cpsc2021", "data_21_7"), { annotators: "none" });
    expect(afEpisodes(detectQrs(sinus.signals[1]!, sinus.fs), null, { threshold: 0.155 })).toEqual([]);
  });
});
