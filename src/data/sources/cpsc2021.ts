/**
 * CPSC 2021 (paroxysmal AF challenge) sample: two-lead 200 Hz Holter excerpts of 6 patients with
 * beat and rhythm annotations; AF episodes are "(AFIB" ... "(N", flutter "(AFL".
 */
import type { OnRecord } from "../records.js";
import { cpsc2021Patient, cpsc2021Split } from "../splits.js";
import { type AnnotatedRecord, loadAnnotatedRecords } from "./mitdb.js";

/** Loads every record of `<dataDir>/cpsc2021`, sorted by name. */
export function loadCpsc2021(dataDir: string, onRecord?: OnRecord): Promise<AnnotatedRecord[]> {
  const side = (name: string) => ({
    split: cpsc2021Split(name),
    patient: `cpsc2021:${cpsc2021Patient(name)}`,
  });
  return loadAnnotatedRecords(dataDir, "cpsc2021", side, onRecord);
}
