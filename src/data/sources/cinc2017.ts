/**
 * PhysioNet/CinC Challenge 2017: single-lead 300 Hz recordings (9-61 s) from a handheld device,
 * one label each in `REFERENCE.csv`: N normal, A AF, O other rhythm, ~ noisy.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError, readInputText } from "../../errors.js";
import { parseCsvRows } from "../csv.js";
import type { Split } from "../example.js";
import { cinc2017Split } from "../splits.js";
import { readRecordInfo } from "../records.js";
import type { AnnotatedRecord } from "./mitdb.js";

export const CINC2017_LABELS: Readonly<Record<string, string>> = {
  N: "Normal sinus rhythm",
  A: "Atrial fibrillation",
  O: "Other rhythm",
  "~": "Noisy recording",
};

export interface Cinc2017Record {
  /** "cinc2017/A00001". */
  path: string;
  name: string;
  label: string;
  split: Split;
  patient: string;
  /** The device records one lead, placed like lead I. */
  leads: string[];
}

/** Loads the labelled records that have a header (sorted by name). */
export async function loadCinc2017(dataDir: string): Promise<Cinc2017Record[]> {
  const file = join(dataDir, "cinc2017", "REFERENCE.csv");
  const text = await readInputText(file);
  const present = new Set((await readdir(join(dataDir, "cinc2017"))).filter((f) => f.endsWith(".hea")));
  const out: Cinc2017Record[] = [];
  for (const row of parseCsvRows(text, file)) {
    const [name, code] = row;
    if (!name || code === undefined) continue;
    if (!(code in CINC2017_LABELS)) throw new InputError(file, `unknown label "${code}" for ${name}`);
    if (!present.has(`${name}.hea`)) continue;
    out.push({
      path: `cinc2017/${name}`,
      name,
      label: code,
      split: cinc2017Split(name),
      patient: `cinc2017:${name}`,
      leads: ["I"],
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The classes a head can learn from the labels besides AF (which is "Atrial fibrillation"):
 * normal, other rhythm, noisy. Why: with AF alone the head says nothing about "other rhythm",
 * and the reports confused it with both AF and normal (fifth pass: 33 of 137 "other" reports
 * called AF, 72 normal).
 */
export const CINC2017_CLASS_NAMES: Readonly<Record<string, string>> = {
  N: "Normal sinus rhythm",
  O: "Other rhythm",
  "~": "Noisy recording",
};

/** The episode code of a CinC 2017 class ("cinc2017:O"). */
export function cinc2017ClassCode(label: string): string {
  return `cinc2017:${label}`;
}

/**
 * The labelled records as annotated records for the labels stage: an AF recording is one
 * atrial fibrillation episode from start to end, a normal, other or noisy one one episode of its
 * class (`cinc2017ClassCode`). What a label says: A is AF and not flutter; N is neither; O
 * ("other rhythm", flutter among them) is not AF; a noisy recording (~) says nothing about AF.
 * Those rhythm codes and the classes are `complete`; beats are unknown.
 */
export async function loadCinc2017Rhythms(dataDir: string): Promise<AnnotatedRecord[]> {
  const af: Record<string, readonly string[]> = {
    A: ["(AFIB", "(AFL"],
    N: ["(AFIB", "(AFL"],
    O: ["(AFIB"],
    "~": [],
  };
  const classes = Object.keys(CINC2017_CLASS_NAMES).map(cinc2017ClassCode);
  const out: AnnotatedRecord[] = [];
  for (const r of await loadCinc2017(dataDir)) {
    // the header names its one channel "ECG"; the device's lead is read as lead I (as the dataset does)
    const info = { ...(await readRecordInfo(dataDir, r.path)), leads: r.leads };
    const rhythm = r.label === "A" ? "(AFIB" : cinc2017ClassCode(r.label);
    const episodes = [{ rhythm, start: 0, end: info.length }];
    out.push({ info, annotations: [], episodes, split: r.split, patient: r.patient, complete: [...af[r.label]!, ...classes] }); // prettier-ignore
  }
  return out;
}
