/** `anyecg info <file> [--json]`: what a file holds, read with the same readers the model uses. */
import type { Command } from "commander";
import { readEcg } from "../ecg/read.js";
import { type Ecg, sampleCount, durationSeconds } from "../ecg/record.js";

export interface EcgInfo {
  name: string;
  path: string;
  format: string;
  fs: number;
  samples: number;
  durationSeconds: number;
  leads: string[];
  units: string[];
  startTime: string | null;
  annotations: { total: number; counts: Record<string, number>; rhythms: Record<string, number> };
  comments: string[];
}

/** Summary of a record, as printed by `anyecg info --json`. */
export function describeEcg(ecg: Ecg): EcgInfo {
  const counts: Record<string, number> = {};
  const rhythms: Record<string, number> = {};
  for (const a of ecg.annotations) {
    counts[a.code] = (counts[a.code] ?? 0) + 1;
    if (a.aux?.startsWith("(")) rhythms[a.aux] = (rhythms[a.aux] ?? 0) + 1;
  }
  return {
    name: ecg.name,
    path: ecg.source.path,
    format: ecg.source.format,
    fs: ecg.fs,
    samples: sampleCount(ecg),
    durationSeconds: durationSeconds(ecg),
    leads: ecg.leads,
    units: ecg.units,
    startTime: ecg.startTime ?? null,
    annotations: { total: ecg.annotations.length, counts, rhythms },
    comments: ecg.source.comments ?? [],
  };
}

function formatDuration(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h
    ? `${h} h ${m} min ${sec.toFixed(1)} s`
    : m
      ? `${m} min ${sec.toFixed(1)} s`
      : `${sec.toFixed(2)} s`;
}

function printInfo(info: EcgInfo): void {
  const rows: [string, string][] = [
    ["record", info.name],
    ["file", info.path],
    ["format", info.format],
    ["sampling rate", `${info.fs} Hz`],
    ["samples", `${info.samples} per lead`],
    ["duration", formatDuration(info.durationSeconds)],
    ["leads", info.leads.map((l, i) => `${l} (${info.units[i]})`).join(", ")],
  ];
  if (info.startTime) rows.push(["start", info.startTime]);
  const codes = Object.entries(info.annotations.counts).sort((a, b) => b[1] - a[1]);
  rows.push([
    "annotations",
    `${info.annotations.total}${codes.length ? ": " : ""}${codes.map(([c, n]) => `${c} ${n}`).join(", ")}`,
  ]);
  const rhythms = Object.entries(info.annotations.rhythms);
  if (rhythms.length) rows.push(["rhythm changes", rhythms.map(([c, n]) => `${c} ${n}`).join(", ")]);
  for (const c of info.comments.slice(0, 8)) rows.push(["comment", c]);
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

export function registerInfoCommand(program: Command): void {
  program
    .command("info")
    .description("show format, sampling rate, duration, leads and annotations of an ECG file")
    .argument(
      "<file>",
      "ECG file: WFDB (.hea, or the record path without extension), EDF, CSV, JSON, HL7 aECG XML, MATLAB",
    )
    .option("--json", "print one JSON object")
    .option("--fs <hz>", "sampling rate, for CSV files without a time column", Number)
    .action(async (file: string, opts: { json?: boolean; fs?: number }) => {
      const info = describeEcg(await readEcg(file, { fs: opts.fs }));
      if (opts.json) console.log(JSON.stringify(info));
      else printInfo(info);
    });
}
