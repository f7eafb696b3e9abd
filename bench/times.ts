/**
 * `npm run bench -- times [--model dir] [--n 60] [--json]`: does the model read the times of a
 * localization answer from the ECG? On validation MIT-BIH 10-s questions whose finding is
 * present (and not in the whole window), the model's likelihood of the true answer is compared
 * with the same answer shifted by -2, -1, +1 and +2 s (clipped to the window). A model that
 * reads the times prefers the true answer; one that writes times from habit does so in about
 * one case in five (chance). Questions are spread over the findings (at most n / 5 each).
 */
import { existsSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataset } from "../src/data/build.js";
import { formatLocalizationAnswer, parseLocalizationAnswer, type Interval } from "../src/data/intervals.js";
import { parseEcgRoots, readExamples, resolveEcgPaths } from "../src/eval/examples.js";
import { readExampleEcgs } from "../src/eval/predictors.js";
import { AnyEcg } from "../src/model/index.js";
import type { BenchOptions } from "./run.js";
import { arg, dataDir, printTable } from "./util.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const SHIFTS = [-2, -1, 1, 2];

/** The intervals moved by `d` seconds, clipped to [0, seconds]. */
function shifted(name: string, intervals: Interval[], d: number, seconds: number): string {
  const clip = (t: number): number => Math.min(seconds, Math.max(0, t + d));
  return formatLocalizationAnswer(
    name,
    intervals.map((iv) => ({ start: clip(iv.start), end: clip(iv.end) })),
  );
}

export default async function times(opts: BenchOptions): Promise<Record<string, unknown>> {
  const modelDir = arg(opts.args, "--model") ?? join(repoRoot, "models", "anyecg-small");
  const n = Number(arg(opts.args, "--n") ?? 60);
  const dsDir = join(repoRoot, "runs", "quality", "dataset");
  const validFile = join(dsDir, "valid.jsonl");
  if (!existsSync(validFile)) await buildDataset({ dataDir, outDir: dsDir, seed: 0, force: true, log: null });
  const perFinding = new Map<string, number>();
  const examples = readExamples(validFile).filter((e) => {
    if (e.task !== "location" || e.dataset !== "mit_bih_arrhythmia" || !e.abnormalType) return false;
    if (!e.answer.startsWith("Duration") || e.answer === "Duration: 0.0s-10.0s") return false;
    const k = perFinding.get(e.abnormalType) ?? 0;
    perFinding.set(e.abnormalType, k + 1);
    return k < Math.ceil(n / 5);
  });
  const model = await AnyEcg.load(modelDir);
  const roots = parseEcgRoots([dataDir]);
  let wins = 0;
  let margin = 0;
  let scored = 0;
  for (const e of examples.slice(0, n)) {
    const parsed = parseLocalizationAnswer(e.answer);
    if (!parsed?.found) continue;
    const ecgs = await readExampleEcgs(e, resolveEcgPaths(e, roots, validFile));
    const seconds = ecgs[0]!.signals[0]!.length / ecgs[0]!.fs;
    const answers = [e.answer, ...SHIFTS.map((d) => shifted(e.abnormalType!, parsed.intervals, d, seconds))];
    const s = model.scoreAnswers({ ecgs, messages: [{ role: "user", content: e.question }] }, answers);
    const others = s.slice(1);
    if (s[0]! > Math.max(...others)) wins++;
    margin += s[0]! - others.reduce((a, b) => a + b, 0) / others.length;
    scored++;
  }
  model.dispose();
  const result = {
    model: modelDir,
    questions: scored,
    trueBest: scored ? wins / scored : null,
    chance: 1 / (SHIFTS.length + 1),
    meanMargin: scored ? margin / scored : null,
  };
  printTable(
    ["model", "questions", "true answer likeliest (%)", "chance (%)", "mean log-likelihood margin (nats)"],
    [[modelDir, scored, ((100 * wins) / Math.max(1, scored)).toFixed(1), "20.0", (margin / Math.max(1, scored)).toFixed(2)]], // prettier-ignore
  );
  return result;
}
