/**
 * `npm run bench -- io [--json]`: how fast the readers are on real files.
 * Per format: read time per record (best and median of 5) and MB/s of file bytes. Then a
 * 30-minute MIT-BIH record, and a 13-hour two-lead recording made by concatenating every shared
 * MIT-BIH record (written once as WFDB 212 to a temporary folder), read whole and in 10-minute
 * chunks, with the chunked read's peak heap growth to show memory stays bounded.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEcg } from "../src/ecg/read.js";
import { readWfdbRecord, readWfdbChunks, writeWfdbRecord } from "../src/ecg/wfdb/index.js";
import type { Ecg } from "../src/ecg/record.js";
import type { BenchOptions } from "./run.js";
import { dataDir, printTable, timeIt } from "./util.js";

interface Row {
  what: string;
  format: string;
  megabytes: number;
  bestMs: number;
  medianMs: number;
  mbPerSecond: number;
}

function fileBytes(paths: string[]): number {
  return paths.filter(existsSync).reduce((n, p) => n + statSync(p).size, 0);
}

async function measure(
  what: string,
  format: string,
  files: string[],
  read: () => Promise<unknown>,
): Promise<Row> {
  const mb = fileBytes(files) / 1e6;
  const t = await timeIt(read, 5);
  return {
    what,
    format,
    megabytes: mb,
    bestMs: t.best * 1e3,
    medianMs: t.median * 1e3,
    mbPerSecond: mb / t.median,
  };
}

function concatenate(records: Ecg[]): Ecg {
  const n = records.reduce((s, r) => s + r.signals[0]!.length, 0);
  const signals = [0, 1].map(() => new Float32Array(n));
  let at = 0;
  for (const r of records) {
    for (let l = 0; l < 2; l++) signals[l]!.set(r.signals[l]!, at);
    at += r.signals[0]!.length;
  }
  return { ...records[0]!, name: "mitdb13h", leads: ["MLII", "V1"], signals, annotations: [] };
}

export default async function io(_opts: BenchOptions): Promise<Record<string, unknown>> {
  const d = (...p: string[]) => join(dataDir, ...p);
  const rows: Row[] = [];
  const cases: [string, string, string, string[]][] = [
    [
      "MIT-BIH 101 (30 min, 2 leads, 360 Hz)",
      "wfdb 212",
      d("mitdb/101.hea"),
      [d("mitdb/101.dat"), d("mitdb/101.hea")],
    ],
    [
      "PTB-XL 00001 (10 s, 12 leads)",
      "wfdb 16",
      d("ptbxl/records100/00000/00001_lr.hea"),
      [d("ptbxl/records100/00000/00001_lr.dat")],
    ],
    ["LUDB 1 (10 s, 12 leads, 500 Hz)", "wfdb 16", d("ludb/data/1.hea"), [d("ludb/data/1.dat")]],
    ["CinC 2017 A00001 (single lead)", "mat v4", d("cinc2017/A00001.hea"), [d("cinc2017/A00001.mat")]],
    [
      "test_generator_2",
      "edf",
      d("formats/wfdb/test_generator_2.edf"),
      [d("formats/wfdb/test_generator_2.edf")],
    ],
    [
      "European ST-T e0103 excerpt",
      "csv",
      d("formats/other/edb_e0103_excerpt.csv"),
      [d("formats/other/edb_e0103_excerpt.csv")],
    ],
    [
      "HL7 aECG example",
      "xml",
      d("formats/other/hl7_aecg_example.xml"),
      [d("formats/other/hl7_aecg_example.xml")],
    ],
  ];
  for (const [what, format, path, files] of cases) {
    if (!existsSync(path)) continue;
    rows.push(
      await measure(what, format, files, () => readEcg(path, { fs: format === "csv" ? 250 : undefined })),
    );
  }

  // 13 hours: all shared MIT-BIH records back to back.
  const names = readdirSync(d("mitdb"))
    .filter((f) => f.endsWith(".hea"))
    .map((f) => f.slice(0, -4))
    .sort();
  const dir = mkdtempSync(join(tmpdir(), "anyecg-io-"));
  try {
    const records = [];
    for (const n of names) records.push(await readWfdbRecord(d("mitdb", n), { annotators: "none" }));
    const long = concatenate(records);
    const base = join(dir, "mitdb13h");
    await writeWfdbRecord(long, base, { format: 212 });
    const hours = long.signals[0]!.length / long.fs / 3600;
    const files = [`${base}.hea`, `${base}.dat`];
    rows.push(
      await measure(`${hours.toFixed(1)} h MIT-BIH concatenation, whole`, "wfdb 212", files, () =>
        readWfdbRecord(base),
      ),
    );
    let peak = 0;
    const chunked = await measure(`${hours.toFixed(1)} h, 10-min chunks`, "wfdb 212", files, async () => {
      global.gc?.();
      const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
      for await (const chunk of readWfdbChunks(base, 10 * 60 * long.fs)) {
        const now = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
        peak = Math.max(peak, now - before);
        void chunk;
      }
    });
    rows.push(chunked);
    printTable(
      ["record", "format", "MB", "best ms", "median ms", "MB/s"],
      rows.map((r) => [r.what, r.format, r.megabytes, r.bestMs, r.medianMs, r.mbPerSecond]),
    );
    console.log(
      `chunked read of ${hours.toFixed(1)} h: peak memory growth ${(peak / 1e6).toFixed(1)} MB (file ${(fileBytes(files) / 1e6).toFixed(0)} MB)`,
    );
    return { rows, longRecordingHours: hours, chunkedPeakMegabytes: peak / 1e6 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
