/**
 * Unpacks an uploaded zip in memory with a hard cap on the bytes it may expand to: the sizes a
 * zip declares can lie (zip bombs), so we count what inflating actually produces and stop.
 */
import { Unzip, UnzipInflate, type UnzipFile } from "fflate";
import { InputError } from "../errors.js";
import { zipEntryBaseName } from "./names.js";

export interface ZipEntry {
  /** Base name of the entry (folders inside the zip dropped). */
  name: string;
  data: Uint8Array;
}

export interface UnzipLimits {
  /** Total bytes all entries may expand to. */
  maxBytes: number;
  /** Most entries kept. */
  maxEntries: number;
}

/** Entries a zip tool adds that are not part of the record. */
function isJunk(path: string): boolean {
  const base = zipEntryBaseName(path);
  return path.endsWith("/") || path.startsWith("__MACOSX/") || base.startsWith(".") || base === "";
}

/** Unpacks `zip` (named `file` in errors); throws InputError when it is not a usable zip. */
export function unzipBounded(file: string, zip: Uint8Array, limits: UnzipLimits): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let total = 0;
  let problem: string | undefined;
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (f: UnzipFile) => {
    if (problem || isJunk(f.name)) return;
    if (entries.length >= limits.maxEntries) {
      problem = `holds more than ${limits.maxEntries} files (upload one record)`;
      return;
    }
    const chunks: Uint8Array[] = [];
    const entry: ZipEntry = { name: zipEntryBaseName(f.name), data: new Uint8Array(0) };
    entries.push(entry);
    f.ondata = (err, chunk, final) => {
      if (problem) return;
      if (err) {
        problem = `cannot inflate ${f.name}: ${err.message}`;
        return;
      }
      total += chunk.length;
      if (total > limits.maxBytes) {
        problem = `expands to more than ${limits.maxBytes} bytes`;
        f.terminate();
        return;
      }
      chunks.push(chunk);
      if (final) entry.data = concat(chunks);
    };
    try {
      f.start();
    } catch (err) {
      problem = `cannot read entry ${f.name}: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  try {
    unzip.push(zip, true);
  } catch (err) {
    throw new InputError(
      file,
      `not a readable zip file (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (problem) throw new InputError(file, problem);
  if (entries.length === 0) throw new InputError(file, "the zip file holds no files");
  return entries;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
