/**
 * `npm run bench -- probe --model <dir> [--model <dir> ...] [--per-group n] [--json]`: the
 * encoder probe (src/eval/baselines/encoder-probe.ts) of labels-stage checkpoints on the
 * validation localization examples, side by side: localization IoU read from the encoder's time
 * tokens alone, without the language model. Used for the patch-length ablation (encoders trained
 * with 0.5-s and 2-s patches by the same labels stage). Examples: the quality bench's validation
 * split (runs/quality/dataset, built when missing), tasks location and location_long. Then the
 * token-level AUC per finding on windows of the held-out records (threshold-free), and how well
 * the encoder tells a 10-s window with the finding asked from one without (the presence the
 * language model's first answer word decides, and the IoU that decision alone would reach). Last,
 * the record-level AUC of the head's whole-record findings (CinC 2017's AF and classes, PTB-XL's
 * superclasses) on their validation records: whether the encoder or the language model limits
 * the report task's statements.
 */
import { existsSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataset } from "../src/data/build.js";
import { loadCinc2017Rhythms } from "../src/data/sources/cinc2017.js";
import { loadCpsc2021 } from "../src/data/sources/cpsc2021.js";
import { loadMitdb } from "../src/data/sources/mitdb.js";
import { loadPtbxlClasses } from "../src/data/sources/ptbxl.js";
import { EncoderProbePredictor } from "../src/eval/baselines/encoder-probe.js";
import { parseEcgRoots, readExamples, resolveEcgPaths, type EvalExample } from "../src/eval/examples.js";
import { rocAuc } from "../src/eval/metrics/auc.js";
import { parseLocalizationIntervals } from "../src/eval/metrics/iou.js";
import { readExampleEcgs } from "../src/eval/predictors.js";
import { formatValue } from "../src/eval/report.js";
import { runEval, selectExamples } from "../src/eval/runner.js";
import { constantPredictor } from "../src/eval/setup.js";
import type { BenchOptions } from "./run.js";
import { dataDir, printTable } from "./util.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function values(args: string[], name: string): string[] {
  return args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]!] : []));
}

