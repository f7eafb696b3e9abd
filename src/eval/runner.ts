/**
 * The evaluation run: a predictor over a set of examples, each answer scored, everything written
 * as it goes to `predictions.jsonl` so an interrupted run resumes where it stopped.
 *
 * - Every ECG path is checked before the first prediction: a missing file stops the run with its
 *   path (an `InputError`), before any time is spent.
 * - An answer that cannot be read (a localization answer the parser rejects, or an empty answer)
 *   scores 0, is flagged `unreadable` in its line and listed in the results; it never throws.
 * - Resume: when `outDir` already holds `predictions.jsonl`, the ids in it are not predicted
 *   again; their lines are read back and scored with the new ones. A half-written last line (an
 *   interrupted write) is dropped. The file must come from the same predictor (`run.json`). A
 *   line whose question or reference differs from its example's (the data file changed) is
 *   predicted again.
 * - Report label scores (scorer b of the AUC, `likelihood.ts`): with label sets, a scorer other
 *   than "a" and a predictor that has `scoreLabels` (the model), each report example gets a score
 *   per label of every set that fits its dataset, kept in its line (`label_scores`, by set name).
 *   The scores come from the example's generated answer (`likelihood.ts`). A resumed line without
 *   the scores of a set, or with scores by an earlier scorer (`label_scorer`), gets them now (the
 *   answer is not generated again) and is written again: a later line for an id replaces an
 *   earlier one.
 * - Per-example score (for error analysis; the tables use the metrics of `summarize`):
 *   localization IoU, ECG-QA exact match 1/0, multi 1/0 or findings F1, report ROUGE-L F1
 *   (`rouge_score`'s way).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Progress, type ProgressSink } from "../data/progress.js";
import { InputError } from "../errors.js";
import {
  checkEcgPath,
  KNOWN_TASKS,
  resolveEcgPaths,
  type EcgRoots,
  type EvalExample,
  type EvalTask,
} from "./examples.js";
import { exactMatch } from "./metrics/exact-match.js";
import { scoreLocalizationAnswer } from "./metrics/iou.js";
import { scoreMulti } from "./metrics/multi.js";
import { rougeScore } from "./metrics/rouge.js";
import { LABEL_SCORER } from "./likelihood.js";
import { labelSetsFor, type LabelSet, type Scorer } from "./label-sets.js";
import { summarize, type EvalRecord, type Summary } from "./metrics/summary.js";
import { readExampleEcgs, type Predictor } from "./predictors.js";

/** One line of `predictions.jsonl`. */
export interface PredictionLine {
  id: string;
  task: EvalTask;
  dataset: string;
  question: string;
  reference: string;
  prediction: string;
  score: number;
  abnormal_type?: string;
  question_type?: string;
  /** Report only: scorer (b)'s score per label, by label set name, in the set's order. */
  label_scores?: Record<string, number[]>;
  /** Which scorer (b) wrote `label_scores` (LABEL_SCORER); scores by another are computed again. */
  label_scorer?: string;
  /** Present (true) when the answer could not be read; scored 0. */
  unreadable?: true;
}

