/**
 * `npm run bench -- copy --model dir [--model dir2 ...] [--n 100] [--json]`: does the language
 * model copy a beat note into its answer? It answers note drills (src/train/note-drills.ts) of
 * a seed the text stage does not train on (7; training uses the stage's seed), from the text
 * alone: a note, then a localization question whose answer is in the note. Reported per model:
 * exact answers, the mean IoU, and on the 10-s drills whose note names the finding asked the
 * IoU beside what answering the whole window there scores (the floor of a model that does not
 * copy but says "found" when the note names the finding).
 */
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseLocalizationAnswer } from "../src/data/intervals.js";
import { scoreLocalizationAnswer } from "../src/eval/metrics/iou.js";
import { AnyEcg } from "../src/model/index.js";
import { noteDrills } from "../src/train/note-drills.js";
import type { BenchOptions } from "./run.js";
import { arg, printTable } from "./util.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Seed of the drills asked (the text stages of our recipes train with seed 1). */
const DRILL_SEED = 7;

interface CopyScore {
  model: string;
  drills: number;
  exact: number;
  iou: number;
  namedIou: number;
  wholeWindowIou: number;
}

async function score(modelDir: string, n: number): Promise<CopyScore> {
  const model = await AnyEcg.load(modelDir, { merge: false });
  const drills = noteDrills(n, DRILL_SEED);
  let exact = 0;
  let iou = 0;
  let named = 0;
  let namedIou = 0;
  let whole = 0;
  try {
    for (const d of drills) {
      const answer = model.generate({
        messages: [{ role: "user", content: d.question }],
        maxTokens: 96,
      }).text;
      const s = scoreLocalizationAnswer(d.answer, answer).iou;
      if (answer === d.answer) exact++;
      iou += s;
      if (d.task !== "location" || !parseLocalizationAnswer(d.answer)?.found) continue;
      named++;
      namedIou += s;
      whole += scoreLocalizationAnswer(d.answer, "Duration: 0.0s-10.0s").iou;
    }
  } finally {
    model.dispose();
  }
  const pct = (x: number, of: number): number => (of ? (100 * x) / of : 0);
  return {
    model: modelDir,
    drills: n,
    exact,
    iou: pct(iou, n),
    namedIou: pct(namedIou, named),
    wholeWindowIou: pct(whole, named),
  };
}

export default async function copy(opts: BenchOptions): Promise<Record<string, unknown>> {
  const models = opts.args.flatMap((a, i) => (opts.args[i - 1] === "--model" ? [a] : []));
  if (models.length === 0) models.push(join(repoRoot, "models", "anyecg-small"));
  const n = Number(arg(opts.args, "--n") ?? 100);
  const scores: CopyScore[] = [];
  for (const m of models) scores.push(await score(m, n));
  printTable(
    ["model", "drills", "exact", "IoU", "IoU, 10-s notes naming the finding", "whole window there"],
    scores.map((s) => [s.model, s.drills, s.exact, s.iou.toFixed(1), s.namedIou.toFixed(1), s.wholeWindowIou.toFixed(1)]), // prettier-ignore
  );
  return { scores };
}
