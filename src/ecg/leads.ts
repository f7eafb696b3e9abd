/**
 * Lead names: what files call their channels, mapped onto the 12 standard leads the model uses
 * (I, II, III, aVR, aVL, aVF, V1-V6, in that order).
 *
 * Two levels:
 * - `normalizeLeadName` only renames a channel that *is* a standard lead under another spelling
 *   ("MLII", "D2", "EKG Lead II", "avr", "v1"); anything else comes back unchanged.
 * - `nearestStandardLead` also places channels that are close to a standard lead without being
 *   one (Holter bipolar chest leads such as CM5, "modified V1", EASI channels), so a model
 *   trained on the 12 standard leads can use them. It is an approximation by design.
 */
import type { Ecg } from "./record.js";
import { sampleCount } from "./record.js";

export const STANDARD_LEADS = [
  "I",
  "II",
  "III",
  "aVR",
  "aVL",
  "aVF",
  "V1",
  "V2",
  "V3",
  "V4",
  "V5",
  "V6",
] as const;
export type StandardLead = (typeof STANDARD_LEADS)[number];

const LIMB: Record<string, StandardLead> = {
  I: "I",
  II: "II",
  III: "III",
  "1": "I",
  "2": "II",
  "3": "III",
  AVR: "aVR",
  AVL: "aVL",
  AVF: "aVF",
};

/** Words that only say "this channel is an ECG lead": "ECG II", "EKG Lead II", "Lead V1", "Ableitung I". */
const PREFIX = /^(?:(?:ECG|EKG)\s*)?(?:(?:LEAD|ABLEITUNG|DERIVATION|DERIV)\b\.?\s*)?/;

/**
 * The standard name for a channel that is one of the 12 standard leads, else `name` unchanged
 * (trimmed input is not required; the original string is returned for unknown names).
 *
 * Recognised: I/II/III in any case, with "ECG"/"EKG"/"Lead" prefixes and separators
 * ("ECG II", "EKG Lead II", "ECG_II", "Lead 2"); the MIT-BIH/European ST-T modified limb leads
 * MLI/MLII/MLIII/ML1/ML2/ML3 (Mason-Likar placement: electrodes on the torso, same lead
 * vectors); the Italian/French/German D1/D2/D3 and DI/DII/DIII; aVR/aVL/aVF in any case
 * ("AVR", "avr", "ECG aVR"); V1-V6 in any case ("v1", "Lead V1", "ECG V1", "C1"-"C6", the
 * IEC name for the precordial leads).
 * A bare "ECG" or "ECG1" is the single channel of a handheld recorder (CinC 2017's AliveCor
 * device is held between both hands), which records lead I, so it maps to "I".
 * Inverted leads such as "-aVR" are a different signal and stay unchanged.
 */
export function normalizeLeadName(name: string): string {
  const std = standardOf(name);
  return std ?? name;
}

function standardOf(name: string): StandardLead | null {
  let s = name.trim().toUpperCase();
  if (s.startsWith("-")) return null;
  if (s === "ECG" || s === "ECG1" || s === "EKG" || s === "EKG1") return "I";
  s = s.replace(/[_:\-./]+/g, " ").trim();
  s = s.replace(PREFIX, "").replace(/\s+/g, "");
  if (s.length === 0) return null;
  // Lead numbers after "Lead" ("Lead 2") are leads; a bare digit (a channel number) is not.
  if (/^[123]$/.test(s) && !/LEAD|ABLEITUNG|DERIV/.test(name.toUpperCase())) return null;
  const limb = LIMB[s];
  if (limb) return limb;
  const ml = /^(?:ML|D)(I{1,3}|[123])$/.exec(s);
  if (ml) return LIMB[ml[1]!] ?? null;
  const chest = /^[VC]([1-6])$/.exec(s);
  if (chest) return `V${chest[1]}` as StandardLead;
  return null;
}

/** Index in `STANDARD_LEADS` of the lead `name` is (after `normalizeLeadName`), else -1. */
export function standardLeadIndex(name: string): number {
  const std = standardOf(name);
  return std ? STANDARD_LEADS.indexOf(std) : -1;
}

