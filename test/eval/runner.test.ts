import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConstantPredictor, fitConstant } from "../../src/eval/baselines/constant.js";
import { InputError } from "../../src/errors.js";
import { parseEcgRoots, readExamples, type EvalExample } from "../../src/eval/examples.js";
import type { Predictor } from "../../src/eval/predictors.js";
import { resultsMarkdown, writeResults } from "../../src/eval/report.js";
import { readPredictionLines, runEval, selectExamples } from "../../src/eval/runner.js";
import { samplesDir } from "../data.js";

const fixture = join(import.meta.dirname, "fixtures", "runner.jsonl");
const trainFixture = join(import.meta.dirname, "fixtures", "runner-train.jsonl");
const roots = parseEcgRoots([samplesDir]);
const constant = (): ConstantPredictor => new ConstantPredictor(fitConstant(readExamples(trainFixture)));
const tmp = (): string => mkdtempSync(join(tmpdir(), "anyecg-eval-"));
const metric = (rows: { task: string; metric: string; value: number | null }[], task: string, m: string) =>
  rows.find((r) => r.task === task && r.metric === m)?.value;

/** A predictor that answers from a table, and counts its calls. */
function scripted(answers: Record<string, string>, name = "scripted"): Predictor & { calls: string[] } {
  const calls: string[] = [];
  return {
    name,
    needsEcgs: true,
    calls,
    predict({ example, ecgs }) {
      calls.push(example.id);
      // The runner cut the localization window out of the real record.
      if (example.ecgEnd !== undefined)
        expect(ecgs[0]!.signals[0]!.length).toBe(example.ecgEnd - example.ecgStart!);
      return Promise.resolve({ answer: answers[example.id] ?? "" });
    },
  };
}

describe("runEval with the constant baseline on real samples", () => {
  it("gives the scores worked out by hand", async () => {
    const examples = readExamples(fixture);
    const r = await runEval({ examples, dataFile: fixture, roots, predictor: constant(), log: null });
    const byId = Object.fromEntries(r.lines.map((l) => [l.id, l]));
    expect(byId["loc-v"]!.prediction).toBe("No Premature ventricular contraction Found");
    expect(byId["qa-1"]!.prediction).toBe("no"); // single-verify majority in training: no, no, yes
    expect(byId["qa-3"]!.prediction).toBe("none"); // single-query: none, none, v1
    expect(byId["rep-1"]!.prediction).toBe("Report: Sinus rhythm, Normal ECG"); // 2 of 3 reports
    const rows = r.summary.rows;
    // Location: IoU 0 (intervals vs "No ... Found") and 1 (both not found).
    expect(metric(rows, "location", "IoU (micro)")).toBe(0.5);
    expect(metric(rows, "location", "IoU (macro)")).toBe(0.5);
    // ECG-QA: 0, 1, 1; macro = mean(single-verify 1/2, single-query 1/1).
    expect(metric(rows, "ecgqa", "accuracy (micro)")).toBeCloseTo(2 / 3, 12);
    expect(metric(rows, "ecgqa", "accuracy (macro)")).toBe(0.75);
    expect(metric(rows, "report", "BLEU-1")).toBe(1);
    expect(metric(rows, "report", "ROUGE-L")).toBeCloseTo(1, 6); // the rouge package adds 1e-8 to P + R
    expect(r.lines.map((l) => l.score)).toEqual([0, 1, 0, 1, 1, 1]);
    expect(r.unreadable).toEqual([]);
  });

  it("without training examples answers No ... Found, no, and a sinus rhythm report", async () => {
    const examples = readExamples(fixture);
    const r = await runEval({
      examples,
      dataFile: fixture,
      roots,
      predictor: new ConstantPredictor(),
      log: null,
    });
    expect(r.lines.map((l) => l.prediction)).toEqual([
      "No Premature ventricular contraction Found",
      "No Atrial premature beat Found",
      "no",
      "no",
      "no",
      "Report: Sinus rhythm",
    ]);
  });

  it("writes predictions.jsonl, results.json and results.md", async () => {
    const out = tmp();
    const examples = readExamples(fixture);
    const r = await runEval({
      examples,
      dataFile: fixture,
      roots,
      predictor: constant(),
      outDir: out,
      log: null,
    });
    writeResults(out, r, { data: fixture });
    const lines = readFileSync(join(out, "predictions.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(6);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining(["id", "task", "question", "reference", "prediction", "score"]),
    );
    const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
      rows: unknown[];
      predictor: string;
    };
    expect(json.predictor).toBe("constant");
    expect(json.rows).toEqual(JSON.parse(JSON.stringify(r.summary.rows)));
    expect(readFileSync(join(out, "results.md"), "utf8")).toContain(
      "| location | mit_bih_arrhythmia | IoU (micro) | 50.00 | 2 |",
    );
  });
});

