/**
 * Uploaded ECGs on disk: `<data dir>/<id>/` holds the uploaded files (under checked plain names)
 * and `meta.json`. Ids are random, generated here; a request can only name an id, never a path.
 * Parsed records are kept in memory within a sample budget and re-read from disk when evicted.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { InputError } from "../errors.js";
import { readEcg, SUPPORTED_EXTENSIONS } from "../ecg/read.js";
import { type Ecg, durationSeconds, sampleCount } from "../ecg/record.js";
import { parseWfdbHeader } from "../ecg/wfdb/header.js";
import { checkPlainName, printableName } from "./names.js";
import { unzipBounded } from "./zip.js";

/** What the API returns about a stored ECG. */
export interface EcgMeta {
  id: string;
  name: string;
  format: string;
  fs: number;
  leads: string[];
  units: string[];
  samples: number;
  durationSeconds: number;
  startTime: string | null;
  annotationCount: number;
  /** The stored files' names (inside the ECG's own folder). */
  files: string[];
  /** Size of the stored files in bytes. */
  bytes: number;
  createdAt: string;
}

/** Stored with the files: the meta plus what re-reading needs. */
interface StoredMeta extends EcgMeta {
  mainFile: string;
  readOptions: { fs?: number };
}

export interface StoreLimits {
  /** Longest record accepted, in seconds. */
  maxDurationSeconds: number;
  /** Bytes a zip may expand to. */
  maxUnzippedBytes: number;
  /** Samples (all leads) kept parsed in memory; older records are re-read from disk. */
  memorySamples: number;
}

/** An uploaded file before it is checked. */
export interface UploadedFile {
  name: string;
  data: Uint8Array;
}

/** A record that is too long (the server answers 413). */
export class RecordTooLongError extends InputError {}

const ID = /^[0-9a-f]{32}$/;
const MAX_FILES_PER_RECORD = 16;

export class EcgStore {
  private readonly metas = new Map<string, StoredMeta>();
  /** Parsed records in least-recently-used order (Map keeps insertion order). */
  private readonly parsed = new Map<string, Ecg>();
  private parsedSamples = 0;

  constructor(
    readonly dir: string,
    readonly limits: StoreLimits,
  ) {}

  /** Creates the data folder and lists the ECGs already in it (they survive restarts). */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const id of await readdir(this.dir)) {
      if (!ID.test(id)) continue;
      const meta = await readFile(join(this.dir, id, "meta.json"), "utf8").catch(() => undefined);
      if (meta) this.metas.set(id, JSON.parse(meta) as StoredMeta);
    }
  }

  list(): EcgMeta[] {
    return [...this.metas.values()].map(publicMeta);
  }

  get(id: string): EcgMeta | undefined {
    const m = ID.test(id) ? this.metas.get(id) : undefined;
    return m && publicMeta(m);
  }

  /**
   * Stores one record from its uploaded files (one file, a WFDB header with its signal and
   * annotation files, or one zip of those), reads it to check it, and returns its meta.
   * Bad input throws InputError (nothing is kept).
   */
  async add(files: UploadedFile[], readOptions: { fs?: number } = {}): Promise<EcgMeta> {
    const expanded = this.expand(files);
    const id = randomBytes(16).toString("hex");
    const folder = join(this.dir, id);
    await mkdir(folder);
    try {
      for (const f of expanded) await writeFile(join(folder, f.name), f.data, { flag: "wx" });
      const mainFile = pickMainFile(expanded);
      const ecg = await readEcg(join(folder, mainFile), { ...readOptions });
      const seconds = durationSeconds(ecg);
      if (!(seconds > 0)) throw new InputError(mainFile, "the record holds no samples");
      if (seconds > this.limits.maxDurationSeconds) {
        throw new RecordTooLongError(
          mainFile,
          `the record lasts ${formatHours(seconds)}, longer than this server's limit of ${formatHours(this.limits.maxDurationSeconds)}`,
        );
      }
      const meta: StoredMeta = {
        id,
        name: ecg.name,
        format: ecg.source.format,
        fs: ecg.fs,
        leads: ecg.leads,
        units: ecg.units,
        samples: sampleCount(ecg),
        durationSeconds: seconds,
        startTime: ecg.startTime ?? null,
        annotationCount: ecg.annotations.length,
        files: expanded.map((f) => f.name),
        bytes: expanded.reduce((n, f) => n + f.data.length, 0),
        createdAt: new Date().toISOString(),
        mainFile,
        readOptions,
      };
      await writeFile(join(folder, "meta.json"), JSON.stringify(meta));
      this.metas.set(id, meta);
      this.remember(id, ecg);
      return publicMeta(meta);
    } catch (err) {
      await rm(folder, { recursive: true, force: true });
      throw err;
    }
  }

  /** The parsed record (from memory, or re-read from its folder). */
  async load(id: string): Promise<Ecg | undefined> {
    const meta = ID.test(id) ? this.metas.get(id) : undefined;
    if (!meta) return undefined;
    const hit = this.parsed.get(id);
    if (hit) {
      this.parsed.delete(id);
      this.parsed.set(id, hit);
      return hit;
    }
    const ecg = await readEcg(join(this.dir, id, meta.mainFile), meta.readOptions);
    this.remember(id, ecg);
    return ecg;
  }

  async delete(id: string): Promise<boolean> {
    if (!ID.test(id) || !this.metas.has(id)) return false;
    this.metas.delete(id);
    this.forget(id);
    await rm(join(this.dir, id), { recursive: true, force: true });
    return true;
  }

  private remember(id: string, ecg: Ecg): void {
    this.forget(id);
    this.parsed.set(id, ecg);
    this.parsedSamples += sampleCount(ecg) * ecg.leads.length;
    for (const [old, e] of this.parsed) {
      if (this.parsedSamples <= this.limits.memorySamples || old === id) break;
      this.forget(old);
      void e;
    }
  }

  private forget(id: string): void {
    const e = this.parsed.get(id);
    if (!e) return;
    this.parsed.delete(id);
    this.parsedSamples -= sampleCount(e) * e.leads.length;
  }

  /** Checks names, unpacks a zip, and refuses WFDB headers that point outside the folder. */
  private expand(files: UploadedFile[]): UploadedFile[] {
    if (files.length === 0) throw new InputError("upload", "no file in the request");
    for (const f of files) checkPlainName(f.name);
    const zips = files.filter((f) => extname(f.name).toLowerCase() === ".zip");
    let out = files;
    if (zips.length) {
      if (files.length > 1)
        throw new InputError(zips[0]!.name, "upload a zip on its own, one record per zip");
      out = unzipBounded(zips[0]!.name, zips[0]!.data, {
        maxBytes: this.limits.maxUnzippedBytes,
        maxEntries: MAX_FILES_PER_RECORD,
      }).map((e) => ({ name: checkPlainName(e.name), data: e.data }));
    }
    if (out.length > MAX_FILES_PER_RECORD) {
      throw new InputError("upload", `more than ${MAX_FILES_PER_RECORD} files for one record`);
    }
    const seen = new Set<string>();
    for (const f of out) {
      if (seen.has(f.name.toLowerCase())) throw new InputError(f.name, "uploaded twice");
      seen.add(f.name.toLowerCase());
      if (f.data.length === 0) throw new InputError(f.name, "file is empty");
      if (extname(f.name).toLowerCase() === ".hea") checkHeaderReferences(f);
    }
    return out;
  }
}

