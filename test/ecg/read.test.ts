import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectFormat, readEcg, readEcgs, SUPPORTED_EXTENSIONS } from "../../src/ecg/read.js";
import { writeEcg } from "../../src/ecg/write.js";
import { InputError } from "../../src/errors.js";
import { dataPath, describeData, samplesDir } from "../data.js";

const s = (name: string) => join(samplesDir, name);
const ptbxl = s("ptbxl-00001_lr.hea");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "anyecg-read-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function problem(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  return (e as Error).message;
}

describe("detectFormat", () => {
  it("recognises every shipped fixture by extension, and WFDB records by name, .hea or .dat", async () => {
    expect(await detectFormat(ptbxl)).toBe("wfdb");
    expect(await detectFormat(s("ptbxl-00001_lr"))).toBe("wfdb");
    expect(await detectFormat(s("ptbxl-00001_lr.dat"))).toBe("wfdb");
    expect(await detectFormat(s("test_generator_2-10s.edf"))).toBe("edf");
    expect(await detectFormat(s("edb-e0103-10s.csv"))).toBe("csv");
    expect(await detectFormat(s("hl7-aecg-example-2s.xml"))).toBe("hl7-aecg");
  });

  it("sniffs EDF and XML content behind an unknown extension", async () => {
    const edf = join(dir, "recording.rec");
    copyFileSync(s("test_generator_2-10s.edf"), edf);
    expect(await detectFormat(edf)).toBe("edf");
    const xml = join(dir, "ecg.hl7");
    copyFileSync(s("hl7-aecg-example-2s.xml"), xml);
    expect(await detectFormat(xml)).toBe("hl7-aecg");
  });

  it("names a missing file, a directory, an empty file, a .dat without header, an unknown type", async () => {
    expect(await problem(detectFormat(join(dir, "nope.csv")))).toBe("nope.csv: file not found");
    const sub = join(dir, "folder.csv");
    mkdirSync(sub);
    expect(await problem(detectFormat(sub))).toBe("folder.csv: is a directory, not an ECG file");
    const empty = join(dir, "empty.edf");
    writeFileSync(empty, "");
    expect(await problem(detectFormat(empty))).toBe("empty.edf: file is empty");
    const dat = join(dir, "lonely.dat");
    writeFileSync(dat, "xx");
    expect(await problem(detectFormat(dat))).toMatch(
      /lonely\.dat: a \.dat file needs its WFDB header lonely\.hea/,
    );
    const odd = join(dir, "signal.foo");
    writeFileSync(odd, "1 2 3\n");
    const msg = await problem(detectFormat(odd));
    expect(msg).toMatch(/^signal\.foo: unknown ECG file type "\.foo" \(supported: \.hea \.dat \.mat \.edf/);
    for (const ext of SUPPORTED_EXTENSIONS) expect(msg).toContain(ext);
  });
});

describe("readEcg", () => {
  it("reads each format through one call", async () => {
    const wfdb = await readEcg(ptbxl);
    expect([wfdb.source.format, wfdb.fs, wfdb.leads.length, wfdb.signals[0]!.length]).toEqual([
      "wfdb",
      100,
      12,
      1000,
    ]);
    const edf = await readEcg(s("test_generator_2-10s.edf"));
    expect([edf.source.format, edf.fs, edf.signals[0]!.length]).toEqual(["edf+", 200, 2000]);
    const csv = await readEcg(s("edb-e0103-10s.csv"), { fs: 250 });
    expect([csv.source.format, csv.fs, csv.signals[0]!.length]).toEqual(["csv", 250, 2500]);
    const xml = await readEcg(s("hl7-aecg-example-2s.xml"));
    expect([xml.source.format, xml.fs, xml.leads.length]).toEqual(["hl7-aecg", 500, 12]);
  });

  it("passes the CSV rate problem through with its advice", async () => {
    expect(await problem(readEcg(s("edb-e0103-10s.csv")))).toMatch(/no sampling rate.*fs: 250/);
  });

  it("cuts [from, to) seconds the same way in every format", async () => {
    for (const [path, opts] of [
      [ptbxl, {}],
      [s("test_generator_2-10s.edf"), {}],
      [s("edb-e0103-10s.csv"), { fs: 250 }],
      [s("hl7-aecg-example-2s.xml"), {}],
    ] as const) {
      const full = await readEcg(path, opts);
      const part = await readEcg(path, { ...opts, from: 0.5, to: 1.5 });
      const a = Math.round(0.5 * full.fs);
      const b = Math.round(1.5 * full.fs);
      expect(part.signals[0]).toEqual(full.signals[0]!.slice(a, b));
      expect(part.fs).toBe(full.fs);
    }
  });

  it("shifts annotations into a window and keeps only those inside it", async () => {
    const full = await readEcg(s("hl7-aecg-example-2s.xml"));
    const part = await readEcg(s("hl7-aecg-example-2s.xml"), { from: 1 });
    expect(part.annotations.map((a) => a.sample)).toEqual(
      full.annotations.filter((a) => a.sample >= 500).map((a) => a.sample - 500),
    );
    expect(part.startTime).toBe("2002-11-22T09:10:01.000");
  });

  it("selects leads in every format", async () => {
    expect((await readEcg(ptbxl, { leads: ["V1"] })).leads).toEqual(["V1"]);
    expect((await readEcg(s("hl7-aecg-example-2s.xml"), { leads: ["II"] })).leads).toEqual(["II"]);
    expect((await readEcg(s("test_generator_2-10s.edf"), { leads: ["ECG"] })).leads).toEqual(["ECG"]);
  });

  it("refuses windows that are negative, reversed or past the end", async () => {
    expect(await problem(readEcg(ptbxl, { from: -1 }))).toMatch(/from must be a number of seconds >= 0/);
    expect(await problem(readEcg(ptbxl, { from: 2, to: 1 }))).toMatch(
      /to must be a number of seconds after from/,
    );
    expect(await problem(readEcg(ptbxl, { from: 10 }))).toMatch(/from=10 s is at or past the end/);
    expect(await problem(readEcg(s("test_generator_2-10s.edf"), { from: 11 }))).toMatch(/past the end/);
    expect(await problem(readEcg(s("edb-e0103-10s.csv"), { fs: 250, from: 12 }))).toMatch(/past the end/);
  });

  it("readEcgs reads several files in order", async () => {
    const ecgs = await readEcgs([ptbxl, s("hl7-aecg-example-2s.xml")]);
    expect(ecgs.map((e) => e.source.format)).toEqual(["wfdb", "hl7-aecg"]);
  });
});

describe("writeEcg", () => {
  it("writes JSON, CSV and WFDB by extension, each reading back through readEcg", async () => {
    const ecg = await readEcg(ptbxl);
    for (const name of ["out.json", "out.csv", "out.hea"]) {
      const written = await writeEcg(ecg, join(dir, name));
      expect(written.length).toBeGreaterThan(0);
      const back = await readEcg(join(dir, name));
      expect(back.fs).toBe(100);
      expect(back.leads).toEqual(ecg.leads);
      // JSON and CSV are exact; WFDB format 16 keeps the record's own 1/1000 mV steps.
      let worst = 0;
      back.signals.forEach((sig, l) => {
        for (let i = 0; i < sig.length; i++) worst = Math.max(worst, Math.abs(sig[i]! - ecg.signals[l]![i]!));
      });
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it("never replaces an existing file unless asked, naming it", async () => {
    const ecg = await readEcg(s("edb-e0103-10s.csv"), { fs: 250 });
    const p = join(dir, "keep.json");
    await writeEcg(ecg, p);
    expect(await problem(writeEcg(ecg, p))).toMatch(/keep\.json: file exists/);
    await writeEcg(ecg, p, { overwrite: true });
    const hea = join(dir, "keep.hea");
    await writeEcg(ecg, hea);
    expect(await problem(writeEcg(ecg, hea))).toMatch(/keep\.hea: file exists/);
    expect(await problem(writeEcg(ecg, join(dir, "x.edf")))).toMatch(
      /x\.edf: cannot write "\.edf" files \(supported: \.hea/,
    );
  });

  it("writes WFDB format 212 when asked", async () => {
    const ecg = await readEcg(ptbxl);
    await writeEcg(ecg, join(dir, "f212.dat"), { format: 212 });
    const back = await readEcg(join(dir, "f212.hea"));
    expect(back.source.format).toBe("wfdb");
    expect(back.signals[0]!.length).toBe(1000);
  });
});

describeData("readEcg on the shared conformance files", () => {
  it("reads the EDF and WFDB copies of test_generator_2 to the same ECG signal", async () => {
    const edf = await readEcg(dataPath("formats", "wfdb", "test_generator_2.edf"), {
      leads: ["ECG"],
      from: 10,
      to: 20,
    });
    const wfdb = await readEcg(dataPath("formats", "wfdb", "test_generator_2.hea"), {
      leads: ["ECG"],
      from: 10,
      to: 20,
    });
    expect(edf.signals[0]!.length).toBe(2000);
    expect(wfdb.signals[0]!.length).toBe(2000);
    let worst = 0;
    for (let i = 0; i < 2000; i++)
      worst = Math.max(worst, Math.abs(edf.signals[0]![i]! - wfdb.signals[0]![i]!));
    expect(worst).toBeLessThan(2e-5);
  });

  it("reads a MATLAB v4 record through its header", async () => {
    const ecg = await readEcg(dataPath("formats", "wfdb", "a103l.mat"));
    expect(ecg.source.format).toBe("wfdb");
    expect(ecg.signals[0]!.length).toBeGreaterThan(0);
  });
});