/**
 * The standard lead a channel is (`normalizeLeadName`) or best approximates, or null when no
 * placement is close enough to stand in for a standard lead.
 *
 * Approximations (all bipolar Holter or reduced-set leads whose positive electrode sits at a
 * precordial position, so their waveform resembles that chest lead):
 * - CM1-CM6, CS1-CS6, CC5, CR1-CR6, MV1-MV6, "modified V1", "MCL1" (modified chest lead,
 *   the classic monitoring stand-in for V1), "V1'", "V5 mod" -> V1-V6.
 * - EASI channels: "ES" (vertical, sternum) -> aVF, "AS" (anterior, apex-to-sternum) -> V2,
 *   "AI" (anterior-inferior) -> II. These are rough; the derived 12 leads are better when a
 *   device provides them.
 * - Nehb leads: "D" (dorsal) -> V6, "A" (anterior) -> V4, "J" (inferior) -> V2.
 */
export function nearestStandardLead(name: string): StandardLead | null {
  const std = standardOf(name);
  if (std) return std;
  const s = name
    .trim()
    .toUpperCase()
    .replace(/^(?:ECG|EKG)\b\s*/, "")
    .replace(/[_:\-./']+/g, " ")
    .trim();
  const compact = s.replace(/\s+/g, "");
  const holter = /^(?:CM|CS|CC|CR|MV|MCL|MODIFIEDV|MODV|V)([1-6])(?:MOD(?:IFIED)?)?$/.exec(compact);
  if (holter) return `V${holter[1]}` as StandardLead;
  const easi: Record<string, StandardLead> = { ES: "aVF", AS: "V2", AI: "II" };
  if (easi[compact]) return easi[compact]!;
  const nehb: Record<string, StandardLead> = { NEHBD: "V6", NEHBA: "V4", NEHBJ: "V2" };
  if (nehb[compact]) return nehb[compact]!;
  return null;
}

/** 1 for each standard lead present in `leads` (exact names after normalisation), in standard order. */
export function leadMask(leads: readonly string[]): Uint8Array {
  const mask = new Uint8Array(STANDARD_LEADS.length);
  for (const l of leads) {
    const i = standardLeadIndex(l);
    if (i >= 0) mask[i] = 1;
  }
  return mask;
}

export interface Standard12 {
  /** 12 arrays in `STANDARD_LEADS` order, each as long as the record; zeros where absent. */
  signals: Float32Array[];
  /** 1 where the lead came from the record, 0 where it is zero filling. */
  mask: Uint8Array;
  /** For each standard lead, the index of the record's channel used, or -1. */
  source: Int32Array;
}

export interface Standard12Options {
  /** Also place non-standard channels by `nearestStandardLead` (default true). */
  nearest?: boolean;
}

/**
 * The record as the 12 standard leads. Exact matches win over approximations; when two
 * channels claim the same lead, the first one in the record wins. Arrays of present leads are
 * the record's own arrays (not copies): do not modify them in place.
 */
export function toStandard12(ecg: Ecg, opts: Standard12Options = {}): Standard12 {
  const n = sampleCount(ecg);
  const source = new Int32Array(STANDARD_LEADS.length).fill(-1);
  ecg.leads.forEach((l, ch) => {
    const i = standardLeadIndex(l);
    if (i >= 0 && source[i] === -1) source[i] = ch;
  });
  if (opts.nearest ?? true) {
    ecg.leads.forEach((l, ch) => {
      if (standardLeadIndex(l) >= 0 || source.includes(ch)) return;
      const near = nearestStandardLead(l);
      const i = near ? STANDARD_LEADS.indexOf(near) : -1;
      if (i >= 0 && source[i] === -1) source[i] = ch;
    });
  }
  const mask = new Uint8Array(STANDARD_LEADS.length);
  const signals = STANDARD_LEADS.map((_, i) => {
    const ch = source[i]!;
    if (ch < 0) return new Float32Array(n);
    mask[i] = 1;
    return ecg.signals[ch]!;
  });
  return { signals, mask, source };
}
