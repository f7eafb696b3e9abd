/**
 * `npm run bench -- beat-tool-verify [--per-finding n] [--model dir] [--json]`: yes/no questions
 * about the beat tool's findings ("Does this ECG show premature ventricular contraction?") and
 * atrial fibrillation, one per MIT-BIH and CPSC 2021 validation window of the localization task
 * (the answer is `yes` when the window's reference lists intervals, `no` when it says `No ...
 * Found`), answered by the model alone and with its beat tool (src/model/beat-tool.ts). Accuracy per finding; up to n windows each
 * (default 100), spread over the validation file. The dataset is the quality bench's
 * (runs/quality/dataset), built when missing.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataset } from "../src/data/build.js";
import { parseEcgRoots, readExamples, type EvalExample } from "../src/eval/examples.js";
import { loadModelPredictor } from "../src/eval/model-predictor.js";
import { runEval } from "../src/eval/runner.js";
import { RHYTHM_CLASS_NAMES } from "../src/analysis/rhythm-classes.js";
import { TOOL_FINDINGS } from "../src/model/beat-tool.js";
import type { BenchOptions } from "./run.js";
import { arg, dataDir, printTable } from "./util.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The yes/no question of a localization window: same ECG, its finding asked about. */
function verifyExample(e: EvalExample): EvalExample {
  const name = e.abnormalType!;
  return {
    ...e,
    task: "ecgqa",
    question: `Does this ECG show ${name.toLowerCase()}?`,
    answer: e.answer.startsWith("Duration:") ? "yes" : "no",
    questionType: name,
    id: `${e.id}-verify`,
  };
}

/** Up to `n` items spread evenly over the list. */
function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

export default async function beatToolVerify(opts: BenchOptions): Promise<Record<string, unknown>> {
  const perFinding = Number(arg(opts.args, "--per-finding") ?? 100);
  const modelDir = arg(opts.args, "--model") ?? join(repoRoot, "models", "anyecg-small");
  const dsDir = join(repoRoot, "runs", "quality", "dataset");
  const validFile = join(dsDir, "valid.jsonl");
  if (!existsSync(validFile)) await buildDataset({ dataDir, outDir: dsDir, seed: 0, log: null });
  const windows = readExamples(validFile).filter(
    (e) => e.task === "location" && (e.dataset === "mit_bih_arrhythmia" || e.dataset === "cpsc2021"),
  );
  const asked = [...TOOL_FINDINGS.map((f) => f.name), RHYTHM_CLASS_NAMES.A];
  const findings = asked.filter((n) => windows.some((e) => e.abnormalType === n));
  const examples = findings.flatMap((n) =>
    spread(
      windows.filter((e) => e.abnormalType === n),
      perFinding,
    ).map(verifyExample),
  );
  const roots = parseEcgRoots([dataDir]);
  const accuracy = async (tools: boolean): Promise<Map<string, number>> => {
    const predictor = await loadModelPredictor(modelDir, tools);
    const r = await runEval({ examples, dataFile: validFile, roots, predictor });
    const typeOf = new Map(examples.map((e) => [e.id, e.questionType]));
    const out = new Map<string, number>();
    for (const n of findings) {
      const lines = r.lines.filter((l) => typeOf.get(l.id) === n);
      out.set(n, lines.filter((l) => l.score === 1).length / lines.length);
    }
    return out;
  };
  const alone = await accuracy(false);
  const withTool = await accuracy(true);
  const pct = (x: number | undefined): string => (x === undefined ? "-" : (100 * x).toFixed(1));
  const rows = findings.map((n) => {
    const asked = examples.filter((e) => e.questionType === n);
    const yes = asked.filter((e) => e.answer === "yes").length;
    return [n, asked.length, `${yes}`, pct(alone.get(n)), pct(withTool.get(n))];
  });
  if (!opts.json) printTable(["finding", "windows", "yes", "model alone %", "with the beat tool %"], rows);
  return {
    model: modelDir,
    perFinding,
    findings: Object.fromEntries(
      findings.map((n, i) => [n, { windows: rows[i]![1], alone: alone.get(n), withTool: withTool.get(n) }]),
    ),
  };
}
