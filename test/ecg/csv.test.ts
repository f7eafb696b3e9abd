import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCsv, writeCsv } from "../../src/ecg/csv.js";
import { InputError } from "../../src/errors.js";
import type { Ecg } from "../../src/ecg/record.js";
import { dataPath, describeData, samplesDir } from "../data.js";

const excerpt = join(samplesDir, "edb-e0103-10s.csv");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "anyecg-csv-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function problem(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  return (e as Error).message;
}

describe("CSV reader on the shipped European ST-T excerpt (one column, no header, no time)", () => {
  it("without a rate, says there is no time column and how to pass fs", async () => {
    const msg = await problem(readCsv(excerpt));
    expect(msg).toMatch(/^edb-e0103-10s\.csv: no sampling rate: the file has no time column/);
    expect(msg).toMatch(/\{ fs: 250 \}/);
  });

  it("with fs 250, gives 10 s of one lead in mV with the file's values", async () => {
    const ecg = await readCsv(excerpt, { fs: 250 });
    expect(ecg.fs).toBe(250);
    expect(ecg.leads).toEqual(["ch1"]);
    expect(ecg.units).toEqual(["mV"]);
    expect(ecg.signals[0]!.length).toBe(2500);
    const lines = readFileSync(excerpt, "utf8").trim().split("\n");
    expect(ecg.signals[0]![0]).toBe(Math.fround(0.455));
    expect(ecg.signals[0]![2499]).toBe(Math.fround(Number(lines[2499])));
  });

  it("honours a units option for columns whose header gives none", async () => {
    const ecg = await readCsv(excerpt, { fs: 250, units: "V" });
    expect(ecg.signals[0]![0]).toBeCloseTo(455, 3);
  });
});

describe("CSV layouts", () => {
  it("reads a header with lead names and units, a time column in seconds, and comma delimiters", async () => {
    const p = csv("h.csv", "time,II (uV),V1 [mV]\n0,1000,0.5\n0.004,2000,0.25\n0.008,-500,0\n0.012,0,1\n");
    const ecg = await readCsv(p);
    expect(ecg.fs).toBe(250);
    expect(ecg.leads).toEqual(["II", "V1"]);
    expect(ecg.units).toEqual(["mV", "mV"]);
    expect(Array.from(ecg.signals[0]!)).toEqual([1, 2, -0.5, 0]);
    expect(Array.from(ecg.signals[1]!)).toEqual([0.5, 0.25, 0, 1]);
    expect(ecg.source.timeColumn).toEqual({ name: "time", unit: "s" });
  });

  it("infers the rate from a rounded time column (360 Hz printed with 3 decimals)", async () => {
    const rows = Array.from({ length: 3600 }, (_, i) => `${(i / 360).toFixed(3)},${i % 7}`);
    const ecg = await readCsv(csv("r.csv", "t,MLII\n" + rows.join("\n")));
    expect(ecg.fs).toBe(360);
  });

  it("reads semicolons with decimal commas, tabs, and whitespace", async () => {
    const semi = await readCsv(csv("s.csv", "ms;I;II\n0;0,5;1,5\n2;0,25;1\n4;0;-1\n"));
    expect(semi.fs).toBe(500);
    expect(Array.from(semi.signals[0]!)).toEqual([0.5, 0.25, 0]);
    const tab = await readCsv(csv("t.tsv", "I\tII\n1\t2\n3\t4\n"), { fs: 100 });
    expect(Array.from(tab.signals[1]!)).toEqual([2, 4]);
    const ws = await readCsv(csv("w.txt", "  1   2\n 3 4  \n\n5 6\n"), { fs: 100 });
    expect(ws.leads).toEqual(["ch1", "ch2"]);
    expect(Array.from(ws.signals[0]!)).toEqual([1, 3, 5]);
  });

  it("detects a headerless time column: seconds, or a sample index (no rate); other integer steps are data", async () => {
    const secs = await readCsv(csv("a.csv", "0.00,1\n0.01,2\n0.02,3\n"));
    expect(secs.fs).toBe(100);
    expect(secs.leads).toEqual(["ch2"]);
    const index = csv("b.csv", "0,5\n1,6\n2,7\n");
    expect(await problem(readCsv(index))).toMatch(/no sampling rate/);
    expect((await readCsv(index, { fs: 360 })).leads).toEqual(["ch2"]);
    const ints = await readCsv(csv("c.csv", "0,5\n4,6\n8,7\n12,8\n"), { fs: 10 });
    expect(ints.leads).toEqual(["ch1", "ch2"]);
  });

  it("honours '# fs=' comments, and refuses a rate that disagrees with the time column", async () => {
    const p = csv("f.csv", "# fs=128\nI\n1\n2\n");
    expect((await readCsv(p)).fs).toBe(128);
    const q = csv("g.csv", "time,I\n0,1\n0.01,2\n0.02,3\n");
    expect(await problem(readCsv(q, { fs: 250 }))).toMatch(
      /the fs option says 250 Hz but the time column says 100 Hz/,
    );
  });

  it("selects leads by name, case-insensitively, and names a missing one", async () => {
    const p = csv("l.csv", "time,I,II,V1\n0,1,2,3\n0.5,4,5,6\n");
    const ecg = await readCsv(p, { leads: ["v1", "I"] });
    expect(ecg.leads).toEqual(["V1", "I"]);
    expect(ecg.fs).toBe(2);
    expect(await problem(readCsv(p, { leads: ["aVR"] }))).toMatch(/no lead "aVR" \(leads: I, II, V1\)/);
  });
});

