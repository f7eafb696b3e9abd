/**
 * One entry point for reading any supported ECG file: `readEcg(path, opts)`.
 *
 * Format by extension, then by content for files without a known extension:
 * - WFDB: `x.hea`, `x.dat` or `x.mat` with `x.hea` beside it, or a bare record name `x` with
 *   `x.hea` beside it (MATLAB v4 records go through the WFDB reader too).
 * - EDF/EDF+/BDF: `.edf`, `.bdf` (or a file starting with an EDF/BDF version field).
 * - CSV and other delimited text: `.csv`, `.tsv`, `.txt`.
 * - anyecg JSON: `.json`.  - HL7 aECG: `.xml`.
 *
 * Options apply to every format: `from`/`to` are in **seconds** from the first sample (`to`
 * exclusive, clipped to the end), `leads` selects leads by name (case-insensitive, in the given
 * order). `fs` and `units` are for CSV, `annotators` and `verifyChecksum` for WFDB.
 */
import { stat, open } from "node:fs/promises";
import { basename, extname } from "node:path";
import { type Ecg, sliceSamples } from "./record.js";
import { InputError } from "../errors.js";
import { readEdf } from "./edf.js";
import { readCsv } from "./csv.js";
import { readJson } from "./json.js";
import { readAecg } from "./aecg.js";
import { readWfdbRecord, wfdbRecordInfo } from "./wfdb/index.js";

export type EcgFormat = "wfdb" | "edf" | "csv" | "json" | "hl7-aecg";

export interface ReadOptions {
  /** Start, seconds from the first sample (default 0). */
  from?: number;
  /** End, seconds from the first sample, exclusive (default: the end; clipped to it). */
  to?: number;
  /** Leads to keep, by name (case-insensitive), in this order. */
  leads?: string[];
  /** CSV: sampling rate in Hz when the file has no time column. */
  fs?: number;
  /** CSV: unit of columns whose header gives none (default "mV"). */
  units?: string;
  /** WFDB: annotation files to read ("all" by default, "none", or extensions like ["atr"]). */
  annotators?: string[] | "all" | "none";
  /** WFDB: verify header checksums (default true). */
  verifyChecksum?: boolean;
  /** Skip detection and read as this format. */
  format?: EcgFormat;
}

const EXTENSIONS: Record<string, EcgFormat> = {
  ".edf": "edf",
  ".bdf": "edf",
  ".csv": "csv",
  ".tsv": "csv",
  ".txt": "csv",
  ".json": "json",
  ".xml": "hl7-aecg",
};

/** The extensions `readEcg` understands, for error messages and help texts. */
export const SUPPORTED_EXTENSIONS: readonly string[] = [".hea", ".dat", ".mat", ...Object.keys(EXTENSIONS)];

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

function withoutExt(path: string): string {
  const ext = extname(path);
  return ext ? path.slice(0, -ext.length) : path;
}

/** Tells which reader a path needs, checking that the file exists and is not empty. */
export async function detectFormat(path: string): Promise<EcgFormat> {
  const file = basename(path);
  const ext = extname(path).toLowerCase();
  const st = await stat(path).catch(() => undefined);
  if (!st) {
    // A WFDB record is often named without extension ("data/100").
    if (await isFile(`${path}.hea`)) return "wfdb";
    throw new InputError(file, "file not found");
  }
  if (st.isDirectory()) throw new InputError(file, "is a directory, not an ECG file");
  if (!st.isFile()) throw new InputError(file, "is not a regular file");
  if (st.size === 0) throw new InputError(file, "file is empty");
  if (ext === ".hea") return "wfdb";
  if (ext === ".dat" || ext === ".mat") {
    if (await isFile(`${withoutExt(path)}.hea`)) return "wfdb";
    throw new InputError(
      file,
      `a ${ext} file needs its WFDB header ${basename(withoutExt(path))}.hea beside it`,
    );
  }
  if (EXTENSIONS[ext]) return EXTENSIONS[ext];
  if (await isFile(`${path}.hea`)) return "wfdb";
  const sniffed = await sniff(path);
  if (sniffed) return sniffed;
  throw new InputError(
    file,
    `unknown ECG file type "${ext || "(no extension)"}" (supported: ${SUPPORTED_EXTENSIONS.join(" ")}, or a WFDB record name)`,
  );
}

