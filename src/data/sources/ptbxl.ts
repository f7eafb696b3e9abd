/**
 * PTB-XL: 10-s 12-lead records (100 Hz version here) with SCP-ECG statements and likelihoods,
 * patient ids, recording dates, signal-quality columns and folds (`ptbxl_database.csv`), and the
 * statement table (`scp_statements.csv`).
 */
import { basename, join } from "node:path";
import { STANDARD_LEADS } from "../../ecg/leads.js";
import { InputError, readInputText } from "../../errors.js";
import { parseCsv, parsePythonNumberDict } from "../csv.js";
import type { Split } from "../example.js";
import { ptbxlSplit } from "../splits.js";
import type { AnnotatedRecord } from "./mitdb.js";

export interface ScpStatement {
  code: string;
  /** English description ("non-diagnostic T abnormalities"). */
  description: string;
  diagnostic: boolean;
  form: boolean;
  rhythm: boolean;
  /** Diagnostic superclass: NORM, MI, STTC, CD, HYP (empty for non-diagnostic statements). */
  diagnosticClass: string;
  /** Diagnostic subclass ("IMI", "NST_", ...; empty for non-diagnostic statements). */
  diagnosticSubclass: string;
}

export interface PtbxlRecord {
  ecgId: number;
  patient: string;
  /** ISO-like "YYYY-MM-DD hh:mm:ss" (sorts chronologically). */
  date: string;
  fold: number;
  split: Split;
  /** Record path relative to the data folder ("ptbxl/records100/00000/00001_lr"). */
  path: string;
  fs: number;
  length: number;
  leads: string[];
  /** SCP codes with likelihoods, most likely first (file order among ties). */
  scp: { code: string; likelihood: number }[];
  heartAxis: string;
  infarctionStadium1: string;
  infarctionStadium2: string;
  baselineDrift: string;
  staticNoise: string;
  burstNoise: string;
  electrodesProblems: string;
  extraBeats: string;
  pacemaker: string;
}

export interface Ptbxl {
  records: PtbxlRecord[];
  statements: Map<string, ScpStatement>;
}

const SCP_COLUMNS = [
  "",
  "description",
  "diagnostic",
  "form",
  "rhythm",
  "diagnostic_class",
  "diagnostic_subclass",
];

/** Parses `scp_statements.csv` (its first, unnamed column is the code); checks it is PTB-XL's. */
export function parseScpStatements(text: string, file: string): Map<string, ScpStatement> {
  const rows = parseCsv(text, file);
  const missing = SCP_COLUMNS.filter((c) => rows.length && !(c in rows[0]!));
  if (missing.length || rows.length === 0) {
    const why = rows.length ? `no column ${missing.map((c) => `"${c}"`).join(", ")}` : "no rows";
    throw new InputError(file, `not PTB-XL's scp_statements.csv (${why})`);
  }
  const map = new Map<string, ScpStatement>();
  for (const r of rows) {
    const code = r[""] ?? "";
    if (!code) continue;
    map.set(code, {
      code,
      description: r.description ?? code,
      diagnostic: r.diagnostic === "1.0",
      form: r.form === "1.0",
      rhythm: r.rhythm === "1.0",
      diagnosticClass: r.diagnostic_class ?? "",
      diagnosticSubclass: r.diagnostic_subclass ?? "",
    });
  }
  return map;
}

