import { describe, expect, it } from "vitest";
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
  ...(labelScores ? { labelScores } : {}),
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
  const labels = {
    "ptb-xl": ["sinus rhythm", "normal ECG", { name: "atrial fibrillation", aliases: ["AFIB"] }],
  };
  const s = summarize(records, { reportLabels: labels });

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
      "AUC (statement match)",
      "AUC (likelihood)",
    ]);
    expect(s.rows.every((r) => r.n === s.groups.find((g) => g.task === r.task)!.n)).toBe(true);
  });

  it("computes the report AUC with reference statements as truth (by hand)", () => {
    const auc = s.groups[0]!.report!.auc!;
    // Truth: sinus [1,0,1], normal [1,0,0], AF [0,1,0].
    // (a) matched predictions: sinus [1,1,1] -> 0.5; normal [1,0,1] -> 0.75; AF [0,0,0] -> 0.5.
    expect(auc.statementMatch.perLabel.map((l) => l.auc)).toEqual([0.5, 0.75, 0.5]);
    expect(auc.statementMatch.macro).toBeCloseTo(1.75 / 3, 15);
    // (b) likelihoods: sinus [0.9,0.6,0.7] -> 1; normal [0.8,0.2,0.4] -> 1; AF [0.1,0.7,0.2] -> 1.
    expect(auc.likelihood!.macro).toBe(1);
    expect(auc.unmatchedReferenceStatements).toBe(0);
  });

  it("leaves AUC out without labels, and likelihood out when a record lacks scores", () => {
    const noLabels = summarize(records);
    expect(noLabels.groups[0]!.report!.auc).toBeUndefined();
    const partial = summarize(
      records.map((r, i) => (i === 3 ? { example: r.example, prediction: r.prediction } : r)),
      { reportLabels: labels },
    );
    expect(partial.groups[0]!.report!.auc!.likelihood).toBeUndefined();
    expect(summarize([])).toEqual({ rows: [], groups: [] });
  });
});