describe("bad CSV input names the file, the line and the column", () => {
  it("text in a number column", async () => {
    const p = csv("text.csv", "time,I,II\n0,1,2\n0.1,1,oops\n");
    expect(await problem(readCsv(p))).toBe('text.csv: line 3, column 3 ("II"): "oops" is not a number');
  });

  it("NaN and empty cells", async () => {
    expect(await problem(readCsv(csv("nan.csv", "1,2\n3,NaN\n"), { fs: 1 }))).toBe(
      'nan.csv: line 2, column 2: "NaN" is not a number',
    );
    expect(await problem(readCsv(csv("empty-cell.csv", "1,,2\n3,4,5\n"), { fs: 1 }))).toMatch(
      /line 1, column 2: "" is not a number/,
    );
  });

  it("ragged rows", async () => {
    const p = csv("ragged.csv", "I,II\n1,2\n3\n");
    expect(await problem(readCsv(p, { fs: 10 }))).toBe("ragged.csv: line 3 has 1 fields, expected 2");
  });

  it("an irregular time column", async () => {
    // 100 Hz with one sample missing after row 50 (printed to 4 decimals, so not a rounding effect).
    const rows = Array.from({ length: 100 }, (_, i) => `${((i < 50 ? i : i + 1) / 100).toFixed(4)},${i}`);
    const p = csv("irr.csv", "time,I\n" + rows.join("\n"));
    expect(await problem(readCsv(p))).toMatch(/irr\.csv: time column "time" is not uniformly spaced/);
  });

  it("an empty file, or a file with only a header", async () => {
    expect(await problem(readCsv(csv("empty.csv", ""), { fs: 1 }))).toMatch(/empty\.csv: no data/);
    const only = await readCsv(csv("header.csv", "I,II\n"), { fs: 100 });
    expect(only.signals.map((s) => s.length)).toEqual([0, 0]);
  });

  it("a bad fs option", async () => {
    expect(await problem(readCsv(excerpt, { fs: -5 }))).toMatch(/fs must be a positive number/);
  });
});

describe("CSV writer", () => {
  const ecg: Ecg = {
    name: "rt",
    fs: 360,
    leads: ["MLII", "V5", "Temp"],
    units: ["mV", "mV", "degC"],
    signals: [0, 1, 2].map((l) =>
      Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 0.37 + l) * 10 ** (l - 2) * 3.3),
    ),
    startTime: "2020-01-02T03:04:05",
    annotations: [],
    source: { format: "test", path: "" },
  };

  it("round-trips every float32 exactly, with and without a time column", async () => {
    for (const time of [true, false]) {
      const p = join(dir, `rt-${time}.csv`);
      await writeCsv(ecg, p, { time });
      const back = await readCsv(p);
      expect(back.fs).toBe(360);
      expect(back.name).toBe("rt");
      expect(back.leads).toEqual(ecg.leads);
      expect(back.units).toEqual(ecg.units);
      expect(back.startTime).toBe(ecg.startTime);
      back.signals.forEach((s, l) => expect(s).toEqual(ecg.signals[l]));
    }
  });

  it("refuses to replace an existing file unless asked", async () => {
    const p = join(dir, "exists.csv");
    await writeCsv(ecg, p);
    expect(await problem(writeCsv(ecg, p))).toMatch(/exists\.csv: file exists/);
    await writeCsv({ ...ecg, fs: 500 }, p, { overwrite: true });
    expect((await readCsv(p)).fs).toBe(500);
  });

  it("refuses NaN samples instead of writing an unreadable file", async () => {
    const bad = {
      ...ecg,
      signals: [Float32Array.from([1, NaN]), Float32Array.from([1, 2]), Float32Array.from([1, 2])],
    };
    await expect(writeCsv(bad, join(dir, "nan-out.csv"))).rejects.toThrow(/lead "MLII" sample 1: NaN/);
  });
});

describeData("CSV reader on the shared European ST-T excerpts", () => {
  it.each(["edb_e0103_excerpt.csv", "edb_e0110_excerpt.csv", "edb_e0124_excerpt.csv"])(
    "%s: 2 minutes at 250 Hz, one lead, values within a few mV",
    async (name) => {
      const ecg = await readCsv(dataPath("formats", "other", name), { fs: 250 });
      expect(ecg.signals[0]!.length).toBe(30000);
      expect(ecg.signals[0]!.length / ecg.fs).toBe(120);
      const s = ecg.signals[0]!;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of s) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect(hi - lo).toBeGreaterThan(0.3);
      expect(Math.max(Math.abs(lo), Math.abs(hi))).toBeLessThan(10);
    },
  );
});
