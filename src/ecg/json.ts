/**
 * anyecg's own JSON format, read and written exactly (every Float32 sample survives a round trip).
 *
 * ```json
 * {
 *   "format": "anyecg-ecg",            // optional on input; always written
 *   "version": 1,                      // optional on input; always written
 *   "name": "100",                     // record name
 *   "fs": 360,                         // sampling rate in Hz, > 0
 *   "leads": ["MLII", "V5"],           // one name per signal
 *   "units": ["mV", "mV"],             // optional: defaults to "mV" for every lead
 *   "signals": [[-0.145, ...], [...]], // one array of finite numbers per lead, all the same length
 *   "startTime": "2009-12-10T12:44:02",// optional ISO 8601
 *   "annotations": [                   // optional: EcgAnnotation objects (sample, code, ...)
 *     {"sample": 18, "code": "N", "subtype": 0, "channel": 0, "num": 0}
 *   ]
 * }
 * ```
 * Voltage units other than mV are converted to mV on reading, like every other reader. Samples
 * are written as the shortest decimal that reads back to the same float32.
 */
import { createWriteStream } from "node:fs";
import { readFile, stat, unlink } from "node:fs/promises";
import { basename, extname } from "node:path";
import { type Ecg, type EcgAnnotation, pickLeads } from "./record.js";
import { InputError } from "../errors.js";
import { voltageToMvFactor } from "./edf.js";

/** JSON.parse works on one string; past this we ask for CSV/EDF instead of failing obscurely. */
const MAX_JSON_BYTES = 400 * 1024 * 1024;

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * A short decimal string that reads back (through Math.fround) to the same float32 value: for
 * p = 1..9 significant digits, the p-digit decimal nearest to the value is tried, and the first
 * that rounds back to the same float32 is printed. m / 10^k with an exact power of ten is the
 * double nearest to the decimal, so String() prints that decimal. Values whose scale needs powers
 * of ten beyond 1e22 go through toPrecision instead.
 */
export function float32ToString(x: number): string {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) return String(f);
  if (Object.is(f, -0)) return "-0";
  if (Number.isInteger(f) && Math.abs(f) < 16777216) return String(f);
  const e = Math.floor(Math.log10(Math.abs(f)));
  for (let p = 1; p <= 9; p++) {
    const k = p - 1 - e;
    let c: number;
    if (k >= 0 && k <= 22) c = Math.round(f * POW10[k]!) / POW10[k]!;
    else if (k < 0 && -k <= 22) c = Math.round(f / POW10[-k]!) * POW10[-k]!;
    else c = Number(f.toPrecision(p));
    if (Math.fround(c) === f) return String(c);
  }
  return String(f);
}

export interface JsonReadOptions {
  /** Lead names to keep (case-insensitive), in this order. */
  leads?: string[];
}

/** Reads an anyecg JSON file. */
export async function readJson(path: string, opts: JsonReadOptions = {}): Promise<Ecg> {
  const file = basename(path);
  const size = (await stat(path)).size;
  if (size > MAX_JSON_BYTES) {
    throw new InputError(
      file,
      `JSON file of ${size} bytes is too big to parse; store long recordings as EDF, WFDB or CSV`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new InputError(file, `not valid JSON (${(e as Error).message})`);
  }
  const ecg = ecgFromJson(file, doc, path);
  return opts.leads?.length ? pickLeads(file, ecg, opts.leads) : ecg;
}

/** Validates a parsed JSON document and turns it into an Ecg. */
export function ecgFromJson(file: string, doc: unknown, path: string): Ecg {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new InputError(file, "expected a JSON object with fs, leads and signals");
  }
  const o = doc as Record<string, unknown>;
  if (o.format !== undefined && o.format !== "anyecg-ecg") {
    throw new InputError(file, `unknown JSON format "${String(o.format)}" (expected "anyecg-ecg")`);
  }
  const fs = o.fs;
  if (typeof fs !== "number" || !Number.isFinite(fs) || fs <= 0) {
    throw new InputError(file, `"fs" must be a positive number, got ${JSON.stringify(fs)}`);
  }
  if (!Array.isArray(o.leads) || !o.leads.every((l) => typeof l === "string")) {
    throw new InputError(file, `"leads" must be an array of strings`);
  }
  const leads = o.leads as string[];
  if (!Array.isArray(o.signals) || o.signals.length !== leads.length) {
    throw new InputError(file, `"signals" must be an array with one array per lead (${leads.length} leads)`);
  }
  const rawUnits = o.units === undefined ? leads.map(() => "mV") : o.units;
  if (
    !Array.isArray(rawUnits) ||
    rawUnits.length !== leads.length ||
    !rawUnits.every((u) => typeof u === "string")
  ) {
    throw new InputError(file, `"units" must be an array of ${leads.length} strings`);
  }
  const signals = (o.signals as unknown[]).map((s, i) => toSignal(file, s, leads[i]!, rawUnits[i] as string));
  const n = signals[0]?.length ?? 0;
  signals.forEach((s, i) => {
    if (s.length !== n)
      throw new InputError(file, `lead "${leads[i]}" has ${s.length} samples, lead "${leads[0]}" has ${n}`);
  });
  const units = (rawUnits as string[]).map((u) => (voltageToMvFactor(u) !== undefined ? "mV" : u));
  const ecg: Ecg = {
    name: typeof o.name === "string" ? o.name : basename(path, extname(path)),
    fs,
    leads,
    signals,
    units,
    annotations: toAnnotations(file, o.annotations),
    source: { format: "json", path },
  };
  if (o.startTime !== undefined) {
    if (typeof o.startTime !== "string") throw new InputError(file, `"startTime" must be a string`);
    ecg.startTime = o.startTime;
  }
  return ecg;
}

