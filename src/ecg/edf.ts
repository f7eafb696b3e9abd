/**
 * EDF, EDF+ and BDF reader (European Data Format, Kemp 1992; EDF+, Kemp & Olivan 2003; BioSemi's
 * 24-bit BDF variant).
 *
 * Decisions, so callers know what they get:
 * - Signals are scaled to physical units with the header's physical/digital min and max; any
 *   voltage (nV, uV, µV, mV, V) is converted to mV and reported as "mV"; other units are kept.
 * - All returned leads share one rate. EDF lets each signal have its own samples-per-record, and
 *   resampling would invent data, so we keep only the signals at one rate: the rate of the
 *   ECG-looking signals (by label), else the most common rate (ties: the highest). The other
 *   ordinary signals are listed in `source.skippedSignals` with their rate. Asking for `leads`
 *   picks their rate instead (they must share one).
 * - EDF+ annotations ("EDF Annotations" signals, TALs) become `EcgAnnotation`s: `aux` is the
 *   text, `code` is the text when it is a WFDB beat mnemonic, "+" when it is a rhythm string
 *   starting with "(", otherwise '"' (a WFDB note); `sample` counts from the first sample.
 * - EDF+D (discontinuous) records are laid out at their time-keeping onsets; gaps are NaN and
 *   listed in `source.gaps` (seconds), so nothing is silently shifted in time.
 * - A file with no ordinary signal (annotations only) gives an Ecg with no leads and fs 1000 Hz,
 *   the time base of its annotation samples (`source.annotationOnly` is true).
 * - `from`/`to` (seconds from the first sample) read only the data records needed when the file
 *   has no annotation signal; annotations are always gathered from the whole file.
 */
