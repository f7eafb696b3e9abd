/**
 * Evaluation examples: our JSONL files and the paper's published JSON arrays, read the same way,
 * so the paper's own test files run unchanged.
 *
 * Fields: `question`, `answer`, `ecg_path` (a string or a list for several ECGs), `dataset`,
 * `task` (report | location | location_long | ecgqa | multi), and where present
 * `abnormal_type`, `ecg_start`, `ecg_end` (localization, samples at the record's rate),
 * `question_type`, `template_id` (ECG-QA), and our `leads`, `split`, `stage`, `id`. Unknown fields
 * are ignored. `ecg_path` is relative to a folder given per dataset name
 * (`--ecg-root mit_bih_arrhythmia=/data/mitdb`, or a bare `--ecg-root dir` for every dataset
 * without its own), as the paper's loader joins `ecg_dir[dataset]` and `ecg_path`.
 *
 * Bad input: an unreadable line, a missing or mistyped field, or an unknown task gives an
 * `InputError` naming the file, the line (JSONL) or element (JSON array) and the problem.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { InputError, readInputTextSync } from "../errors.js";

/** The tasks the evaluation knows, each with its own metric. */
export const KNOWN_TASKS = ["report", "location", "location_long", "ecgqa", "multi"] as const;
export type EvalTask = (typeof KNOWN_TASKS)[number];

/** One example as the evaluation sees it. */
export interface EvalExample {
  question: string;
  /** The reference answer (a list answer given as an array is joined with ", "). */
  answer: string;
  /** Record path(s) as written in the file, always as a list. */
  ecgPaths: string[];
  dataset: string;
  task: EvalTask;
  abnormalType?: string;
  ecgStart?: number;
  ecgEnd?: number;
  questionType?: string;
  templateId?: number;
  /** Our `id`, or `<file name>:<line or element number>`. */
  id: string;
}

type Raw = Record<string, unknown>;

function isTask(t: unknown): t is EvalTask {
  return typeof t === "string" && (KNOWN_TASKS as readonly string[]).includes(t);
}

function convert(raw: unknown, where: string, file: string, fallbackId: string): EvalExample {
  const bad = (problem: string): never => {
    throw new InputError(file, `${where}: ${problem}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return bad("not a JSON object");
  const o = raw as Raw;
  const str = (k: string): string =>
    typeof o[k] === "string" ? (o[k] as string) : bad(`"${k}" must be a string`);
  const optStr = (k: string): string | undefined =>
    o[k] === undefined || o[k] === null ? undefined : str(k);
  const optInt = (k: string): number | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return undefined;
    return typeof v === "number" && Number.isSafeInteger(v) && v >= 0
      ? v
      : bad(`"${k}" must be a whole number >= 0`);
  };
  if (!isTask(o.task)) {
    return bad(`unknown task ${JSON.stringify(o.task)} (known tasks: ${KNOWN_TASKS.join(", ")})`);
  }
  const a = o.answer;
  const answer =
    typeof a === "string"
      ? a
      : Array.isArray(a) && a.every((x) => typeof x === "string")
        ? a.join(", ")
        : bad('"answer" must be a string or a list of strings');
  const p = o.ecg_path;
  const ecgPaths =
    typeof p === "string"
      ? [p]
      : Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === "string")
        ? (p as string[])
        : bad('"ecg_path" must be a string or a non-empty list of strings');
  if (ecgPaths.some((x) => x.length === 0)) bad('"ecg_path" has an empty path');
  const ex: EvalExample = {
    question: str("question"),
    answer,
    ecgPaths,
    dataset: str("dataset"),
    task: o.task,
    id: optStr("id") ?? fallbackId,
  };
  const abnormalType = optStr("abnormal_type");
  if (abnormalType !== undefined) ex.abnormalType = abnormalType;
  else if (ex.task === "location" || ex.task === "location_long")
    bad(`"abnormal_type" is required for task ${ex.task}`);
  const start = optInt("ecg_start");
  const end = optInt("ecg_end");
  if (start !== undefined) ex.ecgStart = start;
  if (end !== undefined) ex.ecgEnd = end;
  if (start !== undefined && end !== undefined && end <= start)
    bad(`"ecg_end" (${end}) must be after "ecg_start" (${start})`);
  const qt = optStr("question_type");
  if (qt !== undefined) ex.questionType = qt;
  const tid = optInt("template_id");
  if (tid !== undefined) ex.templateId = tid;
  return ex;
}

/**
 * Parses a data file's text: a JSON array (the paper's files) when it starts with "[", else JSON
 * lines (blank lines skipped). `file` names the source in errors and in fallback ids.
 */
export function parseExamples(text: string, file: string): EvalExample[] {
  const name = basename(file);
  const body = text.replace(/^\uFEFF/, "");
  let out: EvalExample[];
  if (body.trimStart().startsWith("[")) {
    let arr: unknown;
    try {
      arr = JSON.parse(body);
    } catch (e) {
      throw new InputError(file, `not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(arr)) throw new InputError(file, "expected a JSON array of examples");
    out = arr.map((r, i) => convert(r, `element ${i}`, file, `${name}:${i}`));
  } else {
    out = [];
    const lines = body.split("\n");
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        throw new InputError(file, `line ${i + 1}: not valid JSON (${(e as Error).message})`);
      }
      out.push(convert(raw, `line ${i + 1}`, file, `${name}:${i + 1}`));
    });
  }
  if (out.length === 0) throw new InputError(file, "no examples");
  return out;
}

