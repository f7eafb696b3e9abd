/**
 * LUDB: 200 12-lead 10-s records (160 here) with per-lead wave delineation and diagnoses in the
 * header comments.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Split } from "../example.js";
import { waveSpans, type SampleWindow } from "../intervals.js";
import { type OnRecord, readAnnotations, readRecordInfo, type RecordInfo } from "../records.js";
import { ludbSplit } from "../splits.js";

/** Wave names for the delineation symbols. */
export const WAVE_NAMES: Readonly<Record<string, string>> = { p: "P wave", N: "QRS complex", t: "T wave" };

/**
 * The delineation used for answers: lead II's (LUDB's annotators delineated each lead; onsets
 * differ by a few milliseconds between leads, and lead II shows P waves best).
 */
export const LUDB_ANSWER_LEAD = "ii";

export interface LudbRecord {
  info: RecordInfo;
  split: Split;
  patient: string;
  diagnoses: string[];
  /** Waves per name ("P wave" ...), in samples. */
  waves: Record<string, SampleWindow[]>;
  /**
   * The annotated part of the record (first to last delineation mark): annotators left the first
   * and last second or so unmarked, so windows must stay inside it for answers to be complete.
   */
  annotated: SampleWindow;
}

/**
 * Diagnoses from the header lines after "<diagnoses>:", as report statements: "Rhythm: Sinus
 * rhythm." -> "Sinus rhythm"; commas inside a statement become semicolons so that ", " only
 * separates statements.
 */
export function ludbDiagnoses(comments: readonly string[]): string[] {
  const start = comments.findIndex((c) => c.trim().startsWith("<diagnoses>"));
  if (start < 0) return [];
  return comments
    .slice(start + 1)
    .map((c) =>
      c
        .trim()
        .replace(/[.\s]+$/, "")
        .replace(/^Rhythm:\s*/, "")
        .replace(/^Electric axis of the heart:\s*/, "Electric axis: ")
        .replace(/,\s*/g, "; "),
    )
    .filter((c) => c.length > 0)
    .map((c) => c[0]!.toUpperCase() + c.slice(1));
}

/** Loads every record of `<dataDir>/ludb/data`, sorted by number. */
export async function loadLudb(dataDir: string, onRecord?: OnRecord): Promise<LudbRecord[]> {
  const ids = (await readdir(join(dataDir, "ludb", "data")))
    .filter((f) => f.endsWith(".hea"))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const out: LudbRecord[] = [];
  for (const [k, id] of ids.entries()) {
    onRecord?.(k, ids.length);
    const path = `ludb/data/${id}`;
    const info = await readRecordInfo(dataDir, path);
    const anns = await readAnnotations(dataDir, path, LUDB_ANSWER_LEAD);
    const waves: Record<string, SampleWindow[]> = {};
    for (const [sym, name] of Object.entries(WAVE_NAMES)) waves[name] = waveSpans(anns, sym);
    const annotated = anns.length
      ? { start: anns[0]!.sample, end: anns[anns.length - 1]!.sample + 1 }
      : { start: 0, end: 0 };
    out.push({
      info,
      split: ludbSplit(id),
      patient: `ludb:${id}`,
      diagnoses: ludbDiagnoses(info.comments),
      waves,
      annotated,
    });
  }
  return out;
}
