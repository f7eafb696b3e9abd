/**
 * Reading WFDB records: single-segment records (signals in one or several files, in any of the
 * formats of `signals.ts` or in a MATLAB v4 .mat), multi-segment records (fixed and variable
 * layout, null segments), whole or partial (`from`/`to` read only the bytes needed), and in
 * chunks of bounded memory.
 *
 * Sampling rate: a signal with k samples per frame runs at k times the frame rate. The returned
 * Ecg has one rate for all leads, the highest (frame rate x the largest k among the leads read);
 * slower signals are upsampled by repeating each sample (sample-and-hold), so no value is
 * invented. `from`/`to` and annotation times are in samples at that rate.
 *
 * Every size read from a header is checked against the file's length before anything is
 * allocated from it; a file shorter than its header says is an InputError naming the file
 * and the number of missing samples.
 */
import { open, readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { type Ecg, type EcgAnnotation, findLeads } from "../record.js";
import { InputError } from "../../errors.js";
import { parseWfdbHeader, wfdbStartTime, type WfdbHeader, type WfdbSignalSpec } from "./header.js";
import {
  FLAC_FORMATS,
  SUPPORTED_FORMATS,
  decodeSamples,
  formatLayout,
  invalidSample,
  samplesInBytes,
} from "./signals.js";
import { parseMatV4Header, wfdbFormatForMat } from "./matlab.js";
import { readWfdbAnnotations } from "./annotations.js";

export interface ReadWfdbOptions {
  /** First sample to read (at the returned rate), default 0. */
  from?: number;
  /** One past the last sample to read, default the end of the record. */
  to?: number;
  /** Leads to read, by the names the header gives, in this order (default all). */
  leads?: string[];
  /** Annotation files to read by extension ("atr", "v1"); "all" (default) reads every standard one present. */
  annotators?: string[] | "all" | "none";
  /** Verify header checksums when a whole record is read (default true). */
  verifyChecksum?: boolean;
}

/** Annotator extensions looked for with `annotators: "all"`. */
export const KNOWN_ANNOTATORS: readonly string[] = [
  "atr",
  "ari",
  "ann",
  "ecg",
  "qrs",
  "pwave",
  "sqrs",
  "gqrsh",
  "gqrsl",
  "wqrs",
  "apn",
  "i",
  "ii",
  "iii",
  "avr",
  "avl",
  "avf",
  "v1",
  "v2",
  "v3",
  "v4",
  "v5",
  "v6",
];

/** More output values than this (4 GB of Float32) is refused: read such records in chunks. */
const MAX_OUTPUT_VALUES = 1 << 30;
const MAX_HEADER_BYTES = 16 << 20;

/** Finds the header for a path given as `x`, `x.hea`, `x.dat` or `x.mat`. */
export async function resolveHeaderPath(path: string): Promise<string> {
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory()) throw new InputError(path, "is a directory, not a WFDB record");
  if (extname(path).toLowerCase() === ".hea") {
    if (!st) throw new InputError(path, "WFDB header not found");
    return path;
  }
  const candidates = [`${path}.hea`];
  const ext = extname(path);
  if (ext) candidates.push(path.slice(0, -ext.length) + ".hea");
  for (const c of candidates) {
    const cs = await stat(c).catch(() => undefined);
    if (cs?.isFile()) return c;
  }
  throw new InputError(path, `no WFDB header (looked for ${candidates.map((c) => basename(c)).join(", ")})`);
}

/** Reads and parses a header file, refusing absurdly large ones. */
export async function loadWfdbHeader(headerPath: string): Promise<WfdbHeader> {
  const st = await stat(headerPath).catch(() => undefined);
  if (!st) throw new InputError(headerPath, "WFDB header not found");
  if (!st.isFile()) throw new InputError(headerPath, "is not a file");
  if (st.size > MAX_HEADER_BYTES)
    throw new InputError(headerPath, `header of ${st.size} bytes is not a WFDB header`);
  const text = (await readFile(headerPath)).toString("latin1");
  return parseWfdbHeader(text, basename(headerPath));
}

