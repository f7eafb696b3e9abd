/**
 * One training or evaluation example, as one JSON line. The first fields are the paper's
 * published format; `leads`, `split`, `stage` and `id` are our extensions.
 */

export type Split = "train" | "valid";

/** Task names, as the evaluation dispatches on them (metric per task). */
export type TaskName = "report" | "location" | "location_long" | "ecgqa" | "multi";

export interface Example {
  question: string;
  answer: string;
  /** Record path(s) relative to the data folder, without extension ("mitdb/101"). */
  ecg_path: string | string[];
  /** The paper's dataset name ("mit_bih_arrhythmia", "ptb-xl", ...). */
  dataset: string;
  task: TaskName;
  /** Localization only: the finding asked about ("Premature ventricular contraction"). */
  abnormal_type?: string;
  /** Localization only: the window shown, in samples at the record's own rate, [start, end). */
  ecg_start?: number;
  ecg_end?: number;
  /** ECG-QA only: the template's question type ("single-verify", "comparison_consecutive-query" ...). */
  question_type?: string;
  /** ECG-QA only: the template id (1-70 in `templates.csv`). */
  template_id?: number;
  /** The leads shown (standard names where they are standard leads). */
  leads: string[];
  split: Split;
  /** Curriculum stage (1 report, 2 localization and QA, 3 multi-ECG and long recordings). */
  stage: number;
  /** Unique and stable for a given seed. */
  id: string;
}

/** Dataset names, as the paper's files spell them. */
export const DATASET = {
  mitdb: "mit_bih_arrhythmia",
  ptbxl: "ptb-xl",
  ludb: "ludb",
  cpsc2021: "cpsc2021",
  cinc2017: "cinc2017",
  cinc2021: "cinc2021",
  ecgqa: "ecgqa-ptbxl",
} as const;

/** An example with the build-time label used for statistics (not serialised). */
export interface LabeledExample {
  example: Example;
  /** Label for the stats table: the finding, rhythm, diagnosis or question type. */
  label: string;
  /**
   * True when the answer stays determinable from one to three leads (rhythms, premature-beat
   * timing, rhythm and extrasystole questions): such examples get reduced-lead copies.
   */
  reducible?: boolean;
}

/** Serialises with a fixed key order (so the output is byte-stable) and no undefined keys. */
export function exampleToJson(e: Example): string {
  const o: Record<string, unknown> = {
    question: e.question,
    answer: e.answer,
    ecg_path: e.ecg_path,
    dataset: e.dataset,
    task: e.task,
  };
  if (e.abnormal_type !== undefined) o.abnormal_type = e.abnormal_type;
  if (e.ecg_start !== undefined) o.ecg_start = e.ecg_start;
  if (e.ecg_end !== undefined) o.ecg_end = e.ecg_end;
  if (e.question_type !== undefined) o.question_type = e.question_type;
  if (e.template_id !== undefined) o.template_id = e.template_id;
  o.leads = e.leads;
  o.split = e.split;
  o.stage = e.stage;
  o.id = e.id;
  return JSON.stringify(o);
}
