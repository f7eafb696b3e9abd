/**
 * MIT-BIH Arrhythmia Database: 30-min two-lead records with reference beat and rhythm
 * annotations (`.atr`).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { EcgAnnotation } from "../../ecg/record.js";
import type { Split } from "../example.js";
import { rhythmEpisodes, type RhythmEpisode } from "../intervals.js";
import { type OnRecord, readAnnotations, readRecordInfo, type RecordInfo } from "../records.js";
import { mitdbSplit } from "../splits.js";

export interface AnnotatedRecord {
  info: RecordInfo;
  annotations: EcgAnnotation[];
  episodes: RhythmEpisode[];
  split: Split;
  /** Patient (or record, for single-patient databases) id used for splitting. */
  patient: string;
  /**
   * Codes of the findings whose annotation is complete in this record (default: every beat type
   * and rhythm). A record labelled as a whole (CinC 2017: AF or not; PTB-XL: its diagnostic
   * classes) says nothing about its beats.
   */
  complete?: readonly string[];
}

/** A record's reference annotations: what a finding's answer intervals are computed from. */
export type RecordAnnotations = Pick<AnnotatedRecord, "info" | "annotations" | "episodes">;

/** Reads one record's header, `.atr` reference annotations and the rhythm episodes they mark. */
export async function readRecordAnnotations(dataDir: string, path: string): Promise<RecordAnnotations> {
  const info = await readRecordInfo(dataDir, path);
  const annotations = await readAnnotations(dataDir, path, "atr");
  return { info, annotations, episodes: rhythmEpisodes(annotations, info.length) };
}

/** Beat-level findings asked about, with the paper's names where it has them. */
export const BEAT_NAMES: Readonly<Record<string, string>> = {
  V: "Premature ventricular contraction",
  A: "Atrial premature beat",
  L: "Left bundle branch block beat",
  R: "Right bundle branch block beat",
  F: "Fusion of ventricular and normal beat",
  "/": "Paced beat",
  f: "Fusion of paced and normal beat",
  a: "Aberrated atrial premature beat",
  J: "Nodal (junctional) premature beat",
  E: "Ventricular escape beat",
  j: "Nodal (junctional) escape beat",
  e: "Atrial escape beat",
  S: "Supraventricular premature beat",
  "!": "Ventricular flutter wave",
};

/** Rhythm episodes asked about (WFDB aux strings); "(N" sinus rhythm is the background. */
export const RHYTHM_NAMES: Readonly<Record<string, string>> = {
  "(AFIB": "Atrial fibrillation",
  "(AFL": "Atrial flutter",
  "(B": "Ventricular bigeminy",
  "(T": "Ventricular trigeminy",
  "(VT": "Ventricular tachycardia",
  "(SVTA": "Supraventricular tachyarrhythmia",
  "(IVR": "Idioventricular rhythm",
  "(NOD": "Nodal (A-V junctional) rhythm",
  "(VFL": "Ventricular flutter",
  "(P": "Paced rhythm",
  "(PREX": "Pre-excitation (WPW)",
  "(AB": "Atrial bigeminy",
  "(BII": "2 degree heart block",
  "(SBR": "Sinus bradycardia",
};

/**
 * Loads every annotated record (`.atr`) of `<dataDir>/<folder>`, sorted by name, with its rhythm
 * episodes and its side of the split. Shared by the databases annotated like MIT-BIH.
 */
export async function loadAnnotatedRecords(
  dataDir: string,
  folder: string,
  side: (name: string) => { split: Split; patient: string },
  onRecord?: OnRecord,
): Promise<AnnotatedRecord[]> {
  const names = (await readdir(join(dataDir, folder)))
    .filter((f) => f.endsWith(".atr"))
    .map((f) => f.slice(0, -4))
    .sort();
  const out: AnnotatedRecord[] = [];
  for (const [k, name] of names.entries()) {
    onRecord?.(k, names.length);
    out.push({ ...(await readRecordAnnotations(dataDir, `${folder}/${name}`)), ...side(name) });
  }
  return out;
}

/** Loads every record of `<dataDir>/mitdb` (sorted by name). */
export function loadMitdb(dataDir: string, onRecord?: OnRecord): Promise<AnnotatedRecord[]> {
  return loadAnnotatedRecords(
    dataDir,
    "mitdb",
    (name) => ({ split: mitdbSplit(name), patient: `mitdb:${name}` }),
    onRecord,
  );
}
