/**
 * Finding names of localization examples. Our files and most of the paper's give the name
 * ("Premature ventricular contraction"); some of the paper's give the WFDB code ("V", "A"), while
 * their answers still use the name ("No Atrial premature beat Found").
 */
import { BEAT_NAMES, RHYTHM_NAMES } from "../../data/sources/mitdb.js";

const CODE_NAMES: Readonly<Record<string, string>> = {
  ...BEAT_NAMES,
  ...RHYTHM_NAMES,
  AFIB: "Atrial fibrillation",
};

/** The finding's name: the name given, or the name of a WFDB beat code or rhythm string. */
export function findingName(abnormalType: string): string {
  return CODE_NAMES[abnormalType.trim()] ?? abnormalType;
}
