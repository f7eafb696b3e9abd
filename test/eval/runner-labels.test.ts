/**
 * The runner's report label scores (scorer b): asked of predictors that have them, for report
 * examples of the datasets a set fits, kept in predictions.jsonl and added to resumed lines
 * without generating their answers again.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConstantPredictor } from "../../src/eval/baselines/constant.js";
import { parseEcgRoots, type EvalExample } from "../../src/eval/examples.js";
import type { LabelSet } from "../../src/eval/label-sets.js";
import type { Predictor } from "../../src/eval/predictors.js";
import { resultsMarkdown } from "../../src/eval/report.js";
import { readPredictionLines, runEval, type RunOptions } from "../../src/eval/runner.js";
import { samplesDir } from "../data.js";

const roots = parseEcgRoots([samplesDir]);
const dataFile = "inline-examples";
const tmp = (): string => mkdtempSync(join(tmpdir(), "anyecg-eval-labels-"));

const ex = (id: string, task: EvalExample["task"], dataset: string, answer: string): EvalExample => ({
  question: task === "report" ? "Describe this ECG." : "Does this ECG show sinus rhythm?",
  answer,
  ecgPaths: [task === "report" && dataset === "cinc2017" ? "mitdb-119-excerpt" : "ptbxl-00001_lr"],
  dataset,
  task,
  id,
});

const examples = [
  ex("r1", "report", "ptb-xl", "Report: Sinus rhythm, Normal ECG"),
  ex("r2", "report", "ptb-xl", "Report: Atrial fibrillation"),
  ex("r3", "report", "ptb-xl", "Report: Sinus rhythm, Inferior myocardial infarction"),
  ex("c1", "report", "cinc2017", "Report: Atrial fibrillation"),
  ex("q1", "ecgqa", "ecgqa-ptbxl", "yes"),
];

const sets: LabelSet[] = [
  {
    name: "rhythm",
    datasets: ["ptb-xl"],
    labels: [{ name: "Sinus rhythm" }, { name: "Atrial fibrillation" }],
  },
  { name: "af", datasets: ["cinc2017"], labels: [{ name: "Atrial fibrillation" }] },
];

/** Answers every report "Report: Sinus rhythm"; scores labels from a table; counts its calls. */
function scoring(): Predictor & { predicted: string[]; scored: string[] } {
  const predicted: string[] = [];
  const scored: string[] = [];
  // per example: [sinus, AF] likelihoods that rank the references right
  const table: Record<string, number[]> = { r1: [-1, -5], r2: [-4, -2], r3: [-2, -6], c1: [-3, -1] };
  return {
    name: "scoring",
    needsEcgs: true,
    predicted,
    scored,
    predict({ example }) {
      predicted.push(example.id);
      return Promise.resolve({ answer: example.task === "report" ? "Report: Sinus rhythm" : "yes" });
    },
    scoreLabels({ example, ecgs }, asked, answer) {
      expect(ecgs).toHaveLength(1); // the real record was read for the likelihood
      expect(answer).toBe("Report: Sinus rhythm"); // scored along its own answer
      scored.push(`${example.id}:${asked.map((s) => s.name).join("+")}`);
      const t = table[example.id]!;
      return Promise.resolve(Object.fromEntries(asked.map((s) => [s.name, s.name === "af" ? [t[1]!] : t])));
    },
  };
}

const value = (rows: { dataset: string; metric: string; value: number | null }[], d: string, m: string) =>
  rows.find((r) => r.dataset === d && r.metric === m)?.value;

/** runEval over this file's examples and label sets, quietly; `more` adds or overrides options. */
const run = (predictor: Predictor, more: Partial<RunOptions> = {}) =>
  runEval({ examples, dataFile, roots, predictor, labelSets: sets, log: null, ...more });

