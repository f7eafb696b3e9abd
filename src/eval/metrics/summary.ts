/**
 * `summarize`: scores a set of predictions with each task's metrics, grouped by task and dataset,
 * and lays the numbers out as table rows.
 *
 * Metrics per task (definitions in each module's top comment):
 * - report: BLEU-1..4 (individual, as the paper; `bleu.ts`), cumulative BLEU-4, ROUGE-1/2/L F1 of
 *   the `rouge` package (as the paper) and ROUGE-L of `rouge_score` (`rouge.ts`), and, for each
 *   label set that fits the dataset (`label-sets.ts`), with truth = the reference report's
 *   statements matched to the labels: "<set> AUC (a: statements)" and "<set> F1 (a: statements)",
 *   macro over labels, the predicted report's statements matched the same way (`auc.ts`,
 *   `f1.ts`); "<set> AUC (b: likelihood)", macro AUC of the records' `labelScores` for the set
 *   (the model's likelihood, `likelihood.ts`), when every record has them;
 * - location, location_long: micro/macro IoU over abnormal types, event sensitivity/PPV, the
 *   number of unreadable answers (`iou.ts`);
 * - ecgqa: micro/macro exact-match accuracy over question types (`exact-match.ts`);
 * - multi: exact-match accuracy, comparison accuracy, findings F1 (`multi.ts`).
 */
import type { EvalExample, EvalTask } from "../examples.js";
import { KNOWN_TASKS } from "../examples.js";
import { macroAuc, type MacroAuc } from "./auc.js";
import { reportBleu, type ReportBleu } from "./bleu.js";
import { scoreQa, type QaScores } from "./exact-match.js";
import { scoreLocalization, type LocalizationScores } from "./iou.js";
import { scoreMulti, type MultiScores } from "./multi.js";
import { reportRouge, type ReportRouge } from "./rouge.js";
import { macroF1, type MacroF1 } from "./f1.js";
import { StatementMatcher } from "./statements.js";
import type { LabelSet, Scorer } from "../label-sets.js";

/** One example with the model's answer. */
export interface EvalRecord {
  example: Pick<EvalExample, "task" | "dataset" | "answer"> &
    Partial<Pick<EvalExample, "abnormalType" | "questionType" | "id">>;
  prediction: string;
  /** Report only: the model's score per label (scorer b), by label set name, in the set's label order. */
  labelScores?: Readonly<Record<string, readonly number[]>>;
}

/** Options of `summarize`. */
export interface SummarizeOptions {
  /** Label sets of the report AUC (each applies to the datasets it names). */
  labelSets?: readonly LabelSet[];
  /** Which AUC scorers to report (default both; (b) only where records have label scores). */
  scorer?: Scorer;
}

/** Report metrics of one dataset. */
export interface ReportSummary {
  bleu: ReportBleu;
  rouge: ReportRouge;
  /** Per label set that fits the dataset, by set name. */
  labelSets?: Record<string, LabelSetScores>;
}

/** The report metrics of one label set. */
export interface LabelSetScores {
  /** Reference examples with at least one label of the set, and without any. */
  positives: number;
  negatives: number;
  /** Scorer (a): statements of the generated report matched to the labels. */
  statementAuc?: MacroAuc;
  statementF1?: MacroF1;
  /** Scorer (b): the records' label scores (the model's likelihood). */
  likelihoodAuc?: MacroAuc;
}

/** All metrics of one task and dataset. */
export interface GroupSummary {
  task: EvalTask;
  dataset: string;
  n: number;
  report?: ReportSummary;
  localization?: LocalizationScores;
  qa?: QaScores;
  multi?: MultiScores;
}

/** One table row: one metric of one task and dataset. */
export interface SummaryRow {
  task: EvalTask;
  dataset: string;
  metric: string;
  /** null when the metric is undefined here (e.g. AUC with every label skipped). */
  value: number | null;
  n: number;
}

/** What `summarize` returns: rows for a table, and the full detail per group. */
export interface Summary {
  rows: SummaryRow[];
  groups: GroupSummary[];
}

function summarizeLabelSet(records: readonly EvalRecord[], set: LabelSet, scorer: Scorer): LabelSetScores {
  const matcher = new StatementMatcher(set.labels);
  const truth = records.map((r) => matcher.match(r.example.answer).scores);
  const anyLabel = truth.filter((t) => t.some(Boolean)).length;
  const out: LabelSetScores = { positives: anyLabel, negatives: records.length - anyLabel };
  if (scorer !== "b") {
    const matched = records.map((r) => matcher.match(r.prediction).scores);
    out.statementAuc = macroAuc(matched, truth, matcher.labels);
    out.statementF1 = macroF1(matched, truth, matcher.labels);
  }
  const scores = records.map((r) => r.labelScores?.[set.name]);
  if (scorer !== "a" && scores.every((s) => s?.length === matcher.labels.length))
    out.likelihoodAuc = macroAuc(scores as (readonly number[])[], truth, matcher.labels);
  return out;
}

