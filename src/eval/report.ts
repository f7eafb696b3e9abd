/**
 * Results of an evaluation run: a text table for the terminal, `results.json` (every number,
 * including per-type detail) and `results.md` (the same tables for a human), next to the run's
 * `predictions.jsonl`. Metric values in [0, 1] are shown as percentages with two decimals, as
 * the paper prints them (IoU 56.10); counts are shown as they are.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabelSetScores, SummaryRow } from "./metrics/summary.js";
import type { RunResult } from "./runner.js";

/** Metrics that are counts, not fractions. */
const COUNT_METRICS = new Set(["unreadable answers"]);

/** A metric value for display: percent with 2 decimals, counts as integers, "-" for null. */
export function formatValue(metric: string, v: number | null): string {
  if (v === null) return "-";
  return COUNT_METRICS.has(metric) ? String(v) : (100 * v).toFixed(2);
}

/** Aligned plain-text table. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Markdown table. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string): string => c.replace(/\|/g, "\\|");
  return [
    `| ${headers.map(esc).join(" | ")} |`,
    `|${headers.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

const HEADERS = ["task", "dataset", "metric", "value", "n"];

function rowCells(rows: readonly SummaryRow[]): string[][] {
  return rows.map((r) => [r.task, r.dataset, r.metric, formatValue(r.metric, r.value), String(r.n)]);
}

/** The main table of a run, as text. */
export function resultsText(result: RunResult): string {
  return textTable(HEADERS, rowCells(result.summary.rows));
}

/** Run information written with the results. */
export interface ResultsMeta {
  data: string;
  command?: string;
  seconds?: number;
}

/** The whole results document (what results.json holds). */
export function resultsJson(result: RunResult, meta: ResultsMeta): Record<string, unknown> {
  return {
    predictor: result.predictor,
    ...meta,
    examples: result.lines.length,
    resumed: result.resumed,
    predicted: result.predicted,
    rows: result.summary.rows,
    groups: result.summary.groups.map((g) => {
      // Per-example arrays are in predictions.jsonl already.
      const { localization, qa, multi, ...rest } = g;
      return {
        ...rest,
        ...(localization ? { localization: { ...localization, ious: undefined } } : {}),
        ...(qa ? { qa: { ...qa, hits: undefined } } : {}),
        ...(multi ? { multi: { ...multi, perExample: undefined } } : {}),
      };
    }),
    unreadable: result.unreadable,
  };
}

const LABEL_HEADERS = [
  "label",
  "positives",
  "negatives",
  "AUC (a: statements)",
  "F1 (a: statements)",
  "AUC (b: likelihood)",
];

/** One row per label of a set: its reference counts and each scorer's figure ("-" when none). */
function labelRows(l: LabelSetScores): string[][] {
  const perLabel = l.statementAuc?.perLabel ?? l.likelihoodAuc?.perLabel ?? [];
  return perLabel.map((x, k) => [
    x.label,
    String(x.positives),
    String(x.negatives),
    formatValue("", l.statementAuc?.perLabel[k]!.auc ?? null),
    formatValue("", l.statementF1?.perLabel[k]!.f1 ?? null),
    formatValue("", l.likelihoodAuc?.perLabel[k]!.auc ?? null),
  ]);
}

/** results.md: the main table, per-label report AUC, per-finding IoU, per-question-type accuracy, unreadable answers. */
export function resultsMarkdown(result: RunResult, meta: ResultsMeta): string {
  const out: string[] = [`# Evaluation: ${result.predictor}`, ""];
  out.push(`Data: \`${meta.data}\`, ${result.lines.length} examples (${result.resumed} resumed).`);
  if (meta.command) out.push("", "```", meta.command, "```");
  out.push("", markdownTable(HEADERS, rowCells(result.summary.rows)), "");
  for (const g of result.summary.groups) {
    if (g.localization) {
      out.push(`## ${g.task} / ${g.dataset}: IoU per finding`, "");
      const rows = Object.entries(g.localization.perType).map(([t, s]) => [
        t,
        String(s.n),
        (100 * s.mean).toFixed(2),
        formatValue("", s.events.sensitivity),
        formatValue("", s.events.ppv),
      ]);
      out.push(markdownTable(["finding", "n", "IoU", "event Se", "event PPV"], rows), "");
    }
    for (const [name, l] of Object.entries(g.report?.labelSets ?? {})) {
      out.push(`## ${g.task} / ${g.dataset}: label set ${name} per label`, "");
      out.push(markdownTable(LABEL_HEADERS, labelRows(l)), "");
    }
    if (g.qa && Object.keys(g.qa.perType).length > 1) {
      out.push(`## ${g.task} / ${g.dataset}: accuracy per question type`, "");
      const rows = Object.entries(g.qa.perType).map(([t, s]) => [t, String(s.n), (100 * s.mean).toFixed(2)]);
      out.push(markdownTable(["question type", "n", "accuracy"], rows), "");
    }
  }
  if (result.unreadable.length) {
    out.push(`## Unreadable answers (${result.unreadable.length}, scored 0)`, "");
    for (const u of result.unreadable.slice(0, 100))
      out.push(`- \`${u.id}\` (${u.task}): ${JSON.stringify(u.prediction)}`);
    if (result.unreadable.length > 100)
      out.push(`- ... and ${result.unreadable.length - 100} more (see results.json)`);
    out.push("");
  }
  return out.join("\n");
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(file + ".tmp", text);
  renameSync(file + ".tmp", file);
}

/** Writes results.json and results.md into `outDir` (predictions.jsonl is written by the runner). */
export function writeResults(outDir: string, result: RunResult, meta: ResultsMeta): string[] {
  const json = join(outDir, "results.json");
  const md = join(outDir, "results.md");
  writeAtomic(json, JSON.stringify(resultsJson(result, meta), null, 2) + "\n");
  writeAtomic(md, resultsMarkdown(result, meta));
  return [json, md];
}
