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
 * The AF-labelled records as annotated records for the labels stage: an AF recording is one
 * atrial fibrillation episode from start to end, the others have none. What a label says: A is
 * AF and not flutter; N is neither; O ("other rhythm", flutter among them) is not AF. Noisy
 * recordings (~) are left out. Only those rhythm codes are `complete`; beats are unknown.
 */
export async function loadCinc2017Rhythms(dataDir: string): Promise<AnnotatedRecord[]> {
  const known: Record<string, readonly string[]> = {
    A: ["(AFIB", "(AFL"],
    N: ["(AFIB", "(AFL"],
    O: ["(AFIB"],
  };
  const out: AnnotatedRecord[] = [];
  for (const r of await loadCinc2017(dataDir)) {
    const complete = known[r.label];
    if (!complete) continue;
    // the header names its one channel "ECG"; the device's lead is read as lead I (as the dataset does)
    const info = { ...(await readRecordInfo(dataDir, r.path)), leads: r.leads };
    const episodes = r.label === "A" ? [{ rhythm: "(AFIB", start: 0, end: info.length }] : [];
    out.push({ info, annotations: [], episodes, split: r.split, patient: r.patient, complete });
  }
  return out;
}
