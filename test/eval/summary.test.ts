import { describe, expect, it } from "vitest";
import type { LabelSet } from "../../src/eval/label-sets.js";
import { summarize, type EvalRecord } from "../../src/eval/metrics/summary.js";

const rec = (
  task: EvalRecord["example"]["task"],
  dataset: string,
  answer: string,
  prediction: string,
  extra: Partial<EvalRecord["example"]> = {},
  labelScores?: number[],
): EvalRecord => ({
  example: { task, dataset, answer, ...extra },
  prediction,
  ...(labelScores ? { labelScores: { toy: labelScores } } : {}),
});

describe("summarize", () => {
  const records: EvalRecord[] = [
    rec("multi", "ptb-xl", "yes", "yes"),
    rec("location", "mit_bih_arrhythmia", "Duration: 1.0s-2.0s", "Duration: 1.5s-2.0s", {
      abnormalType: "V",
    }),
    rec("location", "mit_bih_arrhythmia", "No A Found", "???", { abnormalType: "A", id: "e2" }),
    rec(
      "report",
      "ptb-xl",
      "Report: sinus rhythm, normal ECG",
      "Report: sinus rhythm, normal ECG",
      {},
      [0.9, 0.8, 0.1],
    ),
    rec("report", "ptb-xl", "Report: atrial fibrillation", "Report: sinus rhythm", {}, [0.6, 0.2, 0.7]),
    rec("report", "ptb-xl", "Report: sinus rhythm", "Report: sinus rhythm, normal ECG", {}, [0.7, 0.4, 0.2]),
    rec("ecgqa", "ptbxl", "yes", "no", { questionType: "single-verify" }),
    rec("ecgqa", "ptbxl", "a, b", "b, a", { questionType: "single-query" }),
    rec("ecgqa", "ptbxl", "c", "c", { questionType: "single-query" }),
  ];
  const toy: LabelSet = {
    name: "toy",
    datasets: ["ptb-xl"],
    labels: [
      { name: "sinus rhythm" },
      { name: "normal ECG" },
      { name: "atrial fibrillation", aliases: ["AFIB", "Atrial fibrillation"] },
    ],
  };
  // a set for another dataset is not applied to ptb-xl's reports
  const other: LabelSet = { name: "other", datasets: ["cinc2017"], labels: [{ name: "sinus rhythm" }] };
  const labelSets = [toy, other];
  const s = summarize(records, { labelSets });

  it("groups by task (report, location, ecgqa, multi) and dataset", () => {
    expect(s.groups.map((g) => [g.task, g.dataset, g.n])).toEqual([
      ["report", "ptb-xl", 3],
      ["location", "mit_bih_arrhythmia", 2],
      ["ecgqa", "ptbxl", 3],
      ["multi", "ptb-xl", 1],
    ]);
  });

  it("lays out one row per metric", () => {
    const row = (task: string, metric: string): number | null | undefined =>
      s.rows.find((r) => r.task === task && r.metric === metric)?.value;
    expect(row("location", "IoU (micro)")).toBeCloseTo(0.25, 15); // (0.5 + 0) / 2
    expect(row("location", "IoU (macro)")).toBeCloseTo(0.25, 15);
    expect(row("location", "unreadable answers")).toBe(1);
    expect(row("ecgqa", "accuracy (micro)")).toBeCloseTo(2 / 3, 15);
    expect(row("ecgqa", "accuracy (macro)")).toBeCloseTo(0.5, 15); // verify 0, query 1
    expect(row("multi", "accuracy")).toBe(1);
    expect(row("multi", "comparison accuracy")).toBe(1);
    expect(row("multi", "findings F1")).toBeUndefined();
    expect(s.rows.filter((r) => r.task === "report").map((r) => r.metric)).toEqual([
      "BLEU-1",
      "BLEU-2",
      "BLEU-3",
      "BLEU-4",
      "BLEU-4 (cumulative)",
      "ROUGE-1",
      "ROUGE-2",
      "ROUGE-L",
      "ROUGE-L (rouge_score)",
      "toy AUC (a: statements)",
      "toy F1 (a: statements)",
      "toy AUC (b: likelihood)",
    ]);
    expect(s.rows.every((r) => r.n === s.groups.find((g) => g.task === r.task)!.n)).toBe(true);
  });

  it("computes the report AUC with reference statements as truth (by hand)", () => {
    expect(Object.keys(s.groups[0]!.report!.labelSets!)).toEqual(["toy"]);
    const l = s.groups[0]!.report!.labelSets!.toy!;
    // Truth: sinus [1,0,1], normal [1,0,0], AF [0,1,0]; every reference has a label.
    expect([l.positives, l.negatives]).toEqual([3, 0]);
    // (a) matched predictions: sinus [1,1,1] -> 0.5; normal [1,0,1] -> 0.75; AF [0,0,0] -> 0.5.
    expect(l.statementAuc!.perLabel.map((x) => x.auc)).toEqual([0.5, 0.75, 0.5]);
    expect(l.statementAuc!.macro).toBeCloseTo(1.75 / 3, 15);
    // F1 = 2TP / (2TP + FP + FN): sinus 4/5, normal 2/3, AF 0/1.
    expect(l.statementF1!.perLabel.map((x) => [x.tp, x.fp, x.fn])).toEqual([
      [2, 1, 0],
      [1, 1, 0],
      [0, 0, 1],
    ]);
    expect(l.statementF1!.macro).toBeCloseTo((0.8 + 2 / 3 + 0) / 3, 15);
    // (b) likelihoods: sinus [0.9,0.6,0.7] -> 1; normal [0.8,0.2,0.4] -> 1; AF [0.1,0.7,0.2] -> 1.
    expect(l.likelihoodAuc!.macro).toBe(1);
  });

  it("leaves AUC out without label sets, and likelihood out when a record lacks scores", () => {
    const noLabels = summarize(records);
    expect(noLabels.groups[0]!.report!.labelSets).toBeUndefined();
    const partial = summarize(
      records.map((r, i) => (i === 3 ? { example: r.example, prediction: r.prediction } : r)),
      { labelSets },
    );
    expect(partial.groups[0]!.report!.labelSets!.toy!.likelihoodAuc).toBeUndefined();
    expect(partial.rows.map((r) => r.metric)).not.toContain("toy AUC (b: likelihood)");
    expect(summarize([])).toEqual({ rows: [], groups: [] });
  });

  it("reports only the scorer asked for", () => {
    const metrics = (scorer: "a" | "b"): string[] =>
      summarize(records, { labelSets, scorer })
        .rows.filter((r) => r.metric.startsWith("toy"))
        .map((r) => r.metric);
    expect(metrics("a")).toEqual(["toy AUC (a: statements)", "toy F1 (a: statements)"]);
    expect(metrics("b")).toEqual(["toy AUC (b: likelihood)"]);
  });
});