/** Reads a data file (see `parseExamples`). */
export function readExamples(file: string): EvalExample[] {
  const text = readInputTextSync(file);
  return parseExamples(text, file);
}

/** ECG folders per dataset name, and an optional folder for every other dataset. */
export interface EcgRoots {
  byDataset: Record<string, string>;
  fallback?: string;
}

/** Parses `--ecg-root` values: `name=dir` pairs, at most one bare `dir`. Folders are made absolute. */
export function parseEcgRoots(specs: readonly string[]): EcgRoots {
  const roots: EcgRoots = { byDataset: {} };
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq === 0 || spec.endsWith("="))
      throw new InputError("--ecg-root", `"${spec}" must be name=dir or dir`);
    if (eq > 0) {
      const name = spec.slice(0, eq);
      if (name in roots.byDataset) throw new InputError("--ecg-root", `dataset "${name}" given twice`);
      roots.byDataset[name] = resolve(spec.slice(eq + 1));
    } else {
      if (roots.fallback !== undefined)
        throw new InputError("--ecg-root", "more than one folder without a dataset name");
      roots.fallback = resolve(spec);
    }
  }
  return roots;
}

/**
 * The paths of an example's ECGs: `ecg_path` joined to its dataset's folder (absolute paths are
 * kept). A dataset without a folder is an error naming the data file, the example and the folders
 * that were given.
 */
export function resolveEcgPaths(example: EvalExample, roots: EcgRoots, file: string): string[] {
  const root = roots.byDataset[example.dataset] ?? roots.fallback;
  if (root === undefined) {
    const given = Object.keys(roots.byDataset);
    throw new InputError(
      file,
      `${example.id}: no --ecg-root for dataset "${example.dataset}" (given: ${given.length ? given.join(", ") : "none"}; use --ecg-root ${example.dataset}=<dir>)`,
    );
  }
  return example.ecgPaths.map((p) => (isAbsolute(p) ? p : join(root, p)));
}

const COMMON_EXTENSIONS = [".hea", ".mat", ".edf", ".csv", ".json", ".xml"];

/**
 * Checks that a record path exists, as a file or as a record name without extension (WFDB
 * "mitdb/101" for 101.hea and 101.dat); otherwise throws an `InputError` naming the path.
 */
export function checkEcgPath(path: string): void {
  if (existsSync(path) || COMMON_EXTENSIONS.some((e) => existsSync(path + e))) return;
  const dir = dirname(path);
  const stem = basename(path) + ".";
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    throw new InputError(path, "ECG file not found (its folder does not exist)");
  }
  if (!names.some((n) => n.startsWith(stem))) throw new InputError(path, "ECG file not found");
}