describe("resume", () => {
  it("skips the ids already in predictions.jsonl and drops a half-written last line", async () => {
    const out = tmp();
    const examples = readExamples(fixture);
    const p1 = scripted({ "loc-v": "Duration: 1.0s-2.8s" });
    await runEval({
      examples: examples.slice(0, 3),
      dataFile: fixture,
      roots,
      predictor: p1,
      outDir: out,
      log: null,
    });
    expect(p1.calls).toEqual(["loc-v", "loc-a", "qa-1"]);
    appendFileSync(join(out, "predictions.jsonl"), '{"id":"qa-2","pred'); // interrupted mid-write
    const p2 = scripted({ "qa-2": "no" });
    const r = await runEval({ examples, dataFile: fixture, roots, predictor: p2, outDir: out, log: null });
    expect(p2.calls).toEqual(["qa-2", "qa-3", "rep-1"]);
    expect(r.resumed).toBe(3);
    expect(r.predicted).toBe(3);
    expect(r.lines.map((l) => l.id)).toEqual(examples.map((e) => e.id));
    expect(r.lines[0]!.score).toBeCloseTo(1.8 / 6.3, 12); // resumed line keeps its answer (1.8 s of 6.3 s)
    expect(readPredictionLines(join(out, "predictions.jsonl"))).toHaveLength(6);
  });

  it("refuses to mix predictors in one output folder", async () => {
    const out = tmp();
    const examples = readExamples(fixture).slice(0, 1);
    await runEval({
      examples,
      dataFile: fixture,
      roots,
      predictor: scripted({}, "a"),
      outDir: out,
      log: null,
    });
    await expect(
      runEval({ examples, dataFile: fixture, roots, predictor: scripted({}, "b"), outDir: out, log: null }),
    ).rejects.toThrow(/holds predictions of "a", not "b"/);
  });
});

describe("bad input", () => {
  it("stops on a missing ECG file, naming its path, before predicting anything", async () => {
    const examples: EvalExample[] = readExamples(fixture).map((e, i) =>
      i === 4 ? { ...e, ecgPaths: ["no-such-record"] } : e,
    );
    const p = scripted({});
    const err = await runEval({ examples, dataFile: fixture, roots, predictor: p, log: null }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(join(samplesDir, "no-such-record"));
    expect((err as Error).message).toMatch(/ECG file not found/);
    expect(p.calls).toEqual([]);
  });

  it("lists the known tasks for an unknown one", () => {
    expect(() => selectExamples(readExamples(fixture), { tasks: ["location", "qa"] })).toThrow(
      /unknown task "qa" \(known tasks: report, location, location_long, ecgqa, multi\)/,
    );
    expect(selectExamples(readExamples(fixture), { tasks: ["ecgqa"], limit: 2 }).map((e) => e.id)).toEqual([
      "qa-1",
      "qa-2",
    ]);
  });

  it("--per-group keeps n examples of each task and dataset, spread over the group", () => {
    const ids = selectExamples(readExamples(fixture), { perGroup: 1 }).map((e) => e.id);
    expect(ids).toEqual(["loc-v", "qa-1", "rep-1"]);
    const two = selectExamples(readExamples(fixture), { perGroup: 2 }).map((e) => e.id);
    expect(two).toEqual(["loc-v", "loc-a", "qa-1", "qa-2", "rep-1"]);
    expect(() => selectExamples(readExamples(fixture), { perGroup: 0 })).toThrow(/--per-group/);
  });

  it("scores an unreadable answer 0, counts and lists it, and does not throw", async () => {
    const examples = readExamples(fixture);
    const p = scripted({
      "loc-v": "PVCs at about two seconds",
      "loc-a": "No Atrial premature beat Found",
      "qa-1": " ",
    });
    const r = await runEval({ examples, dataFile: fixture, roots, predictor: p, log: null });
    expect(r.lines[0]!.score).toBe(0);
    expect(r.lines[0]!.unreadable).toBe(true);
    expect(r.unreadable.map((u) => u.id)).toEqual(["loc-v", "qa-1", "qa-2", "qa-3", "rep-1"]);
    expect(metric(r.summary.rows, "location", "unreadable answers")).toBe(1);
    expect(metric(r.summary.rows, "location", "IoU (micro)")).toBe(0.5);
    expect(resultsMarkdown(r, { data: fixture })).toContain(
      '- `loc-v` (location): "PVCs at about two seconds"',
    );
  });

  it("rejects duplicate ids (resuming needs unique ids)", async () => {
    const [a] = readExamples(fixture);
    await expect(
      runEval({ examples: [a!, a!], dataFile: fixture, roots, predictor: constant(), log: null }),
    ).rejects.toThrow(/duplicate example id "loc-v"/);
  });

  it("rejects a broken predictions file rather than guessing", async () => {
    const out = tmp();
    writeFileSync(join(out, "predictions.jsonl"), "not json\n");
    await expect(
      runEval({
        examples: readExamples(fixture),
        dataFile: fixture,
        roots,
        predictor: constant(),
        outDir: out,
        log: null,
      }),
    ).rejects.toThrow(/predictions.jsonl: line 1: not a prediction line/);
  });
});
