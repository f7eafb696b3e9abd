// Stage mixing with replay, and reading examples' ECGs: windows, lead selection by standard
// name, the LRU cache of decoded records, multi-ECG examples.
import { describe, it, expect } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeData, dataDir, dataPath } from "../data.js";
import type { Example } from "../../src/data/example.js";
import { EcgLoader, mixStage, readExamples, repeatDatasets } from "../../src/train/examples.js";
import { readEcg } from "../../src/ecg/read.js";
import { InputError } from "../../src/errors.js";

function ex(stage: number, task: Example["task"], i: number, extra: Partial<Example> = {}): Example {
  return { question: `q${i}`, answer: `a${i}`, ecg_path: `r/${i}`, dataset: "d", task, leads: ["I"], split: "train", stage, id: `${stage}-${task}-${i}`, ...extra }; // prettier-ignore
}

const pool: Example[] = [
  ...Array.from({ length: 40 }, (_, i) => ex(1, "report", i)),
  ...Array.from({ length: 30 }, (_, i) => ex(2, "location", 100 + i)),
  ...Array.from({ length: 20 }, (_, i) => ex(2, "ecgqa", 200 + i)),
  ...Array.from({ length: 10 }, (_, i) => ex(3, "multi", 300 + i)),
];

describe("stage mixing", () => {
  it("takes the stage's tasks and a seeded replay fraction of earlier stages", () => {
    const m = mixStage(pool, { stage: 3, replay: 0.25, seed: 1 });
    expect(m.filter((e) => e.stage === 3)).toHaveLength(10);
    expect(m.filter((e) => e.stage < 3)).toHaveLength(23); // round(0.25 * 90)
    expect(mixStage(pool, { stage: 3, replay: 0.25, seed: 1 })).toEqual(m);
    expect(mixStage(pool, { stage: 3, replay: 0.25, seed: 2 })).not.toEqual(m);
    expect(new Set(m.map((e) => e.id)).size).toBe(m.length); // no example twice
    const s2 = mixStage(pool, { stage: 2, tasks: ["location"], replay: 0, seed: 1 });
    expect(s2.map((e) => e.task)).toEqual(Array(30).fill("location"));
    expect(mixStage(pool, { stage: 0, tasks: ["report"], replay: 0, seed: 1 })).toHaveLength(40);
  });

  it("repeats the examples of the datasets named, in place, the others once", () => {
    const small = [ex(1, "report", 1), ex(1, "report", 2, { dataset: "ptb-xl" }), ex(1, "report", 3)];
    expect(repeatDatasets(small, { "ptb-xl": 3 }).map((e) => e.id)).toEqual([
      "1-report-1",
      "1-report-2",
      "1-report-2",
      "1-report-2",
      "1-report-3",
    ]);
    expect(repeatDatasets(small, {})).toEqual(small);
  });

  it("replays the listed stages, later ones included, never the stage's own examples twice", () => {
    const m = mixStage(pool, {
      stage: 2,
      tasks: ["location"],
      replay: 0.5,
      replayStages: [1, 2, 3],
      seed: 1,
    });
    expect(m.filter((e) => e.stage === 2).map((e) => e.task)).toEqual(Array(30).fill("location"));
    const s1 = m.filter((e) => e.stage === 1).length;
    const s3 = m.filter((e) => e.stage === 3).length;
    expect(s1 + s3).toBe(25); // round(0.5 * (40 reports + 10 multi)); stage 2 is not replayed
    expect(s1).toBeGreaterThan(0);
    expect(s3).toBeGreaterThan(0);
  });

  it("reads JSONL and names the file and line of a bad one", () => {
    const dir = mkdtempSync(join(tmpdir(), "anyecg-ex-"));
    const good = join(dir, "good.jsonl");
    writeFileSync(
      good,
      pool
        .slice(0, 3)
        .map((e) => JSON.stringify(e))
        .join("\n") + "\n",
    );
    expect(readExamples(good)).toEqual(pool.slice(0, 3));
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, JSON.stringify(pool[0]) + "\n{not json\n");
    expect(() => readExamples(bad)).toThrow(InputError);
    expect(() => readExamples(bad)).toThrow(/bad.jsonl: line 2/);
  });
});

describeData("reading examples' ECGs", () => {
  it("cuts MIT-BIH windows to the shown leads from one cached read", async () => {
    const loader = new EcgLoader(dataDir);
    const w1 = ex(2, "location", 1, { ecg_path: "mitdb/101", leads: ["II"], ecg_start: 3600, ecg_end: 7200 });
    const w2 = ex(2, "location", 2, { ecg_path: "mitdb/101", leads: ["II", "V1"], ecg_start: 360000, ecg_end: 363600 }); // prettier-ignore
    const [a] = await loader.load(w1);
    const [b] = await loader.load(w2);
    expect(loader.reads).toBe(1);
    expect(a!.leads).toEqual(["II"]);
    expect(b!.leads).toEqual(["II", "V1"]);
    expect(a!.signals[0]!.length).toBe(3600);
    const ref = await readEcg(dataPath("mitdb", "101"), { from: 10, to: 20, annotators: "none" });
    expect(ref.leads[0]).toBe("MLII");
    expect(Array.from(a!.signals[0]!)).toEqual(Array.from(ref.signals[0]!));
    expect(await loader.durations(w2)).toEqual([10]);
  });

  it("evicts least recently used records beyond the byte budget", async () => {
    const loader = new EcgLoader(dataDir, { cacheBytes: 6e6 }); // one MIT-BIH record is 5.2 MB
    const e = (p: string): Example =>
      ex(2, "location", 0, { ecg_path: p, leads: ["II"], ecg_start: 0, ecg_end: 360 });
    await loader.load(e("mitdb/101"));
    await loader.load(e("mitdb/106"));
    await loader.load(e("mitdb/106"));
    expect(loader.cached).toBe(1);
    await loader.load(e("mitdb/101"));
    expect(loader.reads).toBe(3);
  });

  it("reads every ECG of a multi-ECG example, and single-lead CinC 2017 as lead I", async () => {
    const loader = new EcgLoader(dataDir);
    const m = ex(3, "multi", 0, { ecg_path: ["cinc2017/A00001", "cinc2017/A00002"], leads: ["I"] });
    const ecgs = await loader.load(m);
    expect(ecgs).toHaveLength(2);
    expect(ecgs.map((x) => x.leads)).toEqual([["I"], ["I"]]);
    expect(ecgs[0]!.fs).toBe(300);
    const missing = ex(1, "report", 0, { ecg_path: "cinc2017/A00001", leads: ["V1"] });
    await expect(loader.load(missing)).rejects.toThrow(/no lead V1/);
  });
});
