/**
 * Patient-level splits: every record, and every window cut from it, belongs to one side only,
 * and so does every patient. Splits do not depend on the seed (a model trained with one seed can
 * be evaluated on a dataset built with another).
 */
import { hashString } from "./rng.js";
import type { Split } from "./example.js";

/**
 * MIT-BIH records held out for validation. All 26 records here are DS1 (plus the paced records),
 * so the held-out set is chosen to cover every beat-level finding while leaving some in training:
 * - 109: left bundle branch block beats (L, 2492; training keeps L from 207)
 * - 124: right bundle branch block beats (R, 1531) and junctional beats (training keeps R from 118, 207)
 * - 119: premature ventricular contractions in bigeminy and trigeminy episodes (V, 444)
 * - 220: atrial premature beats (A, 94) and SVTA episodes
 * - 201: atrial fibrillation episodes, aberrated APCs (a) and V beats (training keeps AF from 203, 217)
 */
export const MITDB_VALID_RECORDS: readonly string[] = ["109", "119", "124", "201", "220"];

/**
 * CPSC 2021 patients held out (the `data_<patient>_<n>` names): 92 has paroxysmal AF, 35 none;
 * training keeps paroxysmal (101), persistent (8, 84) and non-AF (21) patients.
 */
export const CPSC2021_VALID_PATIENTS: readonly string[] = ["92", "35"];

/** PTB-XL's recommended validation fold (fold 10, the test fold, is not in the shared data). */
export const PTBXL_VALID_FOLD = 9;

/** Deterministic share of ids in validation, by a stable hash of the id (seed-independent). */
export function hashSplit(namespace: string, id: string, validShare: number): Split {
  return hashString(`${namespace}:${id}`) / 4294967296 < validShare ? "valid" : "train";
}

export function mitdbSplit(record: string): Split {
  return MITDB_VALID_RECORDS.includes(record) ? "valid" : "train";
}

/** CPSC 2021 record names are `data_<patient>_<n>`. */
export function cpsc2021Patient(record: string): string {
  const m = /^data_(\d+)_\d+$/.exec(record);
  return m ? m[1]! : record;
}

export function cpsc2021Split(record: string): Split {
  return CPSC2021_VALID_PATIENTS.includes(cpsc2021Patient(record)) ? "valid" : "train";
}

/** PTB-XL by patient: a patient's ECGs share the fold (PTB-XL's folds are patient-stratified). */
export function ptbxlSplit(fold: number): Split {
  return fold === PTBXL_VALID_FOLD ? "valid" : "train";
}

/** LUDB: one record per patient; ~15 % of record ids in validation. */
export function ludbSplit(record: string): Split {
  return hashSplit("ludb", record, 0.15);
}

/** CinC 2017: single-patient recordings; ~15 % in validation. */
export function cinc2017Split(record: string): Split {
  return hashSplit("cinc2017", record, 0.15);
}

/** CinC 2021 samples: one record per patient; ~20 % in validation (50 records only). */
export function cinc2021Split(record: string): Split {
  return hashSplit("cinc2021", record, 0.2);
}