function toSignal(file: string, s: unknown, lead: string, unit: string): Float32Array {
  if (!Array.isArray(s)) throw new InputError(file, `signal of lead "${lead}" is not an array`);
  const factor = voltageToMvFactor(unit) ?? 1;
  const out = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new InputError(file, `lead "${lead}", sample ${i}: ${JSON.stringify(v)} is not a finite number`);
    }
    out[i] = factor === 1 ? v : v * factor;
  }
  return out;
}

function toAnnotations(file: string, raw: unknown): EcgAnnotation[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new InputError(file, `"annotations" must be an array`);
  return raw.map((a, i) => {
    const o = a as Record<string, unknown>;
    if (typeof o !== "object" || o === null || typeof o.sample !== "number" || typeof o.code !== "string") {
      throw new InputError(file, `annotation ${i} needs a numeric "sample" and a string "code"`);
    }
    const ann: EcgAnnotation = {
      sample: o.sample,
      code: o.code,
      subtype: typeof o.subtype === "number" ? o.subtype : 0,
      channel: typeof o.channel === "number" ? o.channel : 0,
      num: typeof o.num === "number" ? o.num : 0,
    };
    if (typeof o.aux === "string") ann.aux = o.aux;
    if (typeof o.durationSeconds === "number") ann.durationSeconds = o.durationSeconds;
    if (typeof o.source === "string") ann.source = o.source;
    return ann;
  });
}

export interface JsonWriteOptions {
  /** Replace an existing file (default false: an existing file is an error). */
  overwrite?: boolean;
}

/** Writes an Ecg as anyecg JSON, streaming the samples (no giant intermediate string). */
export async function writeJson(ecg: Ecg, path: string, opts: JsonWriteOptions = {}): Promise<void> {
  assertFinite(ecg, "JSON");
  await writeTextStream(path, opts.overwrite ?? false, function* () {
    const head: Record<string, unknown> = { format: "anyecg-ecg", version: 1, name: ecg.name, fs: ecg.fs };
    head.leads = ecg.leads;
    head.units = ecg.units;
    if (ecg.startTime !== undefined) head.startTime = ecg.startTime;
    head.annotations = ecg.annotations;
    const text = JSON.stringify(head);
    yield text.slice(0, -1) + ',"signals":[';
    for (let l = 0; l < ecg.signals.length; l++) {
      const s = ecg.signals[l]!;
      yield l ? ",[" : "[";
      for (let i = 0; i < s.length; i += 4096) {
        const part: string[] = [];
        for (let j = i; j < Math.min(s.length, i + 4096); j++) part.push(float32ToString(s[j]!));
        yield (i ? "," : "") + part.join(",");
      }
      yield "]";
    }
    yield "]}\n";
  });
}

/** Writers refuse NaN/Infinity (e.g. EDF+D gaps): JSON cannot hold them and CSV readers reject them. */
export function assertFinite(ecg: Ecg, format: string): void {
  ecg.signals.forEach((s, l) => {
    for (let i = 0; i < s.length; i++) {
      if (!Number.isFinite(s[i]!)) {
        throw new Error(
          `${format} cannot store lead "${ecg.leads[l]}" sample ${i}: ${s[i]} is not a finite number`,
        );
      }
    }
  });
}

/**
 * Streams text pieces to a new file, honouring back-pressure. Refuses to replace an existing file
 * unless `overwrite` (InputError naming it); a failed write removes the partial file.
 */
export async function writeTextStream(
  path: string,
  overwrite: boolean,
  pieces: () => Iterable<string>,
): Promise<void> {
  const out = createWriteStream(path, { flags: overwrite ? "w" : "wx", encoding: "utf8" });
  await new Promise<void>((resolve, reject) => {
    out.once("open", () => resolve());
    out.once("error", reject);
  }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "EEXIST")
      throw new InputError(basename(path), "file exists (pass overwrite: true to replace it)");
    throw e;
  });
  try {
    for (const piece of pieces()) {
      if (!out.write(piece)) await new Promise<void>((r) => out.once("drain", () => r()));
    }
    await new Promise<void>((resolve, reject) => {
      out.once("error", reject);
      out.end(() => resolve());
    });
  } catch (e) {
    out.destroy();
    await unlink(path).catch(() => undefined);
    throw e;
  }
}
