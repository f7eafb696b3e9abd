/**
 * WFDB header (.hea) parsing, following the WFDB header(5) specification:
 *
 *   record line:  name[/nseg] nsig [fs[/counterFreq[(baseCounter)]] [nsamp [baseTime [baseDate]]]]
 *   signal line:  file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adcRes [adcZero
 *                 [initValue [checksum [blockSize [description]]]]]]]
 *   segment line: name nsamp            (multi-segment records; "~" is a null segment)
 *
 * Missing fields take the specification's defaults (fs 250, gain 0 -> 200 adu/unit, units mV,
 * baseline = ADC zero, description "record x, signal n").
 */
import { InputError } from "../../errors.js";

/** One signal line. */
export interface WfdbSignalSpec {
  /** Signal file name as written (relative to the header's folder); "~" for null signals. */
  file: string;
  format: number;
  /** Samples per frame (the `x` modifier), 1 when absent. */
  samplesPerFrame: number;
  /** Skew in frames (the `:` modifier), 0 when absent. */
  skew: number;
  /** Byte offset of the first sample in the file (the `+` modifier), 0 when absent. */
  byteOffset: number;
  /** ADC units per physical unit (never 0: the specification's default 200 is applied). */
  gain: number;
  /** Whether the header gave a gain (0 or missing means "uncalibrated" in WFDB). */
  gainGiven: boolean;
  baseline: number;
  units: string;
  adcResolution: number;
  adcZero: number;
  initValue: number;
  /** 16-bit checksum of all samples of the signal, when the header gives one. */
  checksum?: number;
  blockSize: number;
  description: string;
}

/** One segment of a multi-segment record. */
export interface WfdbSegmentSpec {
  /** Segment record name, "~" for a null segment. */
  name: string;
  nsamp: number;
}

export interface WfdbHeader {
  name: string;
  nsig: number;
  /** Frame rate in Hz. */
  fs: number;
  counterFreq?: number;
  baseCounter?: number;
  /** Number of frames; undefined when the header does not say (then the file length decides). */
  nsamp?: number;
  /** "HH:MM:SS[.sss]" when given. */
  baseTime?: string;
  /** "DD/MM/YYYY" when given. */
  baseDate?: string;
  signals: WfdbSignalSpec[];
  /** Present for multi-segment records. */
  segments?: WfdbSegmentSpec[];
  comments: string[];
}

const DEFAULT_FS = 250;
const DEFAULT_GAIN = 200;
/** More signals or segments than this in one header is not a real record. */
const MAX_LINES = 100_000;

/** Default ADC resolution (bits) by signal format, as WFDB assumes when the field is 0/absent. */
export function defaultAdcResolution(format: number): number {
  switch (format) {
    case 8:
    case 80:
    case 508:
      return 8;
    case 212:
      return 12;
    case 310:
    case 311:
      return 10;
    case 24:
    case 524:
      return 24;
    case 32:
      return 32;
    default:
      return 16;
  }
}

function parseNumber(token: string, file: string, what: string): number {
  const v = Number(token);
  if (token === "" || !Number.isFinite(v)) throw new InputError(file, `invalid ${what} "${token}"`);
  return v;
}

function parseInteger(token: string, file: string, what: string, min = -Infinity): number {
  const v = parseNumber(token, file, what);
  if (!Number.isInteger(v) || v < min) throw new InputError(file, `invalid ${what} "${token}"`);
  return v;
}

/** Parses the header text; `file` names the header in errors. */
export function parseWfdbHeader(text: string, file: string): WfdbHeader {
  const comments: string[] = [];
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const hash = raw.indexOf("#");
    if (hash >= 0) {
      // Comments are whole lines in practice; text before a '#' stays a field line.
      if (raw.slice(0, hash).trim() === "") {
        comments.push(raw.slice(hash + 1).trim());
        continue;
      }
      comments.push(raw.slice(hash + 1).trim());
      lines.push(raw.slice(0, hash));
      continue;
    }
    if (raw.trim() !== "") lines.push(raw);
  }
  if (lines.length === 0) throw new InputError(file, "empty WFDB header (no record line)");
  const header = parseRecordLine(lines[0]!, file);
  header.comments = comments;
  const rest = lines.slice(1);
  if (header.segments) {
    const nseg = header.segments.length;
    header.segments = [];
    if (rest.length < nseg)
      throw new InputError(file, `header declares ${nseg} segments but has ${rest.length} segment lines`);
    for (let i = 0; i < nseg; i++) header.segments.push(parseSegmentLine(rest[i]!, file));
    return header;
  }
  if (rest.length < header.nsig)
    throw new InputError(file, `header declares ${header.nsig} signals but has ${rest.length} signal lines`);
  for (let i = 0; i < header.nsig; i++) header.signals.push(parseSignalLine(rest[i]!, file, header.name, i));
  return header;
}

