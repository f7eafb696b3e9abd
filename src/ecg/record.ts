/**
 * The Ecg record: what every reader returns and everything downstream consumes.
 *
 * Signals are in physical units, one Float32Array per lead, all at one sampling rate `fs`.
 * ECG leads are converted to millivolts by the readers (a lead in V or uV is rescaled, its
 * unit reported as "mV"); channels that are not voltages keep their own unit.
 * Several ECGs and recordings of many hours are ordinary Ecg values: nothing here assumes a
 * 10-second 12-lead record.
 */
import { basename, dirname } from "node:path";
import { InputError } from "../errors.js";

/** One annotation, at the record's own sampling rate (WFDB/MIT semantics, EDF+ mapped onto it). */
export interface EcgAnnotation {
  /** Time of the annotation, in samples from the start of the record. */
  sample: number;
  /** Mnemonic code, as WFDB prints it: "N", "V", "A", "+", "~", "(", ")", "p", "t", "\"" ... */
  code: string;
  /** WFDB subtype (SUB), 0 when absent. */
  subtype: number;
  /** WFDB channel (CHN), 0 when absent. */
  channel: number;
  /** WFDB annotator number (NUM), 0 when absent. */
  num: number;
  /** Auxiliary text: rhythm strings such as "(AFIB", "(N", or EDF+ annotation text. */
  aux?: string;
  /** Duration in seconds, when the source gives one (EDF+ TAL). */
  durationSeconds?: number;
  /** Which annotation set it came from: the WFDB annotator extension ("atr", "i", "v1") or "edf". */
  source?: string;
}

/** Where the record came from. */
export interface EcgSource {
  /** Format name: "wfdb", "edf", "edf+", "csv", "json", "hl7-aecg", "mat". */
  format: string;
  /** Path the user gave (or the main file of the record). */
  path: string;
  /** Free-text comments from the file (WFDB header comments, EDF patient/recording fields). */
  comments?: string[];
  /** Format-specific extras worth keeping (e.g. WFDB signal format codes, EDF record count). */
  [key: string]: unknown;
}

export interface Ecg {
  /** Record name (file stem or the name the file declares). */
  name: string;
  /** Sampling rate in Hz, shared by all leads after reading. */
  fs: number;
  /** Lead names as the file gives them (normalise with `normalizeLeadName` when needed). */
  leads: string[];
  /** One array per lead, physical units (see `units`), all of the same length. */
  signals: Float32Array[];
  /** Physical unit per lead after conversion ("mV" for ECG leads). */
  units: string[];
  /** Start of the recording as an ISO 8601 string when the file says, otherwise undefined. */
  startTime?: string;
  annotations: EcgAnnotation[];
  source: EcgSource;
}

/** Number of samples per lead. */
export function sampleCount(ecg: Ecg): number {
  return ecg.signals.length ? ecg.signals[0]!.length : 0;
}

/** Duration in seconds. */
export function durationSeconds(ecg: Ecg): number {
  return sampleCount(ecg) / ecg.fs;
}

/**
 * Indices of the `wanted` leads among `available` names (exact match first, then
 * case-insensitive), in the order asked. Every reader's `leads` option goes through here, so
 * an unknown lead always gives the same error, listing the leads the file has.
 */
export function findLeads(file: string, available: readonly string[], wanted: readonly string[]): number[] {
  return wanted.map((name) => {
    const want = name.trim();
    let i = available.indexOf(want);
    if (i < 0) i = available.findIndex((l) => l.trim().toLowerCase() === want.toLowerCase());
    if (i < 0) throw new InputError(file, `no lead "${name}" (leads: ${available.join(", ")})`);
    return i;
  });
}

/** The record restricted to the `wanted` leads, in that order (signals shared, not copied). */
export function pickLeads(file: string, ecg: Ecg, wanted: readonly string[]): Ecg {
  const idx = findLeads(file, ecg.leads, wanted);
  return {
    ...ecg,
    leads: idx.map((i) => ecg.leads[i]!),
    units: idx.map((i) => ecg.units[i]!),
    signals: idx.map((i) => ecg.signals[i]!),
  };
}

/** The annotations in samples [start, end), re-timed so that `start` is sample 0. */
export function annotationsIn(
  annotations: readonly EcgAnnotation[],
  start: number,
  end: number,
): EcgAnnotation[] {
  return annotations
    .filter((x) => x.sample >= start && x.sample < end)
    .map((x) => ({ ...x, sample: x.sample - start }));
}

/** The record's samples [start, end) (copied, so the whole record can be freed), annotations re-timed. */
export function sliceSamples(ecg: Ecg, start: number, end: number): Ecg {
  return {
    ...ecg,
    signals: ecg.signals.map((s) => s.slice(start, end)),
    annotations: annotationsIn(ecg.annotations, start, end),
  };
}

/**
 * A record's id across databases: its folder and name ("mitdb/106", "cinc2017/A00001"); the
 * out-of-fold classifiers of training name the records they did not see by it.
 */
export function recordIdOf(ecg: Ecg): string {
  return `${basename(dirname(ecg.source.path))}/${ecg.name}`;
}