/** Unit after conversion of voltages to millivolts, and the factor to multiply by. */
export function physicalUnit(units: string): { unit: string; scale: number } {
  switch (units.toLowerCase()) {
    case "mv":
      return { unit: "mV", scale: 1 };
    case "uv":
    case "µv":
    case "μv":
      return { unit: "mV", scale: 1e-3 };
    case "nv":
      return { unit: "mV", scale: 1e-6 };
    case "v":
      return { unit: "mV", scale: 1e3 };
    default:
      return { unit: units, scale: 1 };
  }
}

// ---------------------------------------------------------------------------------------------
// Single-segment plans: every check done, nothing read yet.

interface FileGroup {
  path: string;
  format: number;
  dataOffset: number;
  /** Samples per frame in this file (all its signals). */
  frameSize: number;
  /** Position of each header signal (by index) in the frame; -1 when in another file. */
  position: Map<number, number>;
  /** Signals (header indices) stored here. */
  signals: number[];
}

interface SegmentPlan {
  headerPath: string;
  header: WfdbHeader;
  /** Header indices of the signals returned, in output order. */
  selected: number[];
  /** Output samples per frame (largest samples-per-frame among the selected signals). */
  m: number;
  /** Frames in the record (checked against the files). */
  frames: number;
  groups: Map<string, FileGroup>;
}

function signalName(spec: WfdbSignalSpec): string {
  return spec.description;
}

function selectLeads(header: WfdbHeader, leads: string[] | undefined, file: string): number[] {
  const names = header.signals.map(signalName);
  if (!leads) return names.map((_, i) => i);
  return findLeads(file, names, leads);
}

async function planSegment(headerPath: string, header: WfdbHeader, selected: number[]): Promise<SegmentPlan> {
  const hname = basename(headerPath);
  const dir = dirname(headerPath);
  const groups = new Map<string, FileGroup>();
  header.signals.forEach((s, i) => {
    let g = groups.get(s.file);
    if (!g) {
      g = {
        path: join(dir, s.file),
        format: s.format,
        dataOffset: s.byteOffset,
        frameSize: 0,
        position: new Map(),
        signals: [],
      };
      groups.set(s.file, g);
    }
    if (s.format !== g.format)
      throw new InputError(hname, `signals in ${s.file} have different formats (${g.format}, ${s.format})`);
    g.position.set(i, g.frameSize);
    g.frameSize += s.samplesPerFrame;
    g.signals.push(i);
  });
  const m = selected.reduce((a, i) => Math.max(a, header.signals[i]!.samplesPerFrame), 1);
  const used = new Set(selected.map((i) => header.signals[i]!.file));
  let frames = header.nsamp;
  for (const [name, g] of groups) {
    if (!used.has(name)) continue;
    if (FLAC_FORMATS.includes(g.format))
      throw new InputError(name, `FLAC signal format ${g.format} is not supported`);
    if (!SUPPORTED_FORMATS.includes(g.format))
      throw new InputError(hname, `unknown WFDB signal format ${g.format} (for ${name})`);
    const st = await stat(g.path).catch(() => undefined);
    if (!st) throw new InputError(name, `signal file not found (named in ${hname})`);
    if (!st.isFile()) throw new InputError(name, "signal file is not a regular file");
    if (extname(name).toLowerCase() === ".mat") frames = await checkMat(g, st.size, frames, name);
    const available = Math.floor(samplesInBytes(g.format, st.size - g.dataOffset) / g.frameSize);
    if (frames === undefined) frames = available;
    else if (available < frames)
      throw new InputError(
        name,
        `file ends after ${available} of ${frames} samples (${frames - available} missing)`,
      );
  }
  return { headerPath, header, selected, m, frames: frames ?? 0, groups };
}

async function checkMat(g: FileGroup, size: number, frames: number | undefined, name: string) {
  const fh = await open(g.path, "r");
  const head = new Uint8Array(Math.min(size, 1044));
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const mat = parseMatV4Header(head, size, name);
  const fmt = wfdbFormatForMat(mat);
  if (fmt !== g.format)
    throw new InputError(
      name,
      `MATLAB precision code ${mat.precision} does not match WFDB format ${g.format}`,
    );
  if (mat.rows !== g.frameSize)
    throw new InputError(
      name,
      `MATLAB matrix has ${mat.rows} rows but the header describes ${g.frameSize} signals`,
    );
  if (g.dataOffset !== 0 && g.dataOffset !== mat.dataOffset)
    throw new InputError(
      name,
      `header byte offset ${g.dataOffset} disagrees with the MATLAB header (${mat.dataOffset})`,
    );
  g.dataOffset = mat.dataOffset;
  if (frames !== undefined && mat.cols < frames)
    throw new InputError(
      name,
      `file ends after ${mat.cols} of ${frames} samples (${frames - mat.cols} missing)`,
    );
  return frames ?? mat.cols;
}

