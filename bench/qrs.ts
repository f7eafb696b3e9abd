/**
 * `npm run bench -- qrs [--json] [--multi] [--fs <Hz>] [records...]`: QRS detection quality on
 * every MIT-BIH record in the shared data, beat by beat against the reference annotations
 * (EC57 matching, 150 ms tolerance, ventricular flutter episodes excluded; see
 * src/analysis/match.ts). Lead MLII where the record has it (lead 1 in record 114; the paced
 * records 102 and 104 have none and use lead 0, V5), or all leads with --multi.
 * --fs resamples the record first (detections are mapped back to 360 Hz for matching).
 * No QRS detector peer is installed in ../shared/bench; published Pan-Tompkins figures on the
 * whole database (Se 99.75 %, +P 99.54 %, Pan & Tompkins 1985) are printed for reference.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { BenchOptions } from "./run.js";
import { dataDir, printTable } from "./util.js";
import { readWfdbRecord } from "../src/ecg/wfdb/index.js";
import { resample } from "../src/ecg/resample.js";
import { detectQrs, detectQrsMultiLead } from "../src/analysis/qrs.js";
import { flutterIntervals, matchBeats, referenceBeats, sumMatches } from "../src/analysis/match.js";

export default async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const dir = join(dataDir, "mitdb");
  const multi = opts.args.includes("--multi");
  const fsIdx = opts.args.indexOf("--fs");
  const fsDetect = fsIdx >= 0 ? Number(opts.args[fsIdx + 1]) : undefined;
  const named = opts.args.filter((a, i) => /^\d+$/.test(a) && i !== fsIdx + 1);
  const records = readdirSync(dir)
    .filter((f) => f.endsWith(".hea"))
    .map((f) => f.slice(0, -4))
    .filter((r) => named.length === 0 || named.includes(r))
    .sort();
  const rows: (string | number)[][] = [];
  const results: ReturnType<typeof matchBeats>[] = [];
  let detectSeconds = 0;
  const t0 = performance.now();
  for (const rec of records) {
    const ecg = await readWfdbRecord(join(dir, rec));
    const primary = Math.max(0, ecg.leads.indexOf("MLII"));
    const leads = [ecg.signals[primary]!, ...ecg.signals.filter((_, i) => i !== primary)];
    const t = performance.now();
    let det: Int32Array;
    if (fsDetect && fsDetect !== ecg.fs) {
      const down = leads.map((s) => resample(s, ecg.fs, fsDetect));
      const d = multi ? detectQrsMultiLead(down, fsDetect) : detectQrs(down[0]!, fsDetect);
      det = d.map((s) => Math.round((s * ecg.fs) / fsDetect));
    } else {
      det = multi ? detectQrsMultiLead(leads, ecg.fs) : detectQrs(leads[0]!, ecg.fs);
    }
    detectSeconds += (performance.now() - t) / 1000;
    const n = ecg.signals[0]!.length;
    const m = matchBeats(referenceBeats(ecg.annotations), det, ecg.fs, 0.15, {
      nSamples: n,
      exclude: flutterIntervals(ecg.annotations, n),
    });
    results.push(m);
    rows.push([rec, ecg.leads[primary]!, m.tp + m.fn, m.tp, m.fn, m.fp, pct(m.se), pct(m.ppv)]);
  }
  const total = sumMatches(results);
  const seconds = (performance.now() - t0) / 1000;
  rows.push(["total", "", total.tp + total.fn, total.tp, total.fn, total.fp, pct(total.se), pct(total.ppv)]);
  printTable(["record", "lead", "beats", "TP", "FN", "FP", "Se %", "+P %"], rows);
  console.log(
    `\n${multi ? "multi-lead" : "single-lead"} detection${fsDetect ? ` at ${fsDetect} Hz` : ""}: ` +
      `Se ${pct(total.se)} %, +P ${pct(total.ppv)} % over ${total.tp + total.fn} beats in ${records.length} records; ` +
      `detection ${detectSeconds.toFixed(2)} s, whole run ${seconds.toFixed(2)} s ` +
      `(published Pan-Tompkins: Se 99.75 %, +P 99.54 %)`,
  );
  return {
    se: round(total.se),
    ppv: round(total.ppv),
    beats: total.tp + total.fn,
    records: records.length,
    tp: total.tp,
    fn: total.fn,
    fp: total.fp,
    mode: multi ? "multi" : "single",
    fs: fsDetect ?? 360,
    detectSeconds: Number(detectSeconds.toFixed(3)),
    seconds: Number(seconds.toFixed(3)),
  };
}

function pct(x: number): string {
  return (100 * x).toFixed(2);
}

function round(x: number): number {
  return Number(x.toFixed(5));
}
