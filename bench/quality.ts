/**
 * `npm run bench -- quality [--json] [--limit n | --per-group n] [--model dir] [--fresh]`: the
 * quality table (`--per-group n`: n examples of each task and dataset, spread over the file).
 * Caches are dropped when stale: the dataset when the builder's sources are newer, the model's
 * predictions when its files changed.
 *
 * Builds the anyECG validation split from the shared data (cached in runs/quality/dataset), runs
 * the shipped model (models/anyecg-small, when it exists) alone and, on the localization
 * questions, with its beat tool (src/model/beat-tool.ts), the classical baseline and the
 * constant floor on it (each run resumable in runs/quality/<name>/), and prints one table: per
 * task, dataset and metric, the columns side by side with the paper's published figure
 * where there is one. Report rows include the label-set rows (`src/eval/label-sets.ts`): PTB-XL
 * diagnostic superclass macro AUC with scorer (a) statements matched to label names and (b) the
 * model's likelihood, and CinC 2017 atrial fibrillation F1 (a) and AUC (a, b); (b) exists only for
 * the model (the baselines have no likelihood: their cell stays empty). ECG-QA accuracy per
 * question type is in the JSON (`ecgqaPerType`), its most frequent types in the table. Also scores
 * the classical beat classifier per class on the held-out MIT-BIH records. Everything is written
 * to runs/quality/quality.json.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataset } from "../src/data/build.js";
import { MITDB_VALID_RECORDS } from "../src/data/splits.js";
import { ClassicalPredictor } from "../src/eval/baselines/classical.js";
import { evaluateBeatClassifier } from "../src/eval/baselines/beat-evaluation.js";
import { loadOrTrainClassical } from "../src/train/classical.js";
import { parseEcgRoots, readExamples } from "../src/eval/examples.js";
import { buildLabelSets, type LabelSetName } from "../src/eval/label-sets.js";
import { loadModelPredictor } from "../src/eval/model-predictor.js";
import type { Predictor } from "../src/eval/predictors.js";
import { formatValue, writeResults } from "../src/eval/report.js";
import { runEval, selectExamples, type RunResult } from "../src/eval/runner.js";
import { constantPredictor } from "../src/eval/setup.js";
import type { BenchOptions } from "./run.js";
import { arg, dataDir, printTable } from "./util.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The paper's published figures (anyECG-chat, AAAI 2026), as fractions, keyed by
 * "task|dataset|metric". Only numbers we know reliably are here; the paper's test windows are its
 * own (drawn from MIT-BIH records with its own split), so they are a reference, not the same test.
 */
const PAPER: Readonly<Record<string, { value: number; source: string }>> = {
  "location|mit_bih_arrhythmia|IoU (micro)": {
    value: 0.561,
    source: "anyECG-chat, localization table: mean IoU 56.10 of the full model on its MIT-BIH test set",
  },
};

/** The report label sets of the table: the rows the issues "Evaluation" and "Training" ask for. */
const LABEL_SETS: readonly LabelSetName[] = ["ptbxl-super", "cinc2017-af"];

/** ECG-QA question types shown in the table (the most frequent; all are in the JSON). */
const QA_TYPES_SHOWN = 5;

/** Newest modification time (ms) of the files under a folder. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The model folder's files with their sizes and times: what says the weights are the same. */
function modelStamp(dir: string): string {
  const files = readdirSync(dir)
    .sort()
    .map((f) => ({ f, s: statSync(join(dir, f)) }))
    .filter(({ s }) => s.isFile())
    .map(({ f, s }) => [f, s.size, s.mtimeMs]);
  return JSON.stringify({ dir: resolve(dir), files }) + "\n";
}

interface Column {
  name: string;
  result: RunResult | null;
}

