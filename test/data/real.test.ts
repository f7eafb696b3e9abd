import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { describeData, dataDir } from "../data.js";
import { buildDataset } from "../../src/data/build.js";
import { formatLocalizationAnswer, parseLocalizationAnswer } from "../../src/data/intervals.js";
import { readAnnotations, readRecordInfo } from "../../src/data/records.js";
import { loadCpsc2021 } from "../../src/data/sources/cpsc2021.js";
import { loadLudb } from "../../src/data/sources/ludb.js";
import { loadMitdb, type AnnotatedRecord } from "../../src/data/sources/mitdb.js";
import { loadPtbxl } from "../../src/data/sources/ptbxl.js";
import { loadCinc2017 } from "../../src/data/sources/cinc2017.js";
import { findingIntervals } from "../../src/data/tasks/location.js";
import { multiExamples } from "../../src/data/tasks/multi.js";
import { rhythmEpisodes } from "../../src/data/intervals.js";

describeData("dataset builder on real records", () => {
  let r119: AnnotatedRecord;
  beforeAll(async () => {
    const info = await readRecordInfo(dataDir, "mitdb/119");
    const annotations = await readAnnotations(dataDir, "mitdb/119", "atr");
    r119 = {
      info,
      annotations,
      episodes: rhythmEpisodes(annotations, info.length),
      split: "valid",
      patient: "119",
    };
  });

  // MIT-BIH 119 (360 Hz), annotations checked by hand in 119.atr:
  //   309 N, 503 V, 977 N, 1315 N, 1651 N, 1971 N, 2294 N, 2488 V, 2956 N, 3296 N, 3613 N, 3923 N,
  //   4257 N, 4448 V, 4906 N, ... 7512 N, 7610 + (B, 7709 V, 8178 N, 8377 V, 8860 N, 9052 V,
  //   9531 N, 9736 V, 10194 N, 10421 V, 10867 N, 11065 V, 11305 + (N, 11545 N
  it("MIT-BIH 119 [400, 4000): V spans from the previous to the next beat, clipped at the window start", () => {
    const v = { kind: "beat" as const, code: "V", name: "Premature ventricular contraction" };
    // V 503: [309, 977] clipped to [400, 977] -> 0.0 s-1.6 s; V 2488: [2294, 2956] -> 5.26-7.1 -> 5.3 s-7.1 s
    const iv = findingIntervals(r119, v, { start: 400, end: 4000 });
    expect(formatLocalizationAnswer(v.name, iv)).toBe("Duration: 0.0s-1.6s, 5.3s-7.1s");
  });
  it("MIT-BIH 119 [6500, 10100): bigeminal V spans merge and clip at the window end; the (B episode too", () => {
    const v = { kind: "beat" as const, code: "V", name: "Premature ventricular contraction" };
    // V 7709 [7512, 8178] -> 2.81 s; V 8377, 9052 touch; V 9736 [9531, 10194] clipped to 10100 -> 10.0 s
    expect(formatLocalizationAnswer(v.name, findingIntervals(r119, v, { start: 6500, end: 10100 }))).toBe(
      "Duration: 2.8s-10.0s",
    );
    const b = { kind: "rhythm" as const, code: "(B", name: "Ventricular bigeminy" };
    // (B from 7610 to 11305: (7610-6500)/360 = 3.08 -> 3.1 s, clipped at 10.0 s
    expect(formatLocalizationAnswer(b.name, findingIntervals(r119, b, { start: 6500, end: 10100 }))).toBe(
      "Duration: 3.1s-10.0s",
    );
    const a = { kind: "beat" as const, code: "A", name: "Atrial premature beat" };
    expect(formatLocalizationAnswer(a.name, findingIntervals(r119, a, { start: 400, end: 4000 }))).toBe(
      "No Atrial premature beat Found",
    );
  });

  it("CPSC 2021 data_101_6: an AF episode crossing the window's start edge", async () => {
    const recs = await loadCpsc2021(dataDir);
    const rec = recs.find((r) => r.info.name === "data_101_6")!;
    expect(rec.info.fs).toBe(200);
    // + (AFIB at 3132, + (N at 5639 (checked in data_101_6.atr)
    const af = { kind: "rhythm" as const, code: "(AFIB", name: "Atrial fibrillation" };
    expect(formatLocalizationAnswer(af.name, findingIntervals(rec, af, { start: 2000, end: 4000 }))).toBe(
      "Duration: 5.7s-10.0s",
    );
    expect(formatLocalizationAnswer(af.name, findingIntervals(rec, af, { start: 5000, end: 7000 }))).toBe(
      "Duration: 0.0s-3.2s",
    );
    expect(new Set(recs.filter((r) => r.split === "valid").map((r) => r.patient))).toEqual(
      new Set(["cpsc2021:92", "cpsc2021:35"]),
    );
  });

  it("LUDB record 1: waves from lead II delineation, inside the annotated part", async () => {
    const recs = await loadLudb(dataDir);
    const r1 = recs.find((r) => r.info.name === "1")!;
    // 1.ii starts: 644 ( 662 N 682 ), 776 ( 843 t 878 ), 1250 ( 1278 p 1302 ), 1324 ( 1342 N 1374 )
    expect(r1.annotated.start).toBe(644);
    expect(r1.waves["P wave"]![0]).toEqual({ start: 1250, end: 1302 });
    expect(r1.diagnoses[0]).toBe("Sinus bradycardia");
  });

  it("multi-ECG: the same patient's ECGs in time order with true answers", async () => {
    const ptbxl = await loadPtbxl(dataDir);
    const ex = multiExamples({ ptbxl }, 0).map((e) => e.example);
    // Patient 13619: ECG 17 (AFLT, ABQRS, AFIB), 18 (AFLT), 20 (AFLT, ABQRS), 23 (AFLT) -- first four by date.
    const group = ex.filter(
      (e) => Array.isArray(e.ecg_path) && e.ecg_path[0] === "ptbxl/records100/00000/00017_lr",
    );
    const serial = group.filter((e) => e.id.includes("-serial-"));
    expect(serial.length).toBeGreaterThan(0);
    expect(serial[0]!.ecg_path).toEqual([17, 18, 20, 23].map((i) => `ptbxl/records100/00000/000${i}_lr`));
    const which = serial.find((e) => e.id.endsWith("-which"))!;
    const expected: Record<string, string> = {
      "Atrial flutter": "ECG 1, ECG 2, ECG 3, ECG 4",
      "Abnormal QRS": "ECG 1, ECG 3",
      "Atrial fibrillation": "ECG 1",
    };
    const name = Object.keys(expected).find((n) => which.question.includes(n))!;
    expect(which.answer).toBe(expected[name]);
    expect(serial.every((e) => e.split === "valid")).toBe(true); // fold 9
  });

  it("keeps every patient on one side and builds the same bytes twice", async () => {
    const out1 = await mkdtemp(join(tmpdir(), "anyecg-ds-"));
    const out2 = await mkdtemp(join(tmpdir(), "anyecg-ds-"));
    try {
      const opts = {
        dataDir,
        seed: 3,
        log: null,
        limit: 4,
        sources: ["mitdb", "ptbxl", "cinc2017", "ludb"] as const,
      };
      const a = await buildDataset({ ...opts, sources: [...opts.sources], outDir: out1 });
      await buildDataset({ ...opts, sources: [...opts.sources], outDir: out2 });
      for (const f of ["train.jsonl", "valid.jsonl", "stats.json"])
        expect(await readFile(join(out1, f))).toEqual(await readFile(join(out2, f)));
      // Patient-disjoint: map every ECG path to the sides it appears on.
      const sides = new Map<string, Set<string>>();
      for (const { example: e } of a.examples)
        for (const p of [e.ecg_path].flat()) sides.set(p, (sides.get(p) ?? new Set()).add(e.split));
      expect([...sides].filter(([, s]) => s.size > 1)).toEqual([]);
      const ptbxl = await loadPtbxl(dataDir);
      const patientSides = new Map<string, Set<string>>();
      for (const r of ptbxl.records)
        if (sides.has(r.path))
          patientSides.set(r.patient, (patientSides.get(r.patient) ?? new Set()).add(r.split));
      expect([...patientSides].filter(([, s]) => s.size > 1)).toEqual([]);
      // Every localization answer parses back.
      for (const { example: e } of a.examples)
        if (e.task === "location" || e.task === "location_long")
          expect(parseLocalizationAnswer(e.answer)).not.toBeNull();
      const cinc = await loadCinc2017(dataDir);
      expect(cinc.filter((r) => r.split === "valid").length / cinc.length).toBeCloseTo(0.15, 1);
      expect((await loadMitdb(dataDir)).filter((r) => r.split === "valid").map((r) => r.info.name)).toEqual([
        "109",
        "119",
        "124",
        "201",
        "220",
      ]);
    } finally {
      await rm(out1, { recursive: true, force: true });
      await rm(out2, { recursive: true, force: true });
    }
  });
});
