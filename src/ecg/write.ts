/**
 * One entry point for writing an Ecg: `writeEcg(ecg, outPath, opts)`, the format chosen by the
 * extension: `.hea`/`.dat` (or no extension) -> WFDB format 16 or 212 (with annotation files),
 * `.csv`/`.txt` -> CSV, `.json` -> anyecg JSON. Existing files are never replaced unless
 * `overwrite: true`; the check happens before anything is written, for every file of the record.
 */
import { stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { Ecg } from "./record.js";
import { InputError } from "../errors.js";
import { writeCsv } from "./csv.js";
import { writeJson } from "./json.js";
import { writeWfdbRecord } from "./wfdb/index.js";

export interface WriteOptions {
  /** Replace existing files (default false). */
  overwrite?: boolean;
  /** WFDB signal format (default 16). */
  format?: 16 | 212;
  /** CSV: write a time column (default true). */
  time?: boolean;
}

/** The extensions `writeEcg` understands. */
export const WRITABLE_EXTENSIONS: readonly string[] = [".hea", ".dat", ".csv", ".txt", ".json"];

async function refuseExisting(paths: string[]): Promise<void> {
  for (const p of paths) {
    if (await stat(p).catch(() => undefined)) {
      throw new InputError(basename(p), "file exists (pass overwrite: true to replace it)");
    }
  }
}

/** Writes `ecg` to `outPath`; returns the paths written. */
export async function writeEcg(ecg: Ecg, outPath: string, opts: WriteOptions = {}): Promise<string[]> {
  const ext = extname(outPath).toLowerCase();
  const overwrite = opts.overwrite ?? false;
  if (ext === ".hea" || ext === ".dat" || ext === "") {
    const base = ext ? outPath.slice(0, -ext.length) : outPath;
    if (!overwrite) await refuseExisting([`${base}.hea`, `${base}.dat`]);
    return writeWfdbRecord(ecg, base, { format: opts.format ?? 16, overwrite });
  }
  if (ext === ".csv" || ext === ".txt") {
    if (!overwrite) await refuseExisting([outPath]);
    await writeCsv(ecg, outPath, { overwrite, time: opts.time });
    return [outPath];
  }
  if (ext === ".json") {
    if (!overwrite) await refuseExisting([outPath]);
    await writeJson(ecg, outPath, { overwrite });
    return [outPath];
  }
  throw new InputError(
    basename(outPath),
    `cannot write "${ext}" files (supported: ${WRITABLE_EXTENSIONS.join(" ")})`,
  );
}
