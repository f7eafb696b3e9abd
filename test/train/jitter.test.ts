import { describe, expect, it } from "vitest";
import type { Example } from "../../src/data/example.js";
import { parseLocalizationAnswer } from "../../src/data/intervals.js";
import { readAnnotations } from "../../src/data/records.js";
import { Rng } from "../../src/data/rng.js";
import { LocationJitter } from "../../src/train/jitter.js";
import { dataDir, describeData } from "../data.js";

const PVC = "Premature ventricular contraction";

function location(over: Partial<Example>): Example {
  return {
    question: `Locate the ${PVC} segments in this ECG.`,
    answer: "Duration: 1.0s-2.8s",
    ecg_path: "mitdb/119",
    dataset: "mit_bih_arrhythmia",
    task: "location",
    abnormal_type: PVC,
    ecg_start: 36000,
    ecg_end: 39600,
    leads: ["II", "V1"],
    split: "train",
    stage: 2,
    id: "x",
    ...over,
  };
}

describe("which examples are jittered", () => {
  it("only localization windows of annotated databases with a known finding", () => {
    expect(LocationJitter.applies(location({}))).toBe(true);
    expect(LocationJitter.applies(location({ task: "location_long" }))).toBe(true);
    expect(LocationJitter.applies(location({ dataset: "ludb", abnormal_type: "P wave" }))).toBe(false);
    expect(LocationJitter.applies(location({ task: "report" }))).toBe(false);
    expect(LocationJitter.applies(location({ abnormal_type: "Something else" }))).toBe(false);
    expect(LocationJitter.applies(location({ ecg_start: undefined, ecg_end: undefined }))).toBe(false);
  });
});

describeData("jittered MIT-BIH windows (record 119)", () => {
  it("moves the window within half its length and answers for the new window", async () => {
    const jitter = new LocationJitter(dataDir);
    const pvcs = (await readAnnotations(dataDir, "mitdb/119", "atr")).filter((a) => a.code === "V");
    // a window centred on a PVC of the bigeminy episodes: PVCs every other beat
    const orig = location({ ecg_start: pvcs[100]!.sample - 1800, ecg_end: pvcs[100]!.sample + 1800 });
    const starts = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const ex = await jitter.apply(orig, Rng.for(seed, "t"));
      const [a, b] = [ex.ecg_start!, ex.ecg_end!];
      starts.add(a);
      expect(b - a).toBe(3600);
      expect(Math.abs(a - orig.ecg_start!)).toBeLessThanOrEqual(1800);
      expect({ ...ex, answer: "", ecg_start: 0, ecg_end: 0 }).toEqual({ ...orig, answer: "", ecg_start: 0, ecg_end: 0 }); // prettier-ignore
      // every PVC of the new window lies in an answer interval, and every interval holds one
      // (a PVC just outside the window reaches in: its span runs to the next beat)
      const parsed = parseLocalizationAnswer(ex.answer);
      expect(parsed?.found).toBe(true);
      const intervals = parsed!.found ? parsed!.intervals : [];
      expect(intervals.length).toBeGreaterThan(0);
      const near = pvcs
        .filter((p) => p.sample >= a - 1080 && p.sample < b + 1080)
        .map((p) => (p.sample - a) / 360);
      const covers = (iv: { start: number; end: number }, t: number): boolean =>
        Math.min(10, Math.max(0, t)) >= iv.start - 0.05 && Math.min(10, Math.max(0, t)) <= iv.end + 0.05;
      for (const t of near.filter((t) => t >= 0 && t < 10))
        expect(intervals.some((iv) => covers(iv, t))).toBe(true);
      for (const iv of intervals) expect(near.some((t) => covers(iv, t))).toBe(true);
    }
    expect(starts.size).toBeGreaterThan(15);
    // the same draw gives the same window (resume depends on it)
    expect(await jitter.apply(orig, Rng.for(3, "t"))).toEqual(await jitter.apply(orig, Rng.for(3, "t")));
  });

  it("keeps an absent finding absent, and leaves other examples as they are", async () => {
    const jitter = new LocationJitter(dataDir);
    // record 101 has no PVC: every window answers No ... Found
    const none = location({ ecg_path: "mitdb/101", answer: `No ${PVC} Found` });
    for (let seed = 0; seed < 5; seed++) {
      const ex = await jitter.apply(none, Rng.for(seed, "t"));
      expect(ex.answer).toBe(`No ${PVC} Found`);
      expect(ex.ecg_start).not.toBe(none.ecg_start);
    }
    const report = location({ task: "report", answer: "Report: Sinus rhythm" });
    expect(await jitter.apply(report, Rng.for(0, "t"))).toBe(report);
  });
});