/**
 * Reads output samples [from, to) of a planned segment into `out` (one array per selected
 * signal, null to skip) starting at `outOffset`. Returns physical units after conversion.
 */
async function readSegmentInto(
  plan: SegmentPlan,
  from: number,
  to: number,
  out: (Float32Array | null)[],
  outOffset: number,
  verifyChecksum: boolean,
): Promise<void> {
  const { header, m, frames } = plan;
  const fa = Math.floor(from / m);
  const fb = Math.ceil(to / m);
  for (const g of plan.groups.values()) {
    const sel = plan.selected.map((hi, k) => ({ hi, k })).filter(({ hi }) => g.position.has(hi));
    if (sel.length === 0) continue;
    let minSkew = 0;
    let maxSkew = 0;
    for (const { hi } of sel) {
      minSkew = Math.min(minSkew, header.signals[hi]!.skew);
      maxSkew = Math.max(maxSkew, header.signals[hi]!.skew);
    }
    // Format 8 stores differences: integrate from the start of the file.
    const sa = g.format === 8 ? 0 : Math.max(0, fa + minSkew);
    const sb = Math.max(sa, Math.min(frames, fb + maxSkew));
    const raw = await readStoredFrames(g, sa, sb, header);
    if (verifyChecksum && sa === 0 && sb === frames) verifyChecksums(g, raw, sel, header, plan.headerPath);
    for (const { hi, k } of sel) {
      const dst = out[k];
      if (dst) scatterSignal(header.signals[hi]!, g, hi, raw, sa, sb, m, from, to, dst, outOffset);
    }
  }
}