export default async function probe(opts: BenchOptions): Promise<Record<string, unknown>> {
  const models = values(opts.args, "--model");
  if (models.length === 0) throw new Error("probe: give --model <labels-stage model folder> (one or more)");
  const dsDir = join(repoRoot, "runs", "quality", "dataset");
  const validFile = join(dsDir, "valid.jsonl");
  if (!existsSync(validFile)) await buildDataset({ dataDir, outDir: dsDir, seed: 0, force: true, log: null });
  const perGroup = Number(values(opts.args, "--per-group")[0] ?? 25);
  const examples = selectExamples(readExamples(validFile), {
    tasks: ["location", "location_long"],
    perGroup,
  });
  const constant = constantPredictor(join(dsDir, "train.jsonl"));
  const validRecords = [...(await loadMitdb(dataDir)), ...(await loadCpsc2021(dataDir))].filter(
    (r) => r.split === "valid",
  );
  const wholeRecords = [...(await loadCinc2017Rhythms(dataDir)), ...(await loadPtbxlClasses(dataDir))].filter(
    (r) => r.split === "valid",
  );
  const aucs: Record<string, Record<string, { positives: number; auc: number | null }>> = {};
  const recordAucs: Record<string, Record<string, { n: number; positives: number; auc: number | null }>> = {};
  const presence: Record<string, Record<string, Presence>> = {};
  const columns: { model: string; rows: { task: string; dataset: string; metric: string; n: number; value: number | null }[] }[] = []; // prettier-ignore
  for (const dir of models) {
    const predictor = await EncoderProbePredictor.load(dir, constant);
    const r = await runEval({ examples, dataFile: validFile, roots: parseEcgRoots([dataDir]), predictor });
    columns.push({ model: dir, rows: r.summary.rows.filter((row) => row.metric.startsWith("IoU")) });
    aucs[dir] = await predictor.tokenAuc(validRecords, dataDir, { windows: 512, seed: 1 });
    presence[dir] = await windowPresence(predictor, examples, validFile);
    recordAucs[dir] = await predictor.recordAuc(wholeRecords, dataDir);
  }
  const keys = columns[0]!.rows.map((r) => `${r.task}|${r.dataset}|${r.metric}`);
  printTable(
    ["task", "dataset", "metric", "n", ...models],
    keys.map((k, i) => {
      const r = columns[0]!.rows[i]!;
      const cells = columns.map((c) => {
        const v = c.rows.find((x) => `${x.task}|${x.dataset}|${x.metric}` === k)?.value ?? null;
        return formatValue(r.metric, v);
      });
      return [r.task, r.dataset, r.metric, r.n, ...cells];
    }),
  );
  console.log(
    "\ntoken-level AUC on 512 windows of the held-out records (findings with >= 20 positive tokens):",
  );
  const findings = Object.keys(aucs[models[0]!]!).filter((f) =>
    models.some((m) => aucs[m]![f]!.auc !== null),
  );
  const macro = (m: string): number | null => {
    const v = findings.map((f) => aucs[m]![f]!.auc).filter((a): a is number => a !== null);
    return v.length ? v.reduce((s, a) => s + a, 0) / v.length : null;
  };
  printTable(
    ["finding", "positives", ...models],
    [
      ...findings.map((f) => [
        f,
        aucs[models[0]!]![f]!.positives,
        ...models.map((m) => formatValue("AUC", aucs[m]![f]!.auc)),
      ]),
      ["macro", "", ...models.map((m) => formatValue("AUC", macro(m)))],
    ],
  );
  console.log(
    "\nwindow presence (10-s questions): AUC of the highest token logit for the finding asked, and the IoU of",
  );
  console.log("answering the whole window above the best threshold, else No ... Found (a ceiling: the threshold is fit here):"); // prettier-ignore
  const sets = Object.keys(presence[models[0]!]!);
  printTable(
    ["dataset", "n", ...models.flatMap((m) => [`AUC ${m}`, `IoU ${m}`])],
    sets.map((d) => [
      d,
      presence[models[0]!]![d]!.n,
      ...models.flatMap((m) => [formatValue("AUC", presence[m]![d]!.auc), formatValue("IoU", presence[m]![d]!.ceiling)]), // prettier-ignore
    ]),
  );
  console.log(
    "\nrecord-level AUC of the mean token logit, validation records labelled as a whole (CinC 2017, PTB-XL fold 9):",
  );
  const named = [...new Set(models.flatMap((m) => Object.keys(recordAucs[m]!)))];
  printTable(
    ["finding", "records", "positives", ...models],
    named.map((f) => {
      const first = models.map((m) => recordAucs[m]![f]).find(Boolean)!;
      return [f, first.n, first.positives, ...models.map((m) => formatValue("AUC", recordAucs[m]![f]?.auc ?? null))]; // prettier-ignore
    }),
  );
  return { data: validFile, perGroup, examples: examples.length, columns, tokenAuc: aucs, presence, recordAuc: recordAucs }; // prettier-ignore
}

interface Presence {
  n: number;
  auc: number | null;
  ceiling: number;
}

/**
 * Per dataset, over its 10-s localization questions: how well the encoder's highest token logit
 * for the finding asked tells windows with the finding from windows without, and the IoU of the
 * answers the language model could give with that alone (the whole window, or No ... Found).
 */
async function windowPresence(
  predictor: EncoderProbePredictor,
  examples: readonly EvalExample[],
  dataFile: string,
): Promise<Record<string, Presence>> {
  const rows: { dataset: string; score: number; found: boolean; cover: number }[] = [];
  const roots = parseEcgRoots([dataDir]);
  for (const e of examples) {
    if (e.task !== "location" || !e.abnormalType) continue;
    const paths = resolveEcgPaths(e, roots, dataFile);
    const [ecg] = await readExampleEcgs(e, paths);
    const score = predictor.maxLogit(ecg!, e.abnormalType);
    const spans = parseLocalizationIntervals(e.answer);
    if (score === null || spans === null) continue;
    const seconds = ecg!.signals[0]!.length / ecg!.fs;
    const cover = spans.reduce((s, x) => s + x.end - x.start, 0) / seconds;
    rows.push({ dataset: e.dataset, score, found: spans.length > 0, cover: Math.min(1, cover) });
  }
  const out: Record<string, Presence> = {};
  for (const dataset of [...new Set(rows.map((r) => r.dataset))]) {
    const some = rows.filter((r) => r.dataset === dataset);
    const iouAbove = (t: number): number =>
      some.reduce((s, r) => s + (r.score > t ? (r.found ? r.cover : 0) : r.found ? 0 : 1), 0) / some.length;
    const ceiling = Math.max(iouAbove(-Infinity), ...some.map((r) => iouAbove(r.score)));
    const auc = rocAuc(
      some.map((r) => r.score),
      some.map((r) => r.found),
    );
    out[dataset] = { n: some.length, auc, ceiling };
  }
  return out;
}