/** Recognises unmistakable signatures in the first bytes. */
async function sniff(path: string): Promise<EcgFormat | undefined> {
  const fh = await open(path, "r");
  try {
    const b = new Uint8Array(256);
    const { bytesRead } = await fh.read(b, 0, 256, 0);
    const head = Buffer.from(b.subarray(0, bytesRead)).toString("latin1");
    if (bytesRead >= 256 && (head.startsWith("0       ") || head.startsWith("\xffBIOSEMI"))) return "edf";
    const text = head.replace(/^\ufeff|^\xef\xbb\xbf/, "").trimStart();
    if (text.startsWith("<?xml") || text.startsWith("<AnnotatedECG")) return "hl7-aecg";
    if (text.startsWith("{")) return "json";
    return undefined;
  } finally {
    await fh.close();
  }
}

function checkWindow(file: string, opts: ReadOptions): void {
  const { from, to } = opts;
  if (from !== undefined && (!Number.isFinite(from) || from < 0)) {
    throw new InputError(file, `from must be a number of seconds >= 0, got ${from}`);
  }
  if (to !== undefined && (!Number.isFinite(to) || to <= (from ?? 0))) {
    throw new InputError(file, `to must be a number of seconds after from (${from ?? 0}), got ${to}`);
  }
}

/** Reads any supported ECG file. */
export async function readEcg(path: string, opts: ReadOptions = {}): Promise<Ecg> {
  const file = basename(path);
  checkWindow(file, opts);
  const format = opts.format ?? (await detectFormat(path));
  const windowed = opts.from !== undefined || opts.to !== undefined;
  switch (format) {
    case "wfdb":
      return readWfdb(path, opts);
    case "edf": {
      const ecg = await readEdf(path, { from: opts.from, to: opts.to, leads: opts.leads });
      if (windowed && ecg.leads.length && opts.from && ecg.signals[0]!.length === 0) {
        throw new InputError(file, `from=${opts.from} s is at or past the end of the recording`);
      }
      return ecg;
    }
    case "csv":
      return sliceSeconds(
        file,
        await readCsv(path, { fs: opts.fs, units: opts.units, leads: opts.leads }),
        opts,
      );
    case "json":
      return sliceSeconds(file, await readJson(path, { leads: opts.leads }), opts);
    case "hl7-aecg":
      return sliceSeconds(file, await readAecg(path, { leads: opts.leads }), opts);
  }
}

async function readWfdb(path: string, opts: ReadOptions): Promise<Ecg> {
  let from: number | undefined;
  let to: number | undefined;
  if (opts.from !== undefined || opts.to !== undefined) {
    const info = await wfdbRecordInfo(path);
    from = Math.round((opts.from ?? 0) * info.fs);
    to = opts.to !== undefined ? Math.min(info.length, Math.round(opts.to * info.fs)) : info.length;
    if (from >= info.length) {
      throw new InputError(basename(path), `from=${opts.from} s is at or past the end of the recording`);
    }
  }
  return readWfdbRecord(path, {
    from,
    to,
    leads: opts.leads,
    annotators: opts.annotators,
    verifyChecksum: opts.verifyChecksum,
  });
}

/** Cuts [from, to) seconds out of a whole record (formats read into memory at once). */
export function sliceSeconds(file: string, ecg: Ecg, opts: { from?: number; to?: number }): Ecg {
  if (opts.from === undefined && opts.to === undefined) return ecg;
  const n = ecg.signals[0]?.length ?? 0;
  const a = Math.round((opts.from ?? 0) * ecg.fs);
  const b = opts.to !== undefined ? Math.min(n, Math.round(opts.to * ecg.fs)) : n;
  if (a >= n) throw new InputError(file, `from=${opts.from} s is at or past the end of the recording`);
  return {
    ...sliceSamples(ecg, a, b),
    startTime: ecg.startTime && a ? shiftIso(ecg.startTime, a / ecg.fs) : ecg.startTime,
    source: { ...ecg.source, from: a },
  };
}

/** ISO local time plus seconds, keeping the string local (no zone), or unchanged when unreadable. */
function shiftIso(iso: string, seconds: number): string {
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + "Z");
  if (!Number.isFinite(ms)) return iso;
  const out = new Date(ms + Math.round(seconds * 1000)).toISOString();
  return /[zZ]|[+-]\d\d:\d\d$/.test(iso) ? out : out.replace("Z", "");
}

/** Reads several ECGs (in order, one at a time to bound memory). */
export async function readEcgs(paths: string[], opts: ReadOptions = {}): Promise<Ecg[]> {
  const out: Ecg[] = [];
  for (const p of paths) out.push(await readEcg(p, opts));
  return out;
}
