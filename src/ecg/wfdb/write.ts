/**
 * Writing an Ecg as a WFDB record: `<out>.hea`, `<out>.dat` (format 16 or 212) and one MIT
 * annotation file per annotation source (`.atr` by default; LUDB-style `.i`, `.v1` ... kept).
 *
 * Exact round trip: a lead that came from a WFDB reader keeps its gain and baseline (rescaled to
 * the output unit, written with full float64 precision), so each Float32 value maps back to its
 * original integer and re-reading gives identical values. Other leads get a gain that fits the
 * format's range (baseline 0), which quantizes them to that resolution.
 */
import { writeFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Ecg, EcgAnnotation } from "../record.js";
import { InputError } from "../../errors.js";
import type { WfdbSignalSpec } from "./header.js";
import { encodeSamples, formatRange, invalidSample } from "./signals.js";
import { encodeMitAnnotations } from "./annotations.js";
import { physicalUnit } from "./record.js";

export interface WriteWfdbOptions {
  /** Signal format, default 16. */
  format?: 16 | 212;
  /** Replace existing files (default false: refuse to overwrite). */
  overwrite?: boolean;
}

/** Calibration chosen for one lead. */
interface Calibration {
  gain: number;
  baseline: number;
}

const DEFAULT_GAIN: Record<16 | 212, number> = { 16: 1000, 212: 200 };

function sourceSpecs(ecg: Ecg): (WfdbSignalSpec | undefined)[] {
  const specs = ecg.source.format === "wfdb" ? ecg.source["wfdbSignals"] : undefined;
  if (!Array.isArray(specs) || specs.length !== ecg.leads.length) return ecg.leads.map(() => undefined);
  return specs as WfdbSignalSpec[];
}

/** Digital value of a physical value, or the invalid code for NaN. */
function toDigital(v: number, c: Calibration, invalid: number): number {
  return Number.isFinite(v) ? Math.round(v * c.gain + c.baseline) : invalid;
}

function calibrate(
  x: Float32Array,
  spec: WfdbSignalSpec | undefined,
  unit: string,
  format: 16 | 212,
): Calibration {
  const [lo, hi] = formatRange(format);
  const invalid = invalidSample(format);
  if (spec) {
    const { unit: specUnit, scale } = physicalUnit(spec.units);
    // The reader divided by gain/scale; the same float64 gain makes the round trip exact.
    const c = { gain: spec.gain / scale, baseline: spec.baseline };
    if (specUnit === unit && fits(x, c, lo, hi, invalid)) return c;
  }
  let maxAbs = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) maxAbs = Math.max(maxAbs, Math.abs(x[i]!));
  let gain = DEFAULT_GAIN[format];
  if (maxAbs * gain > hi) gain = Number((hi / maxAbs).toPrecision(4)) * 0.999;
  return { gain, baseline: 0 };
}

function fits(x: Float32Array, c: Calibration, lo: number, hi: number, invalid: number): boolean {
  for (let i = 0; i < x.length; i++) {
    const d = toDigital(x[i]!, c, invalid);
    if (d !== invalid && (d < lo || d > hi)) return false;
  }
  return true;
}

/** "HH:MM:SS[.sss] [DD/MM/YYYY]" from an ISO 8601 start time, if it has that shape. */
function baseTimeDate(iso: string | undefined): string {
  if (!iso) return "";
  const m = /^(?:(\d{4})-(\d{2})-(\d{2})T)?(\d{2}:\d{2}:\d{2}(?:\.\d+)?)/.exec(iso);
  if (!m) return "";
  return m[1] ? ` ${m[4]} ${m[3]}/${m[2]}/${m[1]}` : ` ${m[4]}`;
}

/** Header and signal-file text and bytes for an Ecg (exposed for tests). */
export function encodeWfdbRecord(ecg: Ecg, name: string, format: 16 | 212 = 16) {
  const n = ecg.signals.length ? ecg.signals[0]!.length : 0;
  const nsig = ecg.signals.length;
  for (const s of ecg.signals)
    if (s.length !== n) throw new InputError(name, "leads of different lengths cannot be one WFDB record");
  if (!(ecg.fs > 0)) throw new InputError(name, `invalid sampling rate ${ecg.fs}`);
  const specs = sourceSpecs(ecg);
  const invalid = invalidSample(format);
  const digital = new Int32Array(n * nsig);
  const lines = [`${name} ${nsig} ${ecg.fs} ${n}${baseTimeDate(ecg.startTime)}`];
  for (let j = 0; j < nsig; j++) {
    const x = ecg.signals[j]!;
    const unit = ecg.units[j] || "mV";
    const c = calibrate(x, specs[j], unit, format);
    let sum = 0;
    for (let i = 0, p = j; i < n; i++, p += nsig) {
      const d = toDigital(x[i]!, c, invalid);
      digital[p] = d;
      sum = (sum + d) & 0xffff;
    }
    const init = n ? digital[j]! : 0;
    const desc = (ecg.leads[j] ?? "").replace(/[\r\n]/g, " ").trim() || `record ${name}, signal ${j}`;
    const bits = format === 16 ? 16 : 12;
    lines.push(
      `${name}.dat ${format} ${c.gain}(${c.baseline})/${unit.replace(/\s/g, "_")} ${bits} 0 ${init} ${(sum << 16) >> 16} 0 ${desc}`,
    );
  }
  for (const c of ecg.source.comments ?? []) lines.push(`# ${c.replace(/[\r\n]/g, " ")}`);
  return { header: lines.join("\n") + "\n", data: encodeSamples(format, digital) };
}

/** Annotations grouped by the annotation file they go to (their `source`, else "atr"). */
function annotationFiles(annotations: readonly EcgAnnotation[]): Map<string, EcgAnnotation[]> {
  const files = new Map<string, EcgAnnotation[]>();
  for (const a of annotations) {
    const ext = a.source && /^[A-Za-z0-9_]+$/.test(a.source) && a.source !== "edf" ? a.source : "atr";
    let list = files.get(ext);
    if (!list) files.set(ext, (list = []));
    list.push({ ...a, sample: Math.round(a.sample) });
  }
  return files;
}

/**
 * Writes `ecg` as `<outPathWithoutExt>.hea/.dat` (+ annotation files). Returns the files written.
 * Refuses to overwrite existing files unless `overwrite` is set.
 */
export async function writeWfdbRecord(
  ecg: Ecg,
  outPathWithoutExt: string,
  opts: WriteWfdbOptions = {},
): Promise<string[]> {
  const format = opts.format ?? 16;
  if (format !== 16 && format !== 212)
    throw new InputError(outPathWithoutExt, `cannot write WFDB format ${format}`);
  const name = basename(outPathWithoutExt);
  if (!/^[\w.-]+$/.test(name))
    throw new InputError(outPathWithoutExt, "record name must be letters, digits, _ - .");
  const { header, data } = encodeWfdbRecord(ecg, name, format);
  const flag = opts.overwrite ? "w" : "wx";
  const written: string[] = [];
  const put = async (path: string, content: string | Uint8Array) => {
    try {
      await writeFile(path, content, { flag });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(
        path,
        code === "EEXIST" ? "file exists (not overwritten)" : `cannot write (${code ?? e})`,
      );
    }
    written.push(path);
  };
  await put(`${outPathWithoutExt}.dat`, data);
  for (const [ext, anns] of annotationFiles(ecg.annotations))
    await put(`${outPathWithoutExt}.${ext}`, encodeMitAnnotations(anns, `${name}.${ext}`));
  await put(`${outPathWithoutExt}.hea`, header);
  return written;
}