import { open, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { type Ecg, type EcgAnnotation, findLeads } from "./record.js";
import { InputError } from "../errors.js";

/** One signal's header fields. */
export interface EdfSignalHeader {
  label: string;
  transducer: string;
  physicalDimension: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  prefiltering: string;
  samplesPerRecord: number;
  reserved: string;
}

/** The parsed header of an EDF/EDF+/BDF file. */
export interface EdfHeader {
  /** "0" for EDF, "\xffBIOSEMI" shown as "BIOSEMI" for BDF. */
  version: string;
  bdf: boolean;
  patient: string;
  recording: string;
  /** "dd.mm.yy" and "hh.mm.ss" as written. */
  startDate: string;
  startTime: string;
  /** Start as ISO 8601 (local time, no zone) when the date is readable. */
  startIso?: string;
  headerBytes: number;
  /** Reserved field: "EDF+C", "EDF+D", "BDF+C", "24BIT" ... */
  reserved: string;
  plus: boolean;
  discontinuous: boolean;
  /** As written; -1 means unknown (then inferred from the file size, see `recordCount`). */
  numRecordsField: number;
  /** Number of complete data records the file holds. */
  recordCount: number;
  recordDuration: number;
  signals: EdfSignalHeader[];
  /** Bytes per data record. */
  recordBytes: number;
}

export interface EdfReadOptions {
  /** Start, in seconds from the first sample (default 0). */
  from?: number;
  /** End (exclusive), in seconds from the first sample (default: the end). */
  to?: number;
  /** Signal labels to keep (case-insensitive), in this order. */
  leads?: string[];
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
/** WFDB beat and non-beat mnemonics an EDF+ annotation text may carry as is. */
const WFDB_CODES = new Set(
  "N L R B A a J S V r F e j n E / f Q ? | s T * D = p ^ t + u ~ x [ ! ] ( ) @ ' \"".split(" "),
);
const UTF8 = new TextDecoder("utf-8");
/** Samples per second of the time base for files that hold only annotations. */
const ANNOTATION_ONLY_FS = 1000;

/** Factor from a voltage unit to mV, or undefined when the unit is not a voltage. */
export function voltageToMvFactor(unit: string): number | undefined {
  const u = unit.trim().replace(/^[µμ]/, "u");
  switch (u.toLowerCase()) {
    case "nv":
      return 1e-6;
    case "uv":
      return 1e-3;
    case "mv":
      return 1;
    case "v":
    case "volt":
    case "volts":
      return 1e3;
    default:
      return undefined;
  }
}

function isAnnotationLabel(label: string): boolean {
  return label === "EDF Annotations" || label === "BDF Annotations";
}

/** Latin-1 decoding: EDF headers are ASCII, but µ (0xB5) and ° (0xB0) occur in the wild. */
function latin1(bytes: Uint8Array, start: number, length: number): string {
  let s = "";
  for (let i = start; i < start + length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** Parses a header; `fileSize` is used to check (or infer) the number of data records. */
export function parseEdfHeader(file: string, bytes: Uint8Array, fileSize: number): EdfHeader {
  if (bytes.length < 256) throw new InputError(file, `EDF header needs 256 bytes, file has ${bytes.length}`);
  let pos = 0;
  const field = (len: number): string => {
    const s = latin1(bytes, pos, len);
    pos += len;
    return s.trim();
  };
  const bdf = bytes[0] === 0xff;
  const version = bdf ? (pos++, field(7)) : field(8);
  if (!bdf && version !== "0")
    throw new InputError(file, `not an EDF file (version field "${version}", expected "0")`);
  if (bdf && version !== "BIOSEMI") throw new InputError(file, `not a BDF file (version field "${version}")`);
  const patient = field(80);
  const recording = field(80);
  const startDate = field(8);
  const startTime = field(8);
  const headerBytes = integerField(file, "number of bytes in header", field(8));
  const reserved = field(44);
  const numRecordsField = integerField(file, "number of data records", field(8));
  const recordDuration = numberField(file, "duration of a data record", field(8));
  const ns = integerField(file, "number of signals", field(4));
  if (ns < 0 || recordDuration < 0)
    throw new InputError(file, "negative number of signals or record duration");
  if (headerBytes !== 256 * (ns + 1)) {
    throw new InputError(
      file,
      `header size field says ${headerBytes} bytes, but ${ns} signals need ${256 * (ns + 1)}`,
    );
  }
  if (bytes.length < headerBytes) {
    throw new InputError(file, `file ends inside the header (${bytes.length} of ${headerBytes} bytes)`);
  }
  const signals = parseSignalHeaders(file, bytes, ns, field);
  const plus = /^(EDF|BDF)\+[CD]/.test(reserved);
  const discontinuous = /^(EDF|BDF)\+D/.test(reserved);
  const bytesPerSample = bdf ? 3 : 2;
  const recordBytes = signals.reduce((s, h) => s + h.samplesPerRecord, 0) * bytesPerSample;
  const recordCount = checkRecordCount(file, fileSize, headerBytes, recordBytes, numRecordsField);
  if (recordDuration === 0 && signals.some((s) => !isAnnotationLabel(s.label))) {
    throw new InputError(file, "data record duration is 0 but the file has ordinary signals");
  }
  const header: EdfHeader = {
    version,
    bdf,
    patient,
    recording,
    startDate,
    startTime,
    headerBytes,
    reserved,
    plus,
    discontinuous,
    numRecordsField,
    recordCount,
    recordDuration,
    signals,
    recordBytes,
  };
  header.startIso = startIso(startDate, startTime, plus ? recording : "");
  return header;
}

function parseSignalHeaders(file: string, bytes: Uint8Array, ns: number, field: (n: number) => string) {
  const col = (len: number) => Array.from({ length: ns }, () => field(len));
  const labels = col(16);
  const transducer = col(80);
  const dims = col(8);
  const num = (name: string, values: string[], int: boolean) =>
    values.map((v, i) =>
      (int ? integerField : numberField)(file, `${name} of signal ${i + 1} ("${labels[i]}")`, v),
    );
  const pmin = num("physical minimum", col(8), false);
  const pmax = num("physical maximum", col(8), false);
  const dmin = num("digital minimum", col(8), true);
  const dmax = num("digital maximum", col(8), true);
  const prefilter = col(80);
  const spr = num("samples per data record", col(8), true);
  const reserved = col(32);
  return labels.map((label, i): EdfSignalHeader => {
    const name = `signal ${i + 1} ("${label}")`;
    if (spr[i]! <= 0)
      throw new InputError(file, `${name}: samples per data record must be positive, got ${spr[i]}`);
    if (dmax[i]! <= dmin[i]!)
      throw new InputError(file, `${name}: digital maximum ${dmax[i]} <= minimum ${dmin[i]}`);
    if (pmax[i] === pmin[i])
      throw new InputError(file, `${name}: physical maximum equals minimum (${pmin[i]})`);
    return {
      label,
      transducer: transducer[i]!,
      physicalDimension: dims[i]!,
      physicalMin: pmin[i]!,
      physicalMax: pmax[i]!,
      digitalMin: dmin[i]!,
      digitalMax: dmax[i]!,
      prefiltering: prefilter[i]!,
      samplesPerRecord: spr[i]!,
      reserved: reserved[i]!,
    };
  });
}

function numberField(file: string, name: string, text: string): number {
  const v = text === "" ? NaN : Number(text);
  if (!Number.isFinite(v)) throw new InputError(file, `header field "${name}" is not a number: "${text}"`);
  return v;
}

function integerField(file: string, name: string, text: string): number {
  const v = numberField(file, name, text);
  if (!Number.isInteger(v)) throw new InputError(file, `header field "${name}" is not an integer: "${text}"`);
  return v;
}

function checkRecordCount(
  file: string,
  size: number,
  headerBytes: number,
  recordBytes: number,
  field: number,
): number {
  if (recordBytes === 0) throw new InputError(file, "data records have no samples");
  const dataBytes = size - headerBytes;
  const implied = Math.floor(dataBytes / recordBytes);
  const partial = dataBytes % recordBytes !== 0;
  if (field === -1) {
    if (partial) {
      throw new InputError(
        file,
        `number of data records is -1 (unknown) and the size implies ${implied} records plus ${dataBytes % recordBytes} stray bytes (record size ${recordBytes})`,
      );
    }
    return implied;
  }
  if (field < -1) throw new InputError(file, `number of data records is ${field}`);
  if (field !== implied || partial) {
    const extra = partial ? ` and ${dataBytes % recordBytes} stray bytes` : "";
    throw new InputError(
      file,
      `header says ${field} data records but the file size (${size} bytes) implies ${implied}${extra} (record size ${recordBytes} bytes)` +
        (field > implied ? ": the file is truncated" : ""),
    );
  }
  return field;
}

/** EDF start date/time to ISO; EDF+ "Startdate dd-MMM-yyyy" gives the full year (clipping 1985-2084 otherwise). */
function startIso(date: string, time: string, recording: string): string | undefined {
  const d = /^(\d\d)\.(\d\d)\.(\d\d|yy)$/.exec(date);
  const t = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(time);
  if (!d || !t) return undefined;
  let year: number | undefined;
  const rec = /^Startdate (\d\d)-([A-Z]{3})-(\d{4})\b/.exec(recording);
  if (rec && MONTHS.includes(rec[2]!)) year = Number(rec[3]);
  else if (d[3] !== "yy") year = Number(d[3]) >= 85 ? 1900 + Number(d[3]) : 2000 + Number(d[3]);
  if (year === undefined) return undefined;
  const [day, month] = [Number(d[1]), Number(d[2])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const [hh, mm, ss] = [Number(t[1]), Number(t[2]), Number(t[3])];
  if (hh > 23 || mm > 59 || ss > 59) return undefined;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(year, 4)}-${p(month)}-${p(day)}T${p(hh)}:${p(mm)}:${p(ss)}`;
}

/** Adds seconds (may be fractional) to a local ISO time without a zone. */
function addSeconds(iso: string, seconds: number): string {
  if (seconds === 0) return iso;
  const ms = Date.parse(iso + "Z") + Math.round(seconds * 1000);
  const out = new Date(ms).toISOString().replace("Z", "");
  return out.endsWith(".000") ? out.slice(0, -4) : out;
}

/** A TAL annotation before mapping to samples. */
export interface EdfTalAnnotation {
  onset: number;
  duration?: number;
  text: string;
}

/**
 * Parses the TALs of one annotation signal's bytes in one data record. Returns the record's
 * time-keeping onset (first TAL with no text, when `timekeeping`) and the annotations.
 */
export function parseTals(
  file: string,
  bytes: Uint8Array,
  timekeeping: boolean,
): { recordOnset?: number; annotations: EdfTalAnnotation[] } {
  const annotations: EdfTalAnnotation[] = [];
  let recordOnset: number | undefined;
  let i = 0;
  while (i < bytes.length && bytes[i] !== 0) {
    let end = i;
    while (end < bytes.length && bytes[end] !== 0) end++;
    const tal = UTF8.decode(bytes.subarray(i, end));
    i = end + 1;
    const parts = tal.split("\x14");
    // Onset and optional duration are separated by byte 21 (0x15).
    const [onsetText, durationText, ...rest] = parts[0]!.split("\x15");
    const onset = /^[+-]\d+(\.\d*)?$/.test(onsetText!) ? Number(onsetText) : NaN;
    const duration =
      durationText !== undefined && /^\d+(\.\d*)?$/.test(durationText) ? Number(durationText) : undefined;
    if (Number.isNaN(onset) || rest.length || (durationText !== undefined && duration === undefined)) {
      throw new InputError(file, `malformed EDF+ annotation (TAL) "${printable(tal)}"`);
    }
    const texts = parts.slice(1, -1);
    if (timekeeping && recordOnset === undefined && texts.every((t) => t === "")) {
      recordOnset = onset;
      continue;
    }
    for (const text of texts) if (text !== "") annotations.push({ onset, duration, text });
  }
  return { recordOnset, annotations };
}

function printable(s: string): string {
  let out = "";
  for (const ch of s) out += ch.charCodeAt(0) < 32 ? " " : ch;
  return out.slice(0, 80);
}

/** Maps an EDF+ annotation text to a WFDB-style annotation. */
export function edfAnnotationToEcg(a: EdfTalAnnotation, sample: number): EcgAnnotation {
  const text = a.text.trim();
  const code = WFDB_CODES.has(text) ? text : text.startsWith("(") ? "+" : '"';
  const ann: EcgAnnotation = { sample, code, subtype: 0, channel: 0, num: 0, aux: a.text, source: "edf" };
  if (a.duration !== undefined) ann.durationSeconds = a.duration;
  return ann;
}

function looksLikeEcg(label: string): boolean {
  return /\b(ecg|ekg|mlii|ml\d|lead|i|ii|iii|avr|avl|avf|v[1-6])\b/i.test(label);
}

/** Chooses the signals to return (indices into the header's signals) and their common samples-per-record. */
function chooseSignals(file: string, h: EdfHeader, leads?: string[]): number[] {
  const ordinary = h.signals.map((s, i) => i).filter((i) => !isAnnotationLabel(h.signals[i]!.label));
  if (leads && leads.length) {
    const labels = ordinary.map((j) => h.signals[j]!.label);
    const picked = findLeads(file, labels, leads).map((k) => ordinary[k]!);
    const rates = new Set(picked.map((i) => h.signals[i]!.samplesPerRecord));
    if (rates.size > 1) throw new InputError(file, `the requested signals have different sampling rates`);
    return picked;
  }
  if (!ordinary.length) return [];
  const score = new Map<number, [number, number]>(); // spr -> [ecg count, count]
  for (const i of ordinary) {
    const s = h.signals[i]!;
    const cur = score.get(s.samplesPerRecord) ?? [0, 0];
    score.set(s.samplesPerRecord, [cur[0] + (looksLikeEcg(s.label) ? 1 : 0), cur[1] + 1]);
  }
  const best = [...score.entries()].sort(
    (a, b) => b[1][0] - a[1][0] || b[1][1] - a[1][1] || b[0] - a[0],
  )[0]![0];
  return ordinary.filter((i) => h.signals[i]!.samplesPerRecord === best);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

/** Bytes to read per chunk: a few MB keeps memory flat on multi-GB files. */
const CHUNK_BYTES = 4 << 20;

/** Reads an EDF, EDF+ or BDF file into an Ecg. */
export async function readEdf(path: string, opts: EdfReadOptions = {}): Promise<Ecg> {
  const file = basename(path);
  const size = (await stat(path)).size;
  const fh = await open(path, "r");
  try {
    const first = new Uint8Array(256);
    await fh.read(first, 0, 256, 0);
    const nsText = latin1(first, 252, 4).trim();
    const ns = integerField(file, "number of signals", nsText);
    if (ns < 0 || ns > 100000) throw new InputError(file, `implausible number of signals ${ns}`);
    const headerLen = Math.min(size, 256 * (ns + 1));
    const headerBytes = new Uint8Array(headerLen);
    await fh.read(headerBytes, 0, headerLen, 0);
    const h = parseEdfHeader(file, headerBytes, size);
    return await decodeEdf(path, file, fh, h, opts);
  } finally {
    await fh.close();
  }
}

interface SignalPlan {
  index: number;
  /** Byte offset of the signal inside a data record. */
  offset: number;
  spr: number;
  scale: number;
  shift: number;
}

async function decodeEdf(
  path: string,
  file: string,
  fh: import("node:fs/promises").FileHandle,
  h: EdfHeader,
  opts: EdfReadOptions,
): Promise<Ecg> {
  const bps = h.bdf ? 3 : 2;
  const offsets: number[] = [];
  let acc = 0;
  for (const s of h.signals) {
    offsets.push(acc);
    acc += s.samplesPerRecord * bps;
  }
  const chosen = chooseSignals(file, h, opts.leads);
  const plans: SignalPlan[] = chosen.map((i) => {
    const s = h.signals[i]!;
    const unit = voltageToMvFactor(s.physicalDimension) ?? 1;
    const gain = (s.physicalMax - s.physicalMin) / (s.digitalMax - s.digitalMin);
    return {
      index: i,
      offset: offsets[i]!,
      spr: s.samplesPerRecord,
      scale: gain * unit,
      shift: (s.physicalMin - s.digitalMin * gain) * unit,
    };
  });
  const annIdx = h.signals.map((s, i) => i).filter((i) => isAnnotationLabel(h.signals[i]!.label));
  const spr = plans.length ? plans[0]!.spr : 0;
  const fs = plans.length ? spr / h.recordDuration : ANNOTATION_ONLY_FS;

  // Records to decode: all, unless a window is asked for on a continuous file.
  let r0 = 0;
  let r1 = h.recordCount;
  if (!h.discontinuous && spr > 0) {
    // Same rounding as the final cut in `assemble`, so the cut always falls inside what we decode.
    if (opts.from !== undefined) r0 = clamp(Math.floor(Math.round(opts.from * fs) / spr), 0, h.recordCount);
    if (opts.to !== undefined) r1 = clamp(Math.ceil(Math.round(opts.to * fs) / spr), r0, h.recordCount);
  }
  const scanAll = annIdx.length > 0;
  const n = (r1 - r0) * spr;
  const out = plans.map(() => new Float32Array(n));
  const onsets: (number | undefined)[] = new Array(h.recordCount);
  const tals: EdfTalAnnotation[] = [];

  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / h.recordBytes));
  const buf = new Uint8Array(perChunk * h.recordBytes);
  const view = new DataView(buf.buffer);
  const start = scanAll ? 0 : r0;
  const stop = scanAll ? h.recordCount : r1;
  for (let r = start; r < stop; r += perChunk) {
    const count = Math.min(perChunk, stop - r);
    const want = count * h.recordBytes;
    const { bytesRead } = await fh.read(buf, 0, want, h.headerBytes + r * h.recordBytes);
    if (bytesRead < want)
      throw new InputError(
        file,
        `file ends inside data record ${r + Math.floor(bytesRead / h.recordBytes) + 1}`,
      );
    for (let k = 0; k < count; k++) {
      const rec = r + k;
      const base = k * h.recordBytes;
      if (rec >= r0 && rec < r1) {
        for (let p = 0; p < plans.length; p++)
          decodeSamples(view, base, plans[p]!, out[p]!, (rec - r0) * spr, h.bdf);
      }
      annIdx.forEach((ai, j) => {
        const len = h.signals[ai]!.samplesPerRecord * bps;
        const parsed = parseTals(file, buf.subarray(base + offsets[ai]!, base + offsets[ai]! + len), j === 0);
        if (j === 0) onsets[rec] = parsed.recordOnset;
        for (const a of parsed.annotations) tals.push(a);
      });
    }
  }
  return assemble(path, file, h, opts, { plans, out, fs, spr, r0, onsets, tals });
}

/** Decodes one signal of one data record, scaled, into `dst` at `at`: no allocation per sample. */
function decodeSamples(
  view: DataView,
  base: number,
  plan: SignalPlan,
  dst: Float32Array,
  at: number,
  bdf: boolean,
) {
  const { scale, shift, spr } = plan;
  let pos = base + plan.offset;
  if (bdf) {
    for (let i = 0; i < spr; i++, pos += 3) {
      const v = (view.getUint8(pos) | (view.getUint8(pos + 1) << 8) | (view.getInt8(pos + 2) << 16)) >> 0;
      dst[at + i] = v * scale + shift;
    }
  } else {
    for (let i = 0; i < spr; i++, pos += 2) dst[at + i] = view.getInt16(pos, true) * scale + shift;
  }
}

interface Decoded {
  plans: SignalPlan[];
  out: Float32Array[];
  fs: number;
  spr: number;
  r0: number;
  onsets: (number | undefined)[];
  tals: EdfTalAnnotation[];
}

function assemble(path: string, file: string, h: EdfHeader, opts: EdfReadOptions, d: Decoded): Ecg {
  const { plans, fs, spr } = d;
  const t0 = d.onsets[0] ?? 0;
  let signals = d.out;
  let gaps: { startSeconds: number; durationSeconds: number }[] = [];
  if (h.discontinuous && spr > 0) ({ signals, gaps } = layOut(file, h, d, t0));
  // Window within the decoded records.
  let firstSample = d.r0 * spr;
  if (spr > 0 && (opts.from !== undefined || opts.to !== undefined)) {
    const total = h.discontinuous ? (signals[0]?.length ?? 0) : h.recordCount * spr;
    const a = Math.max(0, Math.min(total, Math.round((opts.from ?? 0) * fs)));
    const b = Math.max(a, Math.min(total, opts.to !== undefined ? Math.round(opts.to * fs) : total));
    signals = signals.map((s) => s.subarray(a - firstSample, b - firstSample));
    firstSample = a;
  }
  const length = signals[0]?.length ?? 0;
  const annotations = d.tals
    .map((a) => edfAnnotationToEcg(a, Math.round((a.onset - t0) * fs) - firstSample))
    .filter(
      (a) =>
        !plans.length ||
        (opts.from === undefined && opts.to === undefined) ||
        (a.sample >= 0 && a.sample < length),
    )
    .sort((x, y) => x.sample - y.sample);
  const chosen = new Set(plans.map((p) => p.index));
  const skipped = h.signals
    .filter((s, i) => !chosen.has(i) && !isAnnotationLabel(s.label))
    .map((s) => ({ label: s.label, fs: s.samplesPerRecord / h.recordDuration, unit: s.physicalDimension }));
  const kind = (h.bdf ? "bdf" : "edf") + (h.plus ? "+" : "");
  const startTime = h.startIso ? addSeconds(h.startIso, t0 + firstSample / fs) : undefined;
  const ecg: Ecg = {
    name: basename(path, extname(path)),
    fs,
    leads: plans.map((p) => h.signals[p.index]!.label),
    signals: signals.map((s) => (s.byteOffset === 0 && s.length === s.buffer.byteLength / 4 ? s : s.slice())),
    units: plans.map((p) => {
      const dim = h.signals[p.index]!.physicalDimension;
      return voltageToMvFactor(dim) !== undefined ? "mV" : dim;
    }),
    annotations,
    source: {
      format: kind,
      path,
      comments: [h.patient, h.recording].filter((c) => c !== ""),
      edf: { ...h, signals: h.signals },
      skippedSignals: skipped,
      ...(gaps.length ? { gaps } : {}),
      ...(plans.length ? {} : { annotationOnly: true }),
    },
  };
  if (startTime) ecg.startTime = startTime;
  return ecg;
}

/** EDF+D: places each record at its time-keeping onset; gaps become NaN. */
function layOut(file: string, h: EdfHeader, d: Decoded, t0: number) {
  const { spr, fs } = d;
  const starts: number[] = [];
  let end = 0;
  for (let r = 0; r < h.recordCount; r++) {
    const onset = d.onsets[r];
    if (onset === undefined)
      throw new InputError(file, `EDF+D data record ${r + 1} has no time-keeping annotation`);
    const at = Math.round((onset - t0) * fs);
    if (at < end)
      throw new InputError(file, `EDF+D data record ${r + 1} starts before the previous one ends`);
    starts.push(at);
    end = at + spr;
  }
  const dataLen = h.recordCount * spr;
  // Bound the allocation: gaps may not make the output more than 8 times the data.
  if (end > 8 * dataLen + spr) {
    throw new InputError(
      file,
      `EDF+D gaps span ${(end / fs).toFixed(1)} s for ${(dataLen / fs).toFixed(1)} s of data`,
    );
  }
  const gaps: { startSeconds: number; durationSeconds: number }[] = [];
  const signals = d.out.map((src) => {
    const dst = new Float32Array(end).fill(NaN);
    for (let r = 0; r < starts.length; r++) dst.set(src.subarray(r * spr, (r + 1) * spr), starts[r]!);
    return dst;
  });
  let prevEnd = 0;
  for (const s of starts) {
    if (s > prevEnd) gaps.push({ startSeconds: prevEnd / fs, durationSeconds: (s - prevEnd) / fs });
    prevEnd = s + spr;
  }
  return { signals, gaps };
}