function publicMeta(m: StoredMeta): EcgMeta {
  const { mainFile: _m, readOptions: _r, ...rest } = m;
  return rest;
}

function formatHours(s: number): string {
  return s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${s.toFixed(0)} s`;
}

/** A WFDB header names its signal files and segments: each must be a plain name in the folder. */
function checkHeaderReferences(f: UploadedFile): void {
  const text = Buffer.from(f.data).toString("latin1");
  const header = parseWfdbHeader(text, f.name);
  const names = [
    ...header.signals.map((s) => s.file),
    ...(header.segments ?? []).map((s) => `${s.name}.hea`),
  ];
  for (const n of names) {
    if (n === "~" || n === "~.hea") continue;
    try {
      checkPlainName(n);
    } catch {
      throw new InputError(f.name, `refers to the file ${printableName(n)}, which is not a plain file name`);
    }
  }
}

/** The file `readEcg` should open: the (master) WFDB header, or the one ECG file. */
function pickMainFile(files: UploadedFile[]): string {
  const ext = (f: UploadedFile): string => extname(f.name).toLowerCase();
  const headers = files.filter((f) => ext(f) === ".hea");
  if (headers.length === 1) return headers[0]!.name;
  if (headers.length > 1) {
    // A multi-segment record: the one header that lists segments is the record.
    const masters = headers.filter(
      (h) => (parseWfdbHeader(Buffer.from(h.data).toString("latin1"), h.name).segments?.length ?? 0) > 0,
    );
    if (masters.length === 1) return masters[0]!.name;
    throw new InputError(
      "upload",
      `several WFDB headers (${headers.map((h) => h.name).join(", ")}): upload one record at a time`,
    );
  }
  const wfdbData = files.find((f) => [".dat", ".mat", ".atr"].includes(ext(f)));
  if (wfdbData) throw new InputError(wfdbData.name, `needs its WFDB header (.hea) in the same upload`);
  const ecgFiles = files.filter((f) => SUPPORTED_EXTENSIONS.includes(ext(f)));
  if (ecgFiles.length === 1) return ecgFiles[0]!.name;
  if (ecgFiles.length > 1) throw new InputError("upload", "several ECG files: upload one record at a time");
  throw new InputError(
    files[0]!.name,
    `unknown ECG file type (supported: ${SUPPORTED_EXTENSIONS.join(" ")}, or a .zip of a record)`,
  );
}