/** Chooses examples by task and count; an unknown task is an error listing the known ones. */
export function selectExamples(
  examples: readonly EvalExample[],
  opts: { tasks?: readonly string[]; limit?: number; perGroup?: number },
): EvalExample[] {
  let out = [...examples];
  if (opts.tasks?.length) {
    const unknown = opts.tasks.filter((t) => !(KNOWN_TASKS as readonly string[]).includes(t));
    if (unknown.length) {
      throw new InputError(
        "--task",
        `unknown task ${unknown.map((t) => `"${t}"`).join(", ")} (known tasks: ${KNOWN_TASKS.join(", ")})`,
      );
    }
    out = out.filter((e) => opts.tasks!.includes(e.task));
  }
  if (opts.limit !== undefined) {
    if (!(Number.isInteger(opts.limit) && opts.limit > 0))
      throw new InputError("--limit", `must be a whole number > 0, got ${opts.limit}`);
    out = out.slice(0, opts.limit);
  }
  if (opts.perGroup !== undefined) {
    if (!(Number.isInteger(opts.perGroup) && opts.perGroup > 0))
      throw new InputError("--per-group", `must be a whole number > 0, got ${opts.perGroup}`);
    // n of each task and dataset, spread evenly over the group in file order (the first n
    // would often all come from one record): a quick run that still covers every row.
    const n = opts.perGroup;
    const groups = new Map<string, EvalExample[]>();
    for (const e of out) {
      const key = `${e.task}|${e.dataset}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(e);
    }
    const keep = new Set<EvalExample>();
    for (const g of groups.values())
      for (let i = 0; i < Math.min(n, g.length); i++)
        keep.add(g[Math.floor((i * g.length) / Math.min(n, g.length))]!);
    out = out.filter((e) => keep.has(e));
  }
  return out;
}

/** The per-example score of an answer, and whether it was unreadable. */
export function scoreExample(
  e: Pick<EvalExample, "task" | "answer">,
  prediction: string,
): { score: number; unreadable: boolean } {
  if (e.task === "location" || e.task === "location_long") {
    const s = scoreLocalizationAnswer(e.answer, prediction);
    return { score: s.iou, unreadable: s.prediction === null };
  }
  if (prediction.trim() === "") return { score: 0, unreadable: true };
  if (e.task === "ecgqa") return { score: exactMatch(e.answer, prediction) ? 1 : 0, unreadable: false };
  if (e.task === "multi") {
    return { score: scoreMulti([{ reference: e.answer, prediction }]).perExample[0]!, unreadable: false };
  }
  return { score: rougeScore(prediction, e.answer).rougeL, unreadable: false };
}

function lineOf(e: EvalExample, prediction: string): PredictionLine {
  const s = scoreExample(e, prediction);
  const line: PredictionLine = {
    id: e.id,
    task: e.task,
    dataset: e.dataset,
    question: e.question,
    reference: e.answer,
    prediction,
    score: s.score,
  };
  if (e.abnormalType !== undefined) line.abnormal_type = e.abnormalType;
  if (e.questionType !== undefined) line.question_type = e.questionType;
  if (s.unreadable) line.unreadable = true;
  return line;
}

/** The record `summarize` scores, from a prediction line. */
export function recordOf(line: PredictionLine): EvalRecord {
  const example: EvalRecord["example"] = {
    task: line.task,
    dataset: line.dataset,
    answer: line.reference,
    id: line.id,
  };
  if (line.abnormal_type !== undefined) example.abnormalType = line.abnormal_type;
  if (line.question_type !== undefined) example.questionType = line.question_type;
  return {
    example,
    prediction: line.prediction,
    ...(line.label_scores ? { labelScores: line.label_scores } : {}),
  };
}

/**
 * Reads the lines of an earlier run, dropping a half-written last line (and cutting it from the
 * file). A later line for an id replaces an earlier one (label scores added on resume).
 */
export function readPredictionLines(file: string): PredictionLine[] {
  if (!existsSync(file)) return [];
  let text = readFileSync(file, "utf8");
  if (text.length && !text.endsWith("\n")) {
    const keep = text.lastIndexOf("\n") + 1;
    truncateSync(file, Buffer.byteLength(text.slice(0, keep)));
    text = text.slice(0, keep);
  }
  const lines = text
    .split("\n")
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        const o = JSON.parse(l) as PredictionLine;
        if (typeof o.id !== "string" || typeof o.prediction !== "string")
          throw new Error("no id or prediction");
        return o;
      } catch (err) {
        throw new InputError(file, `line ${i + 1}: not a prediction line (${(err as Error).message})`);
      }
    });
  return [...new Map(lines.map((l) => [l.id, l])).values()];
}

export interface RunOptions {
  examples: readonly EvalExample[];
  /** The data file (named in errors). */
  dataFile: string;
  roots: EcgRoots;
  predictor: Predictor;
  /** Where predictions.jsonl and run.json go; without it nothing is written and nothing resumed. */
  outDir?: string;
  /** Label sets of the report AUC (each scores the datasets it names). */
  labelSets?: readonly LabelSet[];
  /** Which AUC scorers to run and report (default "both"; (b) needs a predictor with `scoreLabels`). */
  scorer?: Scorer;
  /** Progress output (default stderr); null for silence. */
  log?: ProgressSink | null;
}

/** An unreadable answer, for the results' list. */
export interface UnreadableEntry {
  id: string;
  task: EvalTask;
  prediction: string;
}

export interface RunResult {
  predictor: string;
  lines: PredictionLine[];
  /** Lines read back from an earlier run. */
  resumed: number;
  /** Lines predicted now. */
  predicted: number;
  summary: Summary;
  unreadable: UnreadableEntry[];
}

function checkIds(examples: readonly EvalExample[], file: string): void {
  const seen = new Set<string>();
  for (const e of examples) {
    if (seen.has(e.id))
      throw new InputError(file, `duplicate example id "${e.id}" (ids must be unique to resume)`);
    seen.add(e.id);
  }
}

/** Checks (or writes) run.json so that a resumed run continues the same predictor's work. */
function checkRunInfo(outDir: string, predictor: string, dataFile: string): void {
  const file = join(outDir, "run.json");
  if (existsSync(file)) {
    const info = JSON.parse(readFileSync(file, "utf8")) as { predictor?: string };
    if (info.predictor !== predictor) {
      throw new InputError(
        file,
        `holds predictions of "${info.predictor}", not "${predictor}": use another --out`,
      );
    }
    return;
  }
  writeFileSync(
    file,
    JSON.stringify({ predictor, data: dataFile, started: new Date().toISOString() }, null, 2) + "\n",
  );
}

/** The label sets scorer (b) scores an example on: none unless a report with a scoring predictor. */
function scoredSets(e: EvalExample, opts: RunOptions, predictor: Predictor): LabelSet[] {
  if (e.task !== "report" || opts.scorer === "a" || !predictor.scoreLabels) return [];
  return labelSetsFor(opts.labelSets ?? [], e.dataset);
}

/** Runs a predictor over the examples (see the module comment). */
export async function runEval(opts: RunOptions): Promise<RunResult> {
  const { examples, predictor } = opts;
  if (opts.scorer === "b" && !predictor.scoreLabels)
    throw new InputError(
      "--scorer",
      `scorer b is the model's likelihood: ${predictor.name} has none (use --scorer a)`,
    );
  checkIds(examples, opts.dataFile);
  const paths = new Map<string, string[]>();
  for (const e of examples) {
    const p = resolveEcgPaths(e, opts.roots, opts.dataFile);
    p.forEach(checkEcgPath);
    paths.set(e.id, p);
  }
  let done: PredictionLine[] = [];
  let file: string | undefined;
  if (opts.outDir) {
    mkdirSync(opts.outDir, { recursive: true });
    checkRunInfo(opts.outDir, predictor.name, opts.dataFile);
    file = join(opts.outDir, "predictions.jsonl");
    // a line of an example whose question or reference has changed since is predicted again
    const byId = new Map(examples.map((e) => [e.id, e]));
    done = readPredictionLines(file).filter((l) => {
      const e = byId.get(l.id);
      return e !== undefined && e.question === l.question && e.answer === l.reference;
    });
  }
  const doneById = new Map(done.map((l) => [l.id, l]));
  const current = (l: PredictionLine | undefined): Record<string, number[]> | undefined =>
    l?.label_scorer === LABEL_SCORER ? l.label_scores : undefined;
  const unscored = (e: EvalExample): LabelSet[] => {
    const scores = current(doneById.get(e.id));
    return scoredSets(e, opts, predictor).filter((s) => scores?.[s.name]?.length !== s.labels.length);
  };
  const todo = examples.filter((e) => !doneById.has(e.id) || unscored(e).length > 0);
  const bar = opts.log === null ? null : new Progress(predictor.name, todo.length, "examples", opts.log);
  const fresh: PredictionLine[] = [];
  for (const e of todo) {
    const p = paths.get(e.id)!;
    const missing = unscored(e);
    const ecgs = predictor.needsEcgs ? await readExampleEcgs(e, p) : [];
    const input = { example: e, ecgs, paths: p };
    const line = doneById.get(e.id) ?? lineOf(e, (await predictor.predict(input)).answer);
    if (missing.length) {
      const scores = await predictor.scoreLabels!(input, missing, line.prediction);
      line.label_scores = { ...current(line), ...scores };
      line.label_scorer = LABEL_SCORER;
    }
    if (file) appendFileSync(file, JSON.stringify(line) + "\n");
    fresh.push(line);
    bar?.tick();
  }
  bar?.finish();
  // Lines in the examples' order, whatever order they were predicted in.
  const byId = new Map([...done, ...fresh].map((l) => [l.id, l]));
  const lines = examples.map((e) => byId.get(e.id)!);
  return {
    predictor: predictor.name,
    lines,
    resumed: done.length,
    predicted: fresh.filter((l) => !doneById.has(l.id)).length,
    summary: summarize(lines.map(recordOf), {
      ...(opts.labelSets ? { labelSets: opts.labelSets } : {}),
      ...(opts.scorer ? { scorer: opts.scorer } : {}),
    }),
    unreadable: lines
      .filter((l) => l.unreadable)
      .map((l) => ({ id: l.id, task: l.task, prediction: l.prediction })),
  };
}
