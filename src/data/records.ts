/**
 * What the builder needs from a WFDB record without reading its samples: rate, length, lead
 * names and header comments, plus annotation files. Reading only headers and annotations keeps
 * the full build to seconds (CinC 2017 alone is 3000 records).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { normalizeLeadName } from "../ecg/leads.js";
import type { EcgAnnotation } from "../ecg/record.js";
import { parseWfdbHeader } from "../ecg/wfdb/header.js";
import { readWfdbAnnotations } from "../ecg/wfdb/annotations.js";

export interface RecordInfo {
  /** Record path relative to the data folder, without extension ("mitdb/101"). */
  path: string;
  name: string;
  fs: number;
  /** Samples per lead. */
  length: number;
  /** Lead names, normalised to standard names where they are standard leads ("MLII" -> "II"). */
  leads: string[];
  /** Header comment lines without the leading "#". */
  comments: string[];
}

/** Reads `<dataDir>/<path>.hea`. */
export async function readRecordInfo(dataDir: string, path: string): Promise<RecordInfo> {
  const file = join(dataDir, `${path}.hea`);
  let text: string;
  try {
    text = await readFile(file, "latin1");
  } catch (e) {
    throw new InputError(file, `cannot read header (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const h = parseWfdbHeader(text, file);
  if (h.nsamp === undefined) throw new InputError(file, "header does not give the number of samples");
  return {
    path,
    name: h.name,
    fs: h.fs,
    length: h.nsamp,
    leads: h.signals.map((s) => normalizeLeadName(s.description)),
    comments: h.comments.map((c) => c.replace(/^#\s?/, "")),
  };
}

/** Reads `<dataDir>/<path>.<ext>`, sorted by sample (stable). */
export async function readAnnotations(dataDir: string, path: string, ext: string): Promise<EcgAnnotation[]> {
  const anns = await readWfdbAnnotations(join(dataDir, `${path}.${ext}`));
  return anns
    .map((a, i) => ({ a, i }))
    .sort((x, y) => x.a.sample - y.a.sample || x.i - y.i)
    .map((x) => x.a);
}

/** Progress callback of the source loaders: called before each record with (index, total). */
export type OnRecord = (index: number, total: number) => void;
