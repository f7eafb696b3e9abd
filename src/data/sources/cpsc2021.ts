/**
 * CPSC 2021 (paroxysmal AF challenge) sample: two-lead 200 Hz Holter excerpts of 6 patients with
 * beat and rhythm annotations; AF episodes are "(AFIB" ... "(N", flutter "(AFL".
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { rhythmEpisodes } from "../intervals.js";
import { type OnRecord, readAnnotations, readRecordInfo } from "../records.js";
import { cpsc2021Patient, cpsc2021Split } from "../splits.js";
import type { AnnotatedRecord } from "./mitdb.js";

/** Loads every record of `<dataDir>/cpsc2021`, sorted by name. */
export async function loadCpsc2021(dataDir: string, onRecord?: OnRecord): Promise<AnnotatedRecord[]> {
  const names = (await readdir(join(dataDir, "cpsc2021")))
    .filter((f) => f.endsWith(".atr"))
    .map((f) => f.slice(0, -4))
    .sort();
  const out: AnnotatedRecord[] = [];
  for (const [k, name] of names.entries()) {
    onRecord?.(k, names.length);
    const path = `cpsc2021/${name}`;
    const info = await readRecordInfo(dataDir, path);
    const annotations = await readAnnotations(dataDir, path, "atr");
    const episodes = rhythmEpisodes(annotations, info.length);
    out.push({
      info,
      annotations,
      episodes,
      split: cpsc2021Split(name),
      patient: `cpsc2021:${cpsc2021Patient(name)}`,
    });
  }
  return out;
}
