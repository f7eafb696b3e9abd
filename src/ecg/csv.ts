/**
 * CSV (and other delimited text) ECG reader and writer.
 *
 * Reading:
 * - Lines are streamed (a 500 MB file is never one string); samples go into growing typed arrays.
 * - Blank lines are skipped; lines starting with "#" are comments. Comments of the form
 *   `# fs=360`, `# name=100`, `# startTime=...` (what `writeCsv` writes) are honoured.
 * - Delimiter: tab, else ";", else ",", else runs of whitespace (sniffed on the first data-like
 *   line). With ";" a decimal comma ("0,455") is accepted.
 * - A first line with any non-numeric field is a header: lead names, each optionally with a unit
 *   `II (uV)` / `II [mV]`; a header unit beats the `units` option (default "mV"). Voltages are
 *   converted to mV.
 * - Time column: a header named time/t/s/sec/seconds/ms/msec/sample/samples/index (unit taken
 *   from the name or its bracket); without a header, a first column (of two or more) that
 *   increases in uniform steps: seconds when fractional, a sample index when the step is 1 (other
 *   integer steps are ambiguous and read as a signal). The rate comes from it (steps must be
 *   uniform within the rounding of the printed digits); a sample index gives no rate.
 * - The rate is, in order: the `fs` option, a `# fs=` comment, the time column. When two of
 *   them disagree by more than 0.1 % it is an error.
 * - A cell that is not a finite number, or a row with the wrong number of cells, is an
 *   InputError naming the file, the line and the column.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { basename, extname } from "node:path";
import { type Ecg, findLeads } from "./record.js";
import { InputError } from "../errors.js";
import { voltageToMvFactor } from "./edf.js";
import { assertFinite, float32ToString, writeTextStream } from "./json.js";

export interface CsvReadOptions {
  /** Sampling rate in Hz, required when the file has no time column and no `# fs=` comment. */
  fs?: number;
  /** Unit of columns whose header gives none (default "mV"). */
  units?: string;
  /** Lead names to keep (case-insensitive), in this order. */
  leads?: string[];
  /** Force a delimiter instead of sniffing it. */
  delimiter?: string;
}

type TimeUnit = "s" | "ms" | "index";

interface Column {
  name: string;
  unit?: string;
}