function parseRecordLine(line: string, file: string): WfdbHeader {
  const t = line.trim().split(/\s+/);
  const [name, nsegText] = t[0]!.split("/");
  if (!name) throw new InputError(file, "record line has no record name");
  if (t.length < 2) throw new InputError(file, "record line has no number of signals");
  const nsig = parseInteger(t[1]!, file, "number of signals", 0);
  if (nsig > MAX_LINES) throw new InputError(file, `absurd number of signals ${nsig}`);
  const header: WfdbHeader = { name, nsig, fs: DEFAULT_FS, signals: [], comments: [] };
  if (nsegText !== undefined) {
    const nseg = parseInteger(nsegText, file, "number of segments", 1);
    if (nseg > MAX_LINES) throw new InputError(file, `absurd number of segments ${nseg}`);
    // Placeholders remember the count: parseWfdbHeader reads exactly that many segment lines.
    header.segments = Array.from({ length: nseg }, () => ({ name: "", nsamp: 0 }));
  }
  if (t[2] !== undefined) {
    const m = /^([^/(]+)(?:\/([^(]+)(?:\(([^)]*)\))?)?$/.exec(t[2]);
    if (!m) throw new InputError(file, `invalid sampling frequency "${t[2]}"`);
    header.fs = parseNumber(m[1]!, file, "sampling frequency");
    if (m[2] !== undefined) header.counterFreq = parseNumber(m[2], file, "counter frequency");
    if (m[3] !== undefined) header.baseCounter = parseNumber(m[3], file, "base counter value");
    if (!(header.fs > 0)) header.fs = DEFAULT_FS;
  }
  if (t[3] !== undefined) {
    const n = parseInteger(t[3], file, "number of samples", 0);
    if (!Number.isSafeInteger(n)) throw new InputError(file, `absurd number of samples ${t[3]}`);
    if (n > 0 || header.segments) header.nsamp = n;
  }
  if (t[4] !== undefined) header.baseTime = t[4];
  if (t[5] !== undefined) header.baseDate = t[5];
  return header;
}

function parseSegmentLine(line: string, file: string): WfdbSegmentSpec {
  const t = line.trim().split(/\s+/);
  if (t.length < 2) throw new InputError(file, `invalid segment line "${line.trim()}"`);
  return { name: t[0]!, nsamp: parseInteger(t[1]!, file, "segment length", 0) };
}

function parseSignalLine(line: string, file: string, record: string, index: number): WfdbSignalSpec {
  const t = line.trim().split(/\s+/);
  if (t.length < 2) throw new InputError(file, `signal ${index}: line has no format field`);
  const fm = /^(\d+)(?:x(\d+))?(?::(-?\d+))?(?:\+(\d+))?$/.exec(t[1]!);
  if (!fm) throw new InputError(file, `signal ${index}: invalid format field "${t[1]}"`);
  const format = Number(fm[1]);
  const spec: WfdbSignalSpec = {
    file: t[0]!,
    format,
    samplesPerFrame: fm[2] !== undefined ? Math.max(1, Number(fm[2])) : 1,
    skew: fm[3] !== undefined ? Number(fm[3]) : 0,
    byteOffset: fm[4] !== undefined ? Number(fm[4]) : 0,
    gain: DEFAULT_GAIN,
    gainGiven: false,
    baseline: 0,
    units: "mV",
    adcResolution: defaultAdcResolution(format),
    adcZero: 0,
    initValue: 0,
    blockSize: 0,
    description: `record ${record}, signal ${index}`,
  };
  let baselineGiven = false;
  if (t[2] !== undefined) {
    const gm = /^([^(/]+)(?:\(([^)]*)\))?(?:\/(.*))?$/.exec(t[2]);
    if (!gm) throw new InputError(file, `signal ${index}: invalid gain field "${t[2]}"`);
    const gain = parseNumber(gm[1]!, file, `signal ${index} gain`);
    if (gain !== 0) {
      spec.gain = gain;
      spec.gainGiven = true;
    }
    if (gm[2] !== undefined) {
      spec.baseline = parseInteger(gm[2], file, `signal ${index} baseline`);
      baselineGiven = true;
    }
    if (gm[3] !== undefined && gm[3] !== "") spec.units = gm[3];
  }
  if (t[3] !== undefined) {
    const res = parseInteger(t[3], file, `signal ${index} ADC resolution`, 0);
    if (res > 0) spec.adcResolution = res;
  }
  if (t[4] !== undefined) spec.adcZero = parseInteger(t[4], file, `signal ${index} ADC zero`);
  if (!baselineGiven) spec.baseline = spec.adcZero;
  if (t[5] !== undefined) spec.initValue = parseInteger(t[5], file, `signal ${index} initial value`);
  if (t[6] !== undefined) spec.checksum = parseInteger(t[6], file, `signal ${index} checksum`);
  if (t[7] !== undefined) spec.blockSize = parseInteger(t[7], file, `signal ${index} block size`, 0);
  if (t.length > 8) spec.description = t.slice(8).join(" ");
  return spec;
}

/** ISO 8601 start time from base time/date ("YYYY-MM-DDTHH:MM:SS[.sss]", or time only). */
export function wfdbStartTime(header: WfdbHeader, offsetSeconds = 0): string | undefined {
  if (!header.baseTime) return undefined;
  const tm = /^(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)$/.exec(header.baseTime);
  if (!tm) return undefined;
  const secOfDay = Number(tm[1] ?? 0) * 3600 + Number(tm[2]) * 60 + Number(tm[3]) + offsetSeconds;
  const dm = header.baseDate ? /^(\d+)\/(\d+)\/(\d+)$/.exec(header.baseDate) : null;
  if (!dm) return formatTimeOfDay(((secOfDay % 86400) + 86400) % 86400);
  const ms = Date.UTC(Number(dm[3]), Number(dm[2]) - 1, Number(dm[1])) + Math.round(secOfDay * 1000);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return undefined;
  const iso = d.toISOString(); // "YYYY-MM-DDTHH:MM:SS.sssZ"; record times carry no zone
  const base = iso.slice(0, 19);
  return ms % 1000 === 0 ? base : `${base}.${iso.slice(20, 23)}`;
}

function formatTimeOfDay(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec - h * 3600 - m * 60;
  const whole = Math.floor(s + 1e-9);
  const ms = Math.round((s - whole) * 1000);
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${p2(h)}:${p2(m)}:${p2(whole)}${ms ? "." + String(ms).padStart(3, "0") : ""}`;
}