export default async function quality(opts: BenchOptions): Promise<Record<string, unknown>> {
  const cache = join(repoRoot, "runs", "quality");
  if (opts.args.includes("--fresh")) rmSync(cache, { recursive: true, force: true });
  const dsDir = join(cache, "dataset");
  const validFile = join(dsDir, "valid.jsonl");
  // A dataset older than the builder's sources is built again, and every column's predictions
  // (answers to the old examples) go with it.
  if (!existsSync(validFile) || statSync(validFile).mtimeMs < newestMtime(join(repoRoot, "src", "data"))) {
    for (const name of ["anyecg", "anyecg-tools", "classical", "constant"])
      rmSync(join(cache, name), { recursive: true, force: true });
    await buildDataset({ dataDir, outDir: dsDir, seed: 0, force: true, log: null });
  }
  const limitArg = arg(opts.args, "--limit");
  const perGroup = arg(opts.args, "--per-group");
  const examples = selectExamples(readExamples(validFile), {
    ...(limitArg ? { limit: Number(limitArg) } : {}),
    ...(perGroup ? { perGroup: Number(perGroup) } : {}),
  });
  const roots = parseEcgRoots([dataDir]);

  const constant = constantPredictor(join(dsDir, "train.jsonl"));
  const classicalModel = await loadOrTrainClassical(join(cache, "classical.json"), { dataDir });
  const modelDir = arg(opts.args, "--model") ?? join(repoRoot, "models", "anyecg-small");
  let model: Predictor | null = null;
  let withTools: Predictor | null = null;
  let modelNote = `no model at ${modelDir}: anyecg column left empty`;
  if (existsSync(join(modelDir, "config.json"))) {
    // predictions of other weights (a retrained model) are not resumed
    const stamp = modelStamp(modelDir);
    const stampFile = join(cache, "anyecg-model.json");
    if (!existsSync(stampFile) || readFileSync(stampFile, "utf8") !== stamp) {
      for (const name of ["anyecg", "anyecg-tools"])
        rmSync(join(cache, name), { recursive: true, force: true });
      writeFileSync(stampFile, stamp);
    }
    try {
      model = await loadModelPredictor(modelDir);
      withTools = await loadModelPredictor(modelDir, true);
      modelNote = `model ${modelDir}`;
    } catch (err) {
      modelNote = `model ${modelDir} could not be loaded: ${(err as Error).message}`;
    }
  }
  console.error(modelNote);

  const labelSets = buildLabelSets(LABEL_SETS, { scpFile: join(dataDir, "ptbxl", "scp_statements.csv") });
  const run = async (name: string, predictor: Predictor | null, only = examples): Promise<Column> => {
    if (!predictor) return { name, result: null };
    const outDir = join(cache, name);
    const result = await runEval({
      examples: only,
      dataFile: validFile,
      roots,
      predictor,
      outDir,
      labelSets,
    });
    writeResults(outDir, result, { data: validFile });
    return { name, result };
  };
  const columns = [
    await run("anyecg", model),
    await run("classical", new ClassicalPredictor(classicalModel, constant)),
    await run("constant", constant),
    // the beat tool answers localization questions only: elsewhere its column is the model's
    await run(
      "anyecg-tools",
      withTools,
      examples.filter((e) => e.task.startsWith("location")),
    ),
  ];
  const shown = [columns[0]!, columns[3]!, columns[1]!, columns[2]!]; // the tools beside the model

  // One row per (task, dataset, metric) seen in any column, in the first column's order.
  const keyOf = (r: { task: string; dataset: string; metric: string }): string =>
    `${r.task}|${r.dataset}|${r.metric}`;
  const rows = new Map<string, { task: string; dataset: string; metric: string; n: number }>();
  for (const c of columns)
    for (const r of c.result?.summary.rows ?? []) if (!rows.has(keyOf(r))) rows.set(keyOf(r), r);
  // undefined: the column has no such row (scorer b of a baseline); null: the metric is undefined
  const valueOf = (c: Column, key: string): number | null | undefined => {
    const row = c.result?.summary.rows.find((r) => keyOf(r) === key);
    return row ? row.value : undefined;
  };
  const table = [...rows.entries()].map(([key, r]) => ({
    task: r.task,
    dataset: r.dataset,
    metric: r.metric,
    n: r.n,
    anyecg: valueOf(columns[0]!, key) ?? null,
    anyecgTools: valueOf(columns[3]!, key) ?? null,
    classical: valueOf(columns[1]!, key) ?? null,
    constant: valueOf(columns[2]!, key) ?? null,
    paper: PAPER[key]?.value ?? null,
  }));
  const show = (c: Column, key: string, metric: string): string => {
    if (!c.result) return "n/a";
    const v = valueOf(c, key);
    return v === undefined ? "" : formatValue(metric, v);
  };
  const qaTypes = ecgqaPerType(columns);
  const cell = (v: number | undefined): string => (v === undefined ? "n/a" : formatValue("", v));
  const qaRows = qaTypes
    .slice(0, QA_TYPES_SHOWN)
    .map((t) => [
      "ecgqa",
      t.dataset,
      `accuracy: ${t.type}`,
      t.n,
      cell(t.anyecg),
      "",
      cell(t.classical),
      cell(t.constant),
      "",
    ]);
  const lines: (string | number)[][] = [...rows.keys()].map((key, i) => {
    const t = table[i]!;
    return [
      t.task,
      t.dataset,
      t.metric,
      t.n,
      ...shown.map((c) => show(c, key, t.metric)),
      t.paper === null ? "" : formatValue(t.metric, t.paper),
    ];
  });
  // the per-type lines follow the ECG-QA rows
  const afterQa = lines.map((l) => l[0]).lastIndexOf("ecgqa") + 1 || lines.length;
  lines.splice(afterQa, 0, ...qaRows);
  printTable(["task", "dataset", "metric", "n", "anyecg", "+tools", "classical", "constant", "paper"], lines);

  const beats = await evaluateBeatClassifier(classicalModel, dataDir, MITDB_VALID_RECORDS);
  console.log(
    `\nclassical beat classifier on held-out MIT-BIH ${MITDB_VALID_RECORDS.join(" ")} (${beats.detectedReferenceBeats}/${beats.referenceBeats} reference beats detected):`,
  );
  printTable(
    ["class", "beats", "Se %", "PPV %"],
    Object.entries(beats.perClass).map(([c, s]) => [
      c,
      s.n,
      formatValue("", s.sensitivity),
      formatValue("", s.ppv),
    ]),
  );
  const result = {
    data: validFile,
    examples: examples.length,
    model: modelNote,
    paperSources: PAPER,
    labelSets: labelSets.map((l) => ({
      name: l.name,
      datasets: l.datasets,
      labels: l.labels.map((x) => x.name),
    })),
    rows: table,
    ecgqaPerType: qaTypes,
    beatClassifier: beats,
    af: classicalModel.af,
  };
  writeFileSync(join(cache, "quality.json"), JSON.stringify(result, null, 2) + "\n");
  if (!opts.json) console.log(`\nwrote ${join(cache, "quality.json")}`);
  return result;
}

