/**
 * `npm run bench -- quality [--json] [--limit n | --per-group n] [--model dir] [--fresh]`: the
 * quality table (`--per-group n`: n examples of each task and dataset, spread over the file).
 *
 * Builds the anyECG validation split from the shared data (cached in runs/quality/dataset), runs
 * the shipped model (models/anyecg-small, when it exists), the classical baseline and the
 * constant floor on it (each run resumable in runs/quality/<name>/), and prints one table: per
 * task, dataset and metric, the three columns side by side with the paper's published figure
 * where there is one. Also scores the classical beat classifier per class on the held-out
 * MIT-BIH records. Everything is written to runs/quality/quality.json.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataset } from "../src/data/build.js";
import { MITDB_VALID_RECORDS } from "../src/data/splits.js";
import { capitalize, parseScpStatements } from "../src/data/sources/ptbxl.js";
import type { LabelSpec } from "../src/eval/metrics/statements.js";
import { ClassicalPredictor } from "../src/eval/baselines/classical.js";
import { evaluateBeatClassifier, loadOrTrainClassical } from "../src/eval/baselines/classical-model.js";
import { parseEcgRoots, readExamples } from "../src/eval/examples.js";
import { loadModelPredictor } from "../src/eval/model-predictor.js";
import type { Predictor } from "../src/eval/predictors.js";
import { formatValue, writeResults } from "../src/eval/report.js";
import { runEval, selectExamples, type RunResult } from "../src/eval/runner.js";
import { constantPredictor } from "../src/eval/setup.js";
import type { BenchOptions } from "./run.js";
import { dataDir, printTable } from "./util.js";

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

/**
 * PTB-XL's five diagnostic superclasses (NORM, MI, STTC, CD, HYP) as report labels: a report
 * has a class when one of its statements is one of the class's statements (scorer (a):
 * statements matched to label names; the AUC rows of the report task).
 */
function ptbxlSuperclasses(): LabelSpec[] {
  const file = join(dataDir, "ptbxl", "scp_statements.csv");
  const byClass = new Map<string, string[]>();
  for (const s of parseScpStatements(readFileSync(file, "utf8"), file).values()) {
    if (!s.diagnosticClass) continue;
    byClass.set(s.diagnosticClass, [...(byClass.get(s.diagnosticClass) ?? []), capitalize(s.description)]);
  }
  return [...byClass].map(([name, aliases]) => ({ name, aliases }));
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
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
  if (!existsSync(validFile)) {
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
  let modelNote = `no model at ${modelDir}: anyecg column left empty`;
  if (existsSync(join(modelDir, "config.json"))) {
    try {
      model = await loadModelPredictor(modelDir);
      modelNote = `model ${modelDir}`;
    } catch (err) {
      modelNote = `model ${modelDir} could not be loaded: ${(err as Error).message}`;
    }
  }
  console.error(modelNote);

  const run = async (name: string, predictor: Predictor | null): Promise<Column> => {
    if (!predictor) return { name, result: null };
    const outDir = join(cache, name);
    const summarize = { reportLabels: { "ptb-xl": ptbxlSuperclasses() } };
    const result = await runEval({ examples, dataFile: validFile, roots, predictor, outDir, summarize });
    writeResults(outDir, result, { data: validFile });
    return { name, result };
  };
  const columns = [
    await run("anyecg", model),
    await run("classical", new ClassicalPredictor(classicalModel, constant)),
    await run("constant", constant),
  ];

  // One row per (task, dataset, metric) seen in any column, in the first column's order.
  const keyOf = (r: { task: string; dataset: string; metric: string }): string =>
    `${r.task}|${r.dataset}|${r.metric}`;
  const rows = new Map<string, { task: string; dataset: string; metric: string; n: number }>();
  for (const c of columns)
    for (const r of c.result?.summary.rows ?? []) if (!rows.has(keyOf(r))) rows.set(keyOf(r), r);
  const valueOf = (c: Column, key: string): number | null =>
    c.result?.summary.rows.find((r) => keyOf(r) === key)?.value ?? null;
  const table = [...rows.entries()].map(([key, r]) => ({
    task: r.task,
    dataset: r.dataset,
    metric: r.metric,
    n: r.n,
    anyecg: valueOf(columns[0]!, key),
    classical: valueOf(columns[1]!, key),
    constant: valueOf(columns[2]!, key),
    paper: PAPER[key]?.value ?? null,
  }));
  const show = (m: string, v: number | null, c: Column | null): string =>
    c && !c.result ? "n/a" : formatValue(m, v);
  printTable(
    ["task", "dataset", "metric", "n", "anyecg", "classical", "constant", "paper"],
    table.map((t) => [
      t.task,
      t.dataset,
      t.metric,
      t.n,
      show(t.metric, t.anyecg, columns[0]!),
      show(t.metric, t.classical, columns[1]!),
      show(t.metric, t.constant, columns[2]!),
      t.paper === null ? "" : formatValue(t.metric, t.paper),
    ]),
  );

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
    rows: table,
    beatClassifier: beats,
    af: classicalModel.af,
  };
  writeFileSync(join(cache, "quality.json"), JSON.stringify(result, null, 2) + "\n");
  if (!opts.json) console.log(`\nwrote ${join(cache, "quality.json")}`);
  return result;
}