describe("runEval with label sets", () => {
  it("scores the report examples of each set's datasets and reports both scorers", async () => {
    const p = scoring();
    const r = await run(p);
    expect(p.scored).toEqual(["r1:rhythm", "r2:rhythm", "r3:rhythm", "c1:af"]);
    expect(r.lines.find((l) => l.id === "q1")!.label_scores).toBeUndefined();
    expect(r.lines[0]!.label_scores).toEqual({ rhythm: [-1, -5] });
    const rows = r.summary.rows;
    // (a): every report says sinus rhythm: sinus AUC 0.5, AF never said: 0.5
    expect(value(rows, "ptb-xl", "rhythm AUC (a: statements)")).toBe(0.5);
    // F1: sinus TP 2, FP 1 -> 0.8; AF TP 0, FN 1 -> 0
    expect(value(rows, "ptb-xl", "rhythm F1 (a: statements)")).toBeCloseTo(0.4, 15);
    expect(value(rows, "ptb-xl", "rhythm AUC (b: likelihood)")).toBe(1);
    // one CinC 2017 example, all positive: no AUC, F1 of AF 0 (it was missed)
    expect(value(rows, "cinc2017", "af AUC (b: likelihood)")).toBeNull();
    expect(value(rows, "cinc2017", "af F1 (a: statements)")).toBe(0);
    expect(resultsMarkdown(r, { data: dataFile })).toContain(
      "| Atrial fibrillation | 1 | 2 | 50.00 | 0.00 | 100.00 |",
    );
  });

  it("adds label scores to resumed lines without generating their answers again", async () => {
    const out = tmp();
    const first = scoring();
    await run(first, { outDir: out, scorer: "a" });
    expect(first.predicted).toHaveLength(5);
    expect(first.scored).toEqual([]); // scorer a asks for no likelihood
    const second = scoring();
    const r = await run(second, { outDir: out });
    expect(second.predicted).toEqual([]);
    expect(second.scored).toEqual(["r1:rhythm", "r2:rhythm", "r3:rhythm", "c1:af"]);
    expect([r.resumed, r.predicted]).toEqual([5, 0]);
    expect(value(r.summary.rows, "ptb-xl", "rhythm AUC (b: likelihood)")).toBe(1);
    // the rescored lines were written again: the later line of an id wins
    const lines = readPredictionLines(join(out, "predictions.jsonl"));
    expect(lines.map((l) => l.id)).toEqual(["r1", "r2", "r3", "c1", "q1"]);
    expect(lines[3]!.label_scores).toEqual({ af: [-1] });
    const third = scoring();
    await run(third, { outDir: out });
    expect([third.predicted, third.scored]).toEqual([[], []]);
  });

  it("scores again, without generating, the lines whose label scores an earlier scorer wrote", async () => {
    const out = tmp();
    await run(scoring(), { outDir: out });
    const file = join(out, "predictions.jsonl");
    const old = readPredictionLines(file).map((l) =>
      l.id === "r2" ? { ...l, label_scores: { rhythm: [0, 0] }, label_scorer: "opening" } : l,
    );
    writeFileSync(file, old.map((l) => JSON.stringify(l) + "\n").join(""));
    const again = scoring();
    const r = await run(again, { outDir: out });
    expect([again.predicted, again.scored]).toEqual([[], ["r2:rhythm"]]);
    expect(r.lines.find((l) => l.id === "r2")!.label_scores).toEqual({ rhythm: [-4, -2] });
  });

  it("predicts again a resumed line whose question or reference has changed in the data", async () => {
    const out = tmp();
    await run(scoring(), { outDir: out });
    const edited = examples.map((e) =>
      e.id === "r2"
        ? { ...e, answer: "Report: Sinus rhythm" }
        : e.id === "q1"
          ? { ...e, question: "Is it AF?" }
          : e,
    );
    const again = scoring();
    const r = await run(again, { examples: edited, outDir: out });
    expect(again.predicted).toEqual(["r2", "q1"]);
    expect(again.scored).toEqual(["r2:rhythm"]);
    expect([r.resumed, r.predicted]).toEqual([3, 2]);
    expect(r.lines.find((l) => l.id === "q1")!.question).toBe("Is it AF?");
  });

  it("gives a baseline (no likelihood) statement rows only, and refuses scorer b for it", async () => {
    const constant = new ConstantPredictor();
    const r = await run(constant);
    const metrics = r.summary.rows.filter((x) => x.dataset === "ptb-xl").map((x) => x.metric);
    expect(metrics).toContain("rhythm AUC (a: statements)");
    expect(metrics.some((m) => m.includes("(b: likelihood)"))).toBe(false);
    await expect(run(constant, { scorer: "b" })).rejects.toThrow(
      "--scorer: scorer b is the model's likelihood: constant has none (use --scorer a)",
    );
  });
});