/** One ECG-QA question type's accuracy per column (undefined: the column did not run). */
interface QaTypeRow {
  dataset: string;
  type: string;
  n: number;
  anyecg: number | undefined;
  classical: number | undefined;
  constant: number | undefined;
}

interface QaStat {
  dataset: string;
  type: string;
  n: number;
  mean: number;
}

/** ECG-QA accuracy per question type and column, most frequent types first. */
function ecgqaPerType(columns: readonly Column[]): QaTypeRow[] {
  // per column: "dataset|type" -> its accuracy and count (null when the column did not run)
  const perColumn = columns.map((c) =>
    c.result
      ? new Map(
          c.result.summary.groups.flatMap((g) =>
            Object.entries(g.qa?.perType ?? {}).map(([type, stat]): [string, QaStat] => [
              `${g.dataset}|${type}`,
              { dataset: g.dataset, type, ...stat },
            ]),
          ),
        )
      : null,
  );
  const all = new Map(perColumn.flatMap((m) => [...(m ?? [])]));
  const acc = (i: number, key: string): number | undefined => perColumn[i]?.get(key)?.mean;
  return [...all]
    .map(([key, t]) => ({
      dataset: t.dataset,
      type: t.type,
      n: t.n,
      anyecg: acc(0, key),
      classical: acc(1, key),
      constant: acc(2, key),
    }))
    .sort((a, b) => b.n - a.n || (a.type < b.type ? -1 : 1));
}