/** A typed array that grows by doubling: float64 for clocks, float32 for signals (as in the Ecg). */
class Growable {
  data: Float64Array | Float32Array;
  length = 0;
  constructor(float64: boolean) {
    this.data = float64 ? new Float64Array(1 << 14) : new Float32Array(1 << 14);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next =
        this.data instanceof Float64Array
          ? new Float64Array(this.length * 2)
          : new Float32Array(this.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

const TIME_NAMES: Record<string, TimeUnit> = {
  time: "s",
  t: "s",
  s: "s",
  sec: "s",
  secs: "s",
  second: "s",
  seconds: "s",
  time_s: "s",
  ms: "ms",
  msec: "ms",
  millisecond: "ms",
  milliseconds: "ms",
  time_ms: "ms",
  sample: "index",
  samples: "index",
  "sample #": "index",
  "sample_#": "index",
  index: "index",
  idx: "index",
};

/** "II (uV)" / "II [mV]" -> name and unit. */
function parseHeaderCell(cell: string): Column {
  const m = /^(.*?)\s*[([]\s*([^)\]]*)\s*[)\]]\s*$/.exec(cell);
  return m && m[1] !== "" ? { name: m[1]!, unit: m[2]!.trim() } : { name: cell };
}

function timeUnitOf(col: Column): TimeUnit | undefined {
  const base = TIME_NAMES[col.name.toLowerCase()];
  if (!base) return undefined;
  const u = col.unit?.toLowerCase();
  if (u === "ms" || u === "msec") return "ms";
  if (u === "s" || u === "sec") return "s";
  return base;
}

function sniffDelimiter(line: string): string {
  if (line.includes("\t")) return "\t";
  if (line.includes(";")) return ";";
  if (line.includes(",")) return ",";
  return " ";
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function splitLine(line: string, delim: string): string[] {
  if (delim === " ") return line.trim().split(/\s+/);
  const cells = line.split(delim).map((c) => unquote(c.trim()));
  // A trailing delimiter ("1,2,") is a common export quirk, not an empty column.
  if (cells.length > 1 && cells[cells.length - 1] === "") cells.pop();
  return cells;
}

function isNumberCell(s: string): boolean {
  return s !== "" && Number.isFinite(Number(s));
}

/** Digits after the decimal point, to know how coarsely a time column was rounded. */
function decimalsOf(s: string): number {
  if (/e/i.test(s)) return 9;
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

interface Meta {
  fs?: number;
  name?: string;
  startTime?: string;
}

function parseComment(line: string, meta: Meta): void {
  const m = /^#\s*(fs|name|startTime)\s*[=:]\s*(.*?)\s*$/i.exec(line);
  if (!m) return;
  const key = m[1]!.toLowerCase();
  if (key === "fs") {
    const v = Number(m[2]!.replace(/\s*hz$/i, ""));
    if (Number.isFinite(v) && v > 0) meta.fs = v;
  } else if (key === "name") meta.name = m[2]!;
  else meta.startTime = m[2]!;
}

interface Parsed {
  columns: Column[];
  header: boolean;
  data: Growable[];
  /** Digits after the point per column, over the first rows (the rounding of a time column). */
  decimals: number[];
  meta: Meta;
}

async function parseLines(path: string, file: string, opts: CsvReadOptions): Promise<Parsed> {
  const rl = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  const meta: Meta = {};
  let delim = opts.delimiter;
  let columns: Column[] | undefined;
  let header = false;
  let data: Growable[] = [];
  let decimalComma: boolean | undefined;
  let decimals: number[] = [];
  let lineNo = 0;
  for await (let line of rl) {
    lineNo++;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    const trimmed = line.trim();
    if (trimmed === "") continue;
    if (trimmed.startsWith("#")) {
      if (!columns) parseComment(trimmed, meta);
      continue;
    }
    delim ??= sniffDelimiter(trimmed);
    let cells = splitLine(trimmed, delim);
    // Decided on the first data row: "0,455;1,2" is a decimal comma only with ";" between cells.
    decimalComma ??=
      columns || !cells.some((c) => c !== "" && !isNumberCell(c))
        ? delim === ";" && cells.some((c) => /^[-+]?\d+,\d+$/.test(c))
        : undefined;
    if (decimalComma) cells = cells.map((c) => c.replace(",", "."));
    if (!columns) {
      // An empty cell alone does not make a header: "1,,2" is a data row with a hole.
      header = cells.some((c) => c !== "" && !isNumberCell(c));
      columns = header ? cells.map(parseHeaderCell) : cells.map((_, i) => ({ name: `ch${i + 1}` }));
      data = columns.map((c, i) => new Growable(i === 0 || (header && timeUnitOf(c) !== undefined)));
      decimals = columns.map(() => 0);
      if (header) continue;
    }
    if (cells.length !== columns.length) {
      throw new InputError(file, `line ${lineNo} has ${cells.length} fields, expected ${columns.length}`);
    }
    for (let c = 0; c < cells.length; c++) {
      const s = cells[c]!;
      const v = s === "" ? NaN : Number(s);
      if (!Number.isFinite(v)) {
        const name = header ? ` ("${columns[c]!.name}")` : "";
        throw new InputError(file, `line ${lineNo}, column ${c + 1}${name}: "${s}" is not a number`);
      }
      data[c]!.push(v);
    }
    if (data[0]!.length <= 1000)
      cells.forEach((c, i) => (decimals[i] = Math.max(decimals[i]!, decimalsOf(c))));
  }
  if (!columns) throw new InputError(file, "no data (the file is empty or only comments)");
  return { columns, header, data, decimals, meta };
}

interface TimeInfo {
  column: number;
  unit: TimeUnit;
  fs?: number;
}

/** Finds the time column and, when it is a clock, the rate it implies. */
function findTime(file: string, p: Parsed): TimeInfo | undefined {
  let column = -1;
  let unit: TimeUnit | undefined;
  if (p.header) {
    column = p.columns.findIndex((c) => timeUnitOf(c) !== undefined);
    if (column >= 0) unit = timeUnitOf(p.columns[column]!);
  }
  const t = p.data[0]!;
  if (column < 0 && !p.header && p.columns.length >= 2 && t.length >= 2) {
    const step = uniformStep(t.data, t.length, p.decimals[0]!);
    if (step !== undefined && step > 0) {
      column = 0;
      // Integers in steps other than 1 are ambiguous (ms? ADC units?): not taken as a clock.
      if (p.decimals[0]! > 0) unit = "s";
      else if (step === 1) unit = "index";
      else column = -1;
    }
  }
  if (column < 0 || !unit) return undefined;
  if (unit === "index") return { column, unit };
  const times = p.data[column]!;
  const decimals = p.decimals[column]!;
  const step = uniformStep(times.data, times.length, decimals);
  if (step === undefined || step <= 0) {
    const at = firstIrregular(times.data, times.length, decimals);
    throw new InputError(
      file,
      `time column "${p.columns[column]!.name}" is not uniformly spaced (irregular step near data row ${at + 1}); resample the file or drop the time column and pass fs`,
    );
  }
  return { column, unit, fs: niceRate(1 / (step * (unit === "ms" ? 1e-3 : 1))) };
}

/** Mean step when every step is within the printed rounding of it; undefined otherwise. */
function uniformStep(t: Float64Array | Float32Array, n: number, decimals: number): number | undefined {
  if (n < 2) return undefined;
  const step = (t[n - 1]! - t[0]!) / (n - 1);
  return firstIrregular(t, n, decimals) < 0 ? step : undefined;
}

function firstIrregular(t: Float64Array | Float32Array, n: number, decimals: number): number {
  const step = (t[n - 1]! - t[0]!) / (n - 1);
  const tol = Math.pow(10, -Math.min(decimals, 9)) * 1.01 + Math.abs(step) * 1e-3;
  for (let i = 1; i < n; i++) if (Math.abs(t[i]! - t[i - 1]! - step) > tol) return i;
  return -1;
}

/** Snaps a measured rate to an integer when it is within 0.01 % of one. */
function niceRate(fs: number): number {
  const r = Math.round(fs);
  return Math.abs(fs - r) <= fs * 1e-4 ? r : Number(fs.toPrecision(7));
}

function agree(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-3 * Math.max(a, b);
}

function chooseRate(file: string, opts: CsvReadOptions, meta: Meta, time?: TimeInfo): number {
  if (opts.fs !== undefined && (!Number.isFinite(opts.fs) || opts.fs <= 0)) {
    throw new InputError(file, `fs must be a positive number of Hz, got ${opts.fs}`);
  }
  const candidates: [string, number][] = [];
  if (opts.fs !== undefined) candidates.push(["the fs option", opts.fs]);
  if (meta.fs !== undefined) candidates.push(["the '# fs=' comment", meta.fs]);
  if (time?.fs !== undefined) candidates.push(["the time column", time.fs]);
  if (!candidates.length) {
    throw new InputError(
      file,
      "no sampling rate: the file has no time column and no '# fs=' comment; give it, e.g. readEcg(path, { fs: 250 }) or `--fs 250` on the command line",
    );
  }
  const [what, fs] = candidates[0]!;
  for (const [other, v] of candidates.slice(1)) {
    if (!agree(fs, v)) throw new InputError(file, `${what} says ${fs} Hz but ${other} says ${v} Hz`);
  }
  return fs;
}

/** Reads a delimited text ECG. */
export async function readCsv(path: string, opts: CsvReadOptions = {}): Promise<Ecg> {
  const file = basename(path);
  const p = await parseLines(path, file, opts);
  const time = findTime(file, p);
  const fs = chooseRate(file, opts, p.meta, time);
  let keep = p.columns.map((_, i) => i).filter((i) => i !== time?.column);
  if (!keep.length) throw new InputError(file, "no signal column besides the time column");
  if (opts.leads?.length) {
    const names = keep.map((k) => p.columns[k]!.name);
    keep = findLeads(file, names, opts.leads).map((i) => keep[i]!);
  }
  const n = p.data[0]!.length;
  const units: string[] = [];
  const signals = keep.map((k) => {
    const unit = p.columns[k]!.unit ?? opts.units ?? "mV";
    const factor = voltageToMvFactor(unit);
    units.push(factor !== undefined ? "mV" : unit);
    const src = p.data[k]!.data;
    const out = new Float32Array(n);
    if (factor === undefined || factor === 1) out.set(src.subarray(0, n));
    else for (let i = 0; i < n; i++) out[i] = src[i]! * factor;
    return out;
  });
  const ecg: Ecg = {
    name: p.meta.name ?? basename(path, extname(path)),
    fs,
    leads: keep.map((k) => p.columns[k]!.name),
    signals,
    units,
    annotations: [],
    source: {
      format: "csv",
      path,
      header: p.header,
      ...(time ? { timeColumn: { name: p.columns[time.column]!.name, unit: time.unit } } : {}),
    },
  };
  if (p.meta.startTime) ecg.startTime = p.meta.startTime;
  return ecg;
}

export interface CsvWriteOptions {
  /** Write a time column in seconds first (default true). */
  time?: boolean;
  /** Replace an existing file (default false). */
  overwrite?: boolean;
}

/**
 * Writes an Ecg as CSV: `# fs=`, `# name=`, `# startTime=` comments, a header `time,II [mV],...`,
 * then one row per sample, values as the shortest decimal that reads back to the same float32.
 * `readCsv` reads it back exactly. Annotations are not stored (use JSON or WFDB for them).
 */
export async function writeCsv(ecg: Ecg, path: string, opts: CsvWriteOptions = {}): Promise<void> {
  assertFinite(ecg, "CSV");
  const withTime = opts.time ?? true;
  // Time printed with 3 more decimals than the sampling period needs: the reader recovers fs.
  const scale = 10 ** Math.min(9, Math.ceil(Math.log10(Math.max(ecg.fs, 1))) + 3);
  const cell = (s: string) => (/[,"\n]/.test(s) ? `"${s.replace(/"/g, "")}"` : s);
  await writeTextStream(path, opts.overwrite ?? false, function* () {
    let head = `# fs=${ecg.fs}\n# name=${ecg.name.replace(/\n/g, " ")}\n`;
    if (ecg.startTime) head += `# startTime=${ecg.startTime}\n`;
    const names = ecg.leads.map((l, i) => cell(`${l} [${ecg.units[i] ?? "mV"}]`));
    yield head + (withTime ? ["time", ...names] : names).join(",") + "\n";
    const n = ecg.signals[0]?.length ?? 0;
    for (let i = 0; i < n; i += 2048) {
      let block = "";
      for (let j = i; j < Math.min(n, i + 2048); j++) {
        let row = withTime ? String(Math.round((j * scale) / ecg.fs) / scale) : "";
        for (let l = 0; l < ecg.signals.length; l++) {
          row += (withTime || l ? "," : "") + float32ToString(ecg.signals[l]![j]!);
        }
        block += row + "\n";
      }
      yield block;
    }
  });
}
