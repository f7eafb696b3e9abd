import { describe, it, expect } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { samplesDir, describeData, dataPath } from "../data.js";

const cli = ["--import", "tsx", join(import.meta.dirname, "../../src/cli/main.ts")];
const run = (...args: string[]) => spawnSync(process.execPath, [...cli, ...args], { encoding: "utf8" });

describe("anyecg CLI", () => {
  it("info --json describes a WFDB record with its annotation counts", () => {
    const r = run("info", join(samplesDir, "mitdb-119-excerpt.hea"), "--json");
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ format: "wfdb", fs: 360, samples: 3600, durationSeconds: 10 });
    expect(info.leads).toEqual(["MLII", "V1"]);
    expect(info.annotations.counts).toEqual({ N: 8, V: 4, "+": 1 });
    expect(info.annotations.total).toBe(13);
  });

  it("info accepts the record path without extension and EDF files", () => {
    const wfdb = JSON.parse(run("info", join(samplesDir, "ptbxl-00001_lr"), "--json").stdout);
    expect(wfdb).toMatchObject({ fs: 100, samples: 1000 });
    expect(wfdb.leads).toHaveLength(12);
    const edf = JSON.parse(run("info", join(samplesDir, "test_edfann.edf"), "--json").stdout);
    expect(edf.format).toMatch(/^edf/);
    expect(edf.annotations.total).toBeGreaterThan(0);
  });

  it("reports bad input in one line naming the file, with a non-zero exit", () => {
    const dir = mkdtempSync(join(tmpdir(), "anyecg-cli-"));
    const empty = join(dir, "empty.csv");
    writeFileSync(empty, "");
    const r = run("info", empty);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("empty.csv: file is empty");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const missing = run("info", join(dir, "nope.hea"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("nope");
  });

  it("plot writes an SVG on ECG paper and refuses to overwrite without --force", () => {
    const dir = mkdtempSync(join(tmpdir(), "anyecg-cli-"));
    const out = join(dir, "p.svg");
    expect(run("plot", join(samplesDir, "ptbxl-00001_lr.hea"), "-o", out).status).toBe(0);
    const svg = readFileSync(out, "utf8");
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain(">V6<");
    const again = run("plot", join(samplesDir, "ptbxl-00001_lr.hea"), "-o", out);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("already exists");
  });

  it("convert round-trips WFDB -> CSV -> WFDB", () => {
    const dir = mkdtempSync(join(tmpdir(), "anyecg-cli-"));
    const csv = join(dir, "x.csv");
    execFileSync(process.execPath, [...cli, "convert", join(samplesDir, "mitdb-119-excerpt.hea"), csv]);
    const back = JSON.parse(run("info", csv, "--json").stdout);
    expect(back).toMatchObject({ fs: 360, samples: 3600, leads: ["MLII", "V1"] });
  });
});

describeData("anyecg info on the shared data", () => {
  it("reads .hea, .mat, .edf, .csv and .xml", () => {
    const cases: [string[], string, number][] = [
      [[dataPath("mitdb/101.hea")], "wfdb", 360],
      [[dataPath("cinc2017/A00001.mat")], "wfdb", 300],
      [[dataPath("formats/wfdb/test_generator_2.edf")], "edf", 0],
      [[dataPath("formats/other/edb_e0103_excerpt.csv"), "--fs", "250"], "csv", 250],
      [[dataPath("formats/other/hl7_aecg_example.xml")], "hl7-aecg", 500],
    ];
    for (const [args, format, fs] of cases) {
      const r = run("info", ...args, "--json");
      expect(r.status, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout);
      expect(info.format.startsWith(format)).toBe(true);
      if (fs) expect(info.fs).toBe(fs);
      expect(info.samples).toBeGreaterThan(0);
    }
  });
});