/** Parses `ptbxl_database.csv` rows into records (sorted by ecg_id). */
export function parsePtbxlDatabase(text: string, file: string): PtbxlRecord[] {
  const out: PtbxlRecord[] = [];
  for (const r of parseCsv(text, file)) {
    const ecgId = Number(r.ecg_id);
    const fold = Number(r.strat_fold);
    if (!Number.isInteger(ecgId) || !Number.isInteger(fold) || !r.filename_lr)
      throw new InputError(file, `bad row for ecg_id ${r.ecg_id}`);
    const scp = parsePythonNumberDict(r.scp_codes ?? "{}", file)
      .map(([code, likelihood], i) => ({ code, likelihood, i }))
      .sort((a, b) => b.likelihood - a.likelihood || a.i - b.i)
      .map(({ code, likelihood }) => ({ code, likelihood }));
    out.push({
      ecgId,
      patient: `ptbxl:${String(Math.round(Number(r.patient_id)))}`,
      date: r.recording_date ?? "",
      fold,
      split: ptbxlSplit(fold),
      path: `ptbxl/${r.filename_lr}`,
      fs: 100,
      length: 1000,
      leads: [...STANDARD_LEADS],
      scp,
      heartAxis: r.heart_axis ?? "",
      infarctionStadium1: r.infarction_stadium1 ?? "",
      infarctionStadium2: r.infarction_stadium2 ?? "",
      baselineDrift: r.baseline_drift ?? "",
      staticNoise: r.static_noise ?? "",
      burstNoise: r.burst_noise ?? "",
      electrodesProblems: r.electrodes_problems ?? "",
      extraBeats: r.extra_beats ?? "",
      pacemaker: r.pacemaker ?? "",
    });
  }
  return out.sort((a, b) => a.ecgId - b.ecgId);
}

/**
 * Loads PTB-XL metadata. Records are the 100 Hz 10-s 12-lead files (PTB-XL's documented
 * layout), so no header needs reading.
 */
export async function loadPtbxl(dataDir: string): Promise<Ptbxl> {
  const dbFile = join(dataDir, "ptbxl", "ptbxl_database.csv");
  const stFile = join(dataDir, "ptbxl", "scp_statements.csv");
  return {
    records: parsePtbxlDatabase(await readInputText(dbFile), dbFile),
    statements: parseScpStatements(await readInputText(stFile), stFile),
  };
}

/** "non-diagnostic T abnormalities" -> "Non-diagnostic T abnormalities". */
export function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** The report statements of a record, most likely first, in English. */
export function ptbxlReport(rec: PtbxlRecord, statements: Map<string, ScpStatement>): string[] {
  return rec.scp.map((s) => capitalize(statements.get(s.code)?.description ?? s.code));
}

/**
 * PTB-XL's five diagnostic superclasses as findings the encoder labels (stage 0d with
 * `ptbxlShare`): the class code's name, and the episode code a record carries for it.
 */
export const PTBXL_CLASS_NAMES: Readonly<Record<string, string>> = {
  NORM: "Normal ECG",
  MI: "Myocardial infarction",
  STTC: "ST/T change",
  CD: "Conduction disturbance",
  HYP: "Hypertrophy",
};

/** The episode code of a diagnostic superclass ("ptbxl:MI"). */
export function ptbxlClassCode(cls: string): string {
  return `ptbxl:${cls}`;
}

/**
 * PTB-XL records as records labelled as a whole with their diagnostic superclasses (those of
 * any of their statements, as the reports list them all): one episode per class over the whole
 * record, and only the classes' codes complete (its beats are not annotated). Records without a
 * diagnostic statement are left out.
 */
export async function loadPtbxlClasses(dataDir: string): Promise<AnnotatedRecord[]> {
  const { records, statements } = await loadPtbxl(dataDir);
  const complete = Object.keys(PTBXL_CLASS_NAMES).map(ptbxlClassCode);
  return records.flatMap((r) => {
    const classes = new Set(r.scp.map((s) => statements.get(s.code)?.diagnosticClass ?? "").filter((c) => c in PTBXL_CLASS_NAMES)); // prettier-ignore
    if (classes.size === 0) return [];
    const info = {
      path: r.path,
      name: basename(r.path),
      fs: r.fs,
      length: r.length,
      leads: r.leads,
      comments: [],
    };
    const episodes = [...classes].map((c) => ({ rhythm: ptbxlClassCode(c), start: 0, end: r.length }));
    return [{ info, annotations: [], episodes, split: r.split, patient: r.patient, complete }];
  });
}