function summarizeReport(
  records: readonly EvalRecord[],
  dataset: string,
  opts: SummarizeOptions,
): ReportSummary {
  const refs = records.map((r) => r.example.answer);
  const preds = records.map((r) => r.prediction);
  const out: ReportSummary = { bleu: reportBleu(refs, preds), rouge: reportRouge(refs, preds) };
  const sets = (opts.labelSets ?? []).filter((s) => s.datasets.includes(dataset));
  if (sets.length)
    out.labelSets = Object.fromEntries(
      sets.map((s) => [s.name, summarizeLabelSet(records, s, opts.scorer ?? "both")]),
    );
  return out;
}

function summarizeGroup(
  task: EvalTask,
  dataset: string,
  records: readonly EvalRecord[],
  opts: SummarizeOptions,
): GroupSummary {
  const g: GroupSummary = { task, dataset, n: records.length };
  const items = records.map((r) => ({ reference: r.example.answer, prediction: r.prediction }));
  if (task === "report") g.report = summarizeReport(records, dataset, opts);
  else if (task === "location" || task === "location_long") {
    g.localization = scoreLocalization(
      records.map((r, i) => {
        const id = r.example.id === undefined ? {} : { id: r.example.id };
        return { ...items[i]!, abnormalType: r.example.abnormalType ?? "unknown", ...id };
      }),
    );
  } else if (task === "ecgqa") {
    g.qa = scoreQa(records.map((r, i) => ({ ...items[i]!, questionType: r.example.questionType ?? "all" })));
  } else g.multi = scoreMulti(items);
  return g;
}

function rowsOf(g: GroupSummary): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const add = (metric: string, value: number | null): void => {
    rows.push({ task: g.task, dataset: g.dataset, metric, value, n: g.n });
  };
  if (g.report) {
    g.report.bleu.individual.forEach((v, i) => add(`BLEU-${i + 1}`, v));
    add("BLEU-4 (cumulative)", g.report.bleu.cumulative[3]);
    add("ROUGE-1", g.report.rouge.paper.rouge1);
    add("ROUGE-2", g.report.rouge.paper.rouge2);
    add("ROUGE-L", g.report.rouge.paper.rougeL);
    add("ROUGE-L (rouge_score)", g.report.rouge.rougeScore.rougeL);
    for (const [set, l] of Object.entries(g.report.labelSets ?? {})) {
      if (l.statementAuc) add(`${set} AUC (a: statements)`, l.statementAuc.macro);
      if (l.statementF1) add(`${set} F1 (a: statements)`, l.statementF1.macro);
      if (l.likelihoodAuc) add(`${set} AUC (b: likelihood)`, l.likelihoodAuc.macro);
    }
  }
  if (g.localization) {
    add("IoU (micro)", g.localization.microIoU);
    add("IoU (macro)", g.localization.macroIoU);
    add("event sensitivity", g.localization.events.sensitivity);
    add("event PPV", g.localization.events.ppv);
    add("unreadable answers", g.localization.unreadable.filter((u) => u.side === "prediction").length);
  }
  if (g.qa) {
    add("accuracy (micro)", g.qa.microAccuracy);
    add("accuracy (macro)", g.qa.macroAccuracy);
  }
  if (g.multi) {
    add("accuracy", g.multi.accuracy);
    if (g.multi.comparison.n) add("comparison accuracy", g.multi.comparison.accuracy);
    if (g.multi.findings.n) add("findings F1", g.multi.findings.meanF1);
  }
  return rows;
}

/** Scores records grouped by task (in `KNOWN_TASKS` order) and dataset (alphabetical). */
export function summarize(records: readonly EvalRecord[], opts: SummarizeOptions = {}): Summary {
  const byKey = new Map<string, EvalRecord[]>();
  for (const r of records) {
    const key = JSON.stringify([r.example.task, r.example.dataset]);
    const list = byKey.get(key) ?? [];
    list.push(r);
    byKey.set(key, list);
  }
  const keys = [...byKey.keys()]
    .map((k) => JSON.parse(k) as [EvalTask, string])
    .sort(
      (a, b) =>
        KNOWN_TASKS.indexOf(a[0]) - KNOWN_TASKS.indexOf(b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0),
    );
  const groups = keys.map(([task, dataset]) =>
    summarizeGroup(task, dataset, byKey.get(JSON.stringify([task, dataset]))!, opts),
  );
  return { rows: groups.flatMap(rowsOf), groups };
}
