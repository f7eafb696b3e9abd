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