async function readStoredFrames(
  g: FileGroup,
  sa: number,
  sb: number,
  header: WfdbHeader,
): Promise<Int32Array> {
  const { samples: gs, bytes: gb } = formatLayout(g.format);
  const first = sa * g.frameSize;
  const count = (sb - sa) * g.frameSize;
  const group0 = Math.floor(first / gs);
  const skip = first - group0 * gs;
  const byteStart = g.dataOffset + group0 * gb;
  const byteLen = Math.ceil((skip + count) / gs) * gb;
  const buf = Buffer.allocUnsafe(byteLen + 4);
  const fh = await open(g.path, "r");
  try {
    let got = 0;
    while (got < byteLen) {
      const { bytesRead } = await fh.read(buf, got, byteLen - got, byteStart + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    buf.fill(0, got); // zeros pad a short final group (and mark nothing as read beyond the file)
  } finally {
    await fh.close();
  }
  const raw = new Int32Array(count);
  decodeSamples(g.format, buf, skip, count, raw);
  if (g.format === 8) integrateDifferences(raw, g, header);
  return raw;
}

/** Format 8: each stored byte is the difference from the previous sample of the same signal. */
function integrateDifferences(raw: Int32Array, g: FileGroup, header: WfdbHeader): void {
  const fsz = g.frameSize;
  const owner = new Int32Array(fsz);
  const cur: number[] = [];
  g.signals.forEach((hi, j) => {
    const pos = g.position.get(hi)!;
    for (let s = 0; s < header.signals[hi]!.samplesPerFrame; s++) owner[pos + s] = j;
    cur.push(header.signals[hi]!.initValue);
  });
  for (let i = 0, q = 0; i < raw.length; i++) {
    const j = owner[q]!;
    raw[i] = cur[j] = cur[j]! + raw[i]!;
    if (++q === fsz) q = 0;
  }
}

function verifyChecksums(
  g: FileGroup,
  raw: Int32Array,
  sel: { hi: number }[],
  header: WfdbHeader,
  headerPath: string,
): void {
  for (const { hi } of sel) {
    const spec = header.signals[hi]!;
    // Some writers (CinC 2017's) put 0 for "not computed": a 0 is not checked.
    if (spec.checksum === undefined || spec.checksum === 0) continue;
    const pos = g.position.get(hi)!;
    let sum = 0;
    for (let f = 0; f < raw.length; f += g.frameSize)
      for (let s = 0; s < spec.samplesPerFrame; s++) sum = (sum + raw[f + pos + s]!) & 0xffff;
    if (sum !== (spec.checksum & 0xffff))
      throw new InputError(
        basename(g.path),
        `checksum mismatch for signal ${hi} "${spec.description}" (header ${basename(headerPath)} says ${spec.checksum}, data gives ${(sum << 16) >> 16})`,
      );
  }
}

/** Writes one signal's physical values for output samples [from, to) into dst at outOffset. */
function scatterSignal(
  spec: WfdbSignalSpec,
  g: FileGroup,
  hi: number,
  raw: Int32Array,
  sa: number,
  sb: number,
  m: number,
  from: number,
  to: number,
  dst: Float32Array,
  outOffset: number,
): void {
  const spf = spec.samplesPerFrame;
  const pos = g.position.get(hi)!;
  const fsz = g.frameSize;
  const invalid = g.format === 8 ? NaN : invalidSample(g.format);
  const { scale } = physicalUnit(spec.units);
  const baseline = spec.baseline;
  const gain = spec.gain / scale;
  if (spf === 1 && m === 1) {
    // Fast path (MIT-BIH, PTB-XL ...): one sample per frame.
    for (let i = from, o = outOffset; i < to; i++, o++) {
      const f = i + spec.skew;
      if (f < sa || f >= sb) {
        dst[o] = NaN;
        continue;
      }
      const d = raw[(f - sa) * fsz + pos]!;
      dst[o] = d === invalid ? NaN : (d - baseline) / gain;
    }
    return;
  }
  for (let i = from, o = outOffset; i < to; i++, o++) {
    const s = Math.floor((i * spf) / m); // sample index at the signal's own rate
    const fr = Math.floor(s / spf);
    const f = fr + spec.skew;
    if (f < sa || f >= sb) {
      dst[o] = NaN;
      continue;
    }
    const d = raw[(f - sa) * fsz + pos + (s - fr * spf)]!;
    dst[o] = d === invalid ? NaN : (d - baseline) / gain;
  }
}

// ---------------------------------------------------------------------------------------------
// Records: single or multi-segment, behind one "opened record" used by reads and chunk reads.

interface OpenedRecord {
  headerPath: string;
  header: WfdbHeader;
  leads: string[];
  units: string[];
  specs: WfdbSignalSpec[];
  m: number;
  /** Total output samples. */
  length: number;
  /** Reads output samples [from, to) into fresh arrays. */
  read(from: number, to: number, verify: boolean): Promise<Float32Array[]>;
}

async function openRecord(path: string, leads: string[] | undefined): Promise<OpenedRecord> {
  const headerPath = await resolveHeaderPath(path);
  const header = await loadWfdbHeader(headerPath);
  if (header.segments) return openMultiSegment(headerPath, header, leads);
  const selected = selectLeads(header, leads, basename(headerPath));
  const plan = await planSegment(headerPath, header, selected);
  const specs = selected.map((i) => header.signals[i]!);
  return {
    headerPath,
    header,
    leads: specs.map(signalName),
    units: specs.map((s) => physicalUnit(s.units).unit),
    specs,
    m: plan.m,
    length: plan.frames * plan.m,
    async read(from, to, verify) {
      const out = allocate(selected.length, to - from, headerPath);
      await readSegmentInto(plan, from, to, out, 0, verify);
      return out;
    },
  };
}

function allocate(nLeads: number, n: number, file: string): Float32Array[] {
  if (n * nLeads > MAX_OUTPUT_VALUES)
    throw new InputError(
      basename(file),
      `${n} samples x ${nLeads} leads is too large to read at once: read it in chunks`,
    );
  return Array.from({ length: nLeads }, () => new Float32Array(n));
}

interface SegmentEntry {
  name: string;
  /** First frame of the segment in the record. */
  start: number;
  frames: number;
}

async function openMultiSegment(
  headerPath: string,
  header: WfdbHeader,
  leads: string[] | undefined,
): Promise<OpenedRecord> {
  const hname = basename(headerPath);
  const dir = dirname(headerPath);
  const segs = header.segments!;
  const variable = segs.length > 0 && segs[0]!.nsamp === 0;
  // The layout header (variable layout) or the first real segment (fixed) names the signals.
  const layoutName = variable ? segs[0]!.name : segs.find((s) => s.name !== "~")?.name;
  if (!layoutName) throw new InputError(hname, "multi-segment record has no real segment");
  const layoutPath = join(dir, `${layoutName}.hea`);
  const layout = await loadWfdbHeader(layoutPath).catch((e: unknown) => {
    if (e instanceof InputError && e.problem === "WFDB header not found")
      throw new InputError(`${layoutName}.hea`, `segment header not found (named in ${hname})`);
    throw e;
  });
  if (layout.segments) throw new InputError(`${layoutName}.hea`, "a segment cannot itself be multi-segment");
  const selected = selectLeads(layout, leads, `${layoutName}.hea`);
  const specs = selected.map((i) => layout.signals[i]!);
  const names = specs.map(signalName);
  const m = specs.reduce((a, s) => Math.max(a, s.samplesPerFrame), 1);
  const entries: SegmentEntry[] = [];
  let start = 0;
  for (const s of variable ? segs.slice(1) : segs) {
    entries.push({ name: s.name, start, frames: s.nsamp });
    start += s.nsamp;
  }
  const plans = new Map<string, Promise<SegmentPlan>>();
  const planFor = (e: SegmentEntry): Promise<SegmentPlan> => {
    let p = plans.get(e.name);
    if (!p) {
      p = planMember(dir, e, names, m, hname);
      plans.set(e.name, p);
    }
    return p;
  };
  return {
    headerPath,
    header,
    leads: names,
    units: specs.map((s) => physicalUnit(s.units).unit),
    specs,
    m,
    length: start * m,
    async read(from, to, verify) {
      const needed = entries.filter(
        (e) => e.name !== "~" && e.frames > 0 && e.start * m < to && (e.start + e.frames) * m > from,
      );
      // Plan (and so check) every segment before allocating the output; when several are
      // broken, name the first in record order (not whichever read failed first).
      const settled = await Promise.allSettled(needed.map(planFor));
      const failed = settled.find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
      const segPlans = settled.map((r) => (r as PromiseFulfilledResult<SegmentPlan>).value);
      const out = allocate(names.length, to - from, headerPath);
      for (const a of out) a.fill(NaN);
      for (let k = 0; k < needed.length; k++) {
        const e = needed[k]!;
        const plan = segPlans[k]!;
        const lo = Math.max(from, e.start * m);
        const hi = Math.min(to, (e.start + e.frames) * m);
        const ordered = plan.selected.map(
          (i) => out[names.indexOf(signalName(plan.header.signals[i]!))] ?? null,
        );
        const full = lo === e.start * m && hi === (e.start + e.frames) * m;
        await readSegmentInto(plan, lo - e.start * m, hi - e.start * m, ordered, lo - from, verify && full);
      }
      return out;
    },
  };
}

async function planMember(dir: string, e: SegmentEntry, names: string[], m: number, hname: string) {
  const path = join(dir, `${e.name}.hea`);
  const seg = await loadWfdbHeader(path).catch((err: unknown) => {
    if (err instanceof InputError && err.problem === "WFDB header not found")
      throw new InputError(`${e.name}.hea`, `segment header not found (named in ${hname})`);
    throw err;
  });
  if (seg.segments) throw new InputError(`${e.name}.hea`, "a segment cannot itself be multi-segment");
  if (seg.nsamp !== undefined && seg.nsamp < e.frames)
    throw new InputError(`${e.name}.hea`, `segment has ${seg.nsamp} samples but ${hname} says ${e.frames}`);
  const segNames = seg.signals.map(signalName);
  const selected = names.map((n) => segNames.indexOf(n)).filter((i) => i >= 0);
  const plan = await planSegment(path, seg, selected);
  if (plan.m !== m && selected.length > 0)
    throw new InputError(
      `${e.name}.hea`,
      `samples per frame differ from the record's layout (${plan.m} vs ${m})`,
    );
  plan.m = m;
  plan.frames = Math.min(plan.frames, e.frames);
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Public entry points.

async function readAnnotationSets(
  headerPath: string,
  name: string,
  annotators: ReadWfdbOptions["annotators"],
  signalFiles: Set<string>,
): Promise<EcgAnnotation[]> {
  if (annotators === "none") return [];
  const dir = dirname(headerPath);
  const exts = annotators === undefined || annotators === "all" ? KNOWN_ANNOTATORS : annotators;
  const all: EcgAnnotation[] = [];
  for (const ext of exts) {
    const file = `${name}.${ext}`;
    if (signalFiles.has(file)) continue;
    const path = join(dir, file);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) {
      if (Array.isArray(annotators)) throw new InputError(file, "annotation file not found");
      continue;
    }
    for (const a of await readWfdbAnnotations(path)) all.push(a);
  }
  return all;
}

function sliceAnnotations(all: EcgAnnotation[], m: number, from: number, to: number): EcgAnnotation[] {
  const out: EcgAnnotation[] = [];
  for (const a of all) {
    const s = a.sample * m;
    if (s >= from && s < to) out.push({ ...a, sample: s - from });
  }
  return out;
}

function checkRange(rec: OpenedRecord, from: number, to: number): void {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to > rec.length)
    throw new InputError(
      basename(rec.headerPath),
      `sample range ${from}-${to} is outside the record (0-${rec.length})`,
    );
}

function buildEcg(
  rec: OpenedRecord,
  path: string,
  signals: Float32Array[],
  from: number,
  annotations: EcgAnnotation[],
): Ecg {
  const fs = rec.header.fs * rec.m;
  return {
    name: rec.header.name,
    fs,
    leads: [...rec.leads],
    signals,
    units: [...rec.units],
    startTime: wfdbStartTime(rec.header, from / fs),
    annotations,
    source: {
      format: "wfdb",
      path,
      comments: [...rec.header.comments],
      /** Header fields of the returned leads (formats, gains, baselines ...), in lead order. */
      wfdbSignals: rec.specs.map((s) => ({ ...s })),
      /** First sample read, and the record's total length, at `fs`. */
      from,
      recordLength: rec.length,
      segments: rec.header.segments?.length,
    },
  };
}

function signalFileNames(rec: OpenedRecord): Set<string> {
  return new Set(rec.header.signals.map((s) => s.file));
}

/** Reads a WFDB record (path `x`, `x.hea`, `x.dat` or `x.mat`), whole or samples [from, to). */
export async function readWfdbRecord(path: string, opts: ReadWfdbOptions = {}): Promise<Ecg> {
  const rec = await openRecord(path, opts.leads);
  const from = opts.from ?? 0;
  const to = opts.to ?? rec.length;
  checkRange(rec, from, to);
  const signals = await rec.read(from, to, opts.verifyChecksum ?? true);
  const anns = await readAnnotationSets(
    rec.headerPath,
    rec.header.name,
    opts.annotators,
    signalFileNames(rec),
  );
  return buildEcg(rec, path, signals, from, sliceAnnotations(anns, rec.m, from, to));
}

/**
 * Reads a record in consecutive chunks of `chunkSamples` samples (the last may be shorter),
 * each an Ecg whose annotation times are relative to the chunk and whose `source.from` gives
 * the chunk's first sample. Memory stays bounded by one chunk (format 8 excepted: differences
 * are integrated from the file's start). Checksums are not verified in chunked reads.
 */
export async function* readWfdbChunks(
  path: string,
  chunkSamples: number,
  opts: ReadWfdbOptions = {},
): AsyncGenerator<Ecg> {
  if (!Number.isInteger(chunkSamples) || chunkSamples <= 0)
    throw new InputError(path, `chunk size must be a positive whole number of samples, not ${chunkSamples}`);
  const rec = await openRecord(path, opts.leads);
  const from0 = opts.from ?? 0;
  const to0 = opts.to ?? rec.length;
  checkRange(rec, from0, to0);
  const anns = await readAnnotationSets(
    rec.headerPath,
    rec.header.name,
    opts.annotators,
    signalFileNames(rec),
  );
  for (let from = from0; from < to0; from += chunkSamples) {
    const to = Math.min(to0, from + chunkSamples);
    const signals = await rec.read(from, to, false);
    yield buildEcg(rec, path, signals, from, sliceAnnotations(anns, rec.m, from, to));
  }
}

/** Number of samples (at the returned rate) and leads of a record, without reading its signals. */
export async function wfdbRecordInfo(
  path: string,
): Promise<{ length: number; fs: number; leads: string[]; units: string[] }> {
  const rec = await openRecord(path, undefined);
  return { length: rec.length, fs: rec.header.fs * rec.m, leads: [...rec.leads], units: [...rec.units] };
}
