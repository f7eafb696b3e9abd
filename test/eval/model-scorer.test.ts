/**
 * Scorer (b) with the shipped model (models/anyecg-small) on real records: the likelihood agrees
 * with what the model generates, the label scores are the statements' best scores along the
 * model's own report (each answer scored alone gives the same), and a run over real PTB-XL and
 * CinC 2017 reports gives the likelihood AUC rows.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readEcg } from "../../src/ecg/read.js";
import { parseEcgRoots, type EvalExample } from "../../src/eval/examples.js";
import { buildLabelSets, labelStatements } from "../../src/eval/label-sets.js";
import { logSumExp, statementAnswer, statementPoints } from "../../src/eval/likelihood.js";
import { ModelPredictor } from "../../src/eval/model-predictor.js";
import { runEval } from "../../src/eval/runner.js";
import { AnyEcg } from "../../src/model/index.js";
import { dataPath, describeData, samplesDir } from "../data.js";

const modelDir = join(import.meta.dirname, "..", "..", "models", "anyecg-small");
const model = existsSync(join(modelDir, "config.json")) ? await AnyEcg.load(modelDir) : null;
afterAll(() => model?.dispose());
const question = { role: "user" as const, content: "Describe this ECG. Be concise." };

(model ? describe : describe.skip)("the shipped model's likelihood", () => {
  it("scores the answer it generates as the sum of the log-probabilities it chose its tokens by", async () => {
    const ecg = await readEcg(join(samplesDir, "ptbxl-00001_lr.hea"));
    const steps: Float32Array[] = [];
    const out = model!.generate({
      ecgs: [ecg],
      messages: [question],
      onLogits: (l) => steps.push(l.slice()),
    });
    expect(out.finish).toBe("stop");
    expect(out.text).toMatch(/^Report: /);
    expect(model!.tokenizer.encode(out.text.trim())).toEqual(out.ids); // the text tokenizes back to its ids
    let expected = 0;
    out.ids.forEach((id, k) => {
      const row = steps[k]!;
      const n = model!.tokenizer.vocabSize;
      let max = -Infinity;
      for (let i = 0; i < n; i++) max = Math.max(max, row[i]!);
      let z = 0;
      for (let i = 0; i < n; i++) z += Math.exp(row[i]! - max);
      expected += row[id]! - max - Math.log(z);
    });
    const [got, other] = model!.scoreAnswers({ ecgs: [ecg], messages: [question] }, [
      out.text,
      "Report: Atrial fibrillation",
    ]);
    expect(Math.abs(got! - expected)).toBeLessThan(1e-3);
    expect(other!).toBeLessThan(0);
  });
});

(model ? describeData : describe.skip)("scorer (b) on real PTB-XL and CinC 2017 reports", () => {
  const scpFile = dataPath("ptbxl", "scp_statements.csv");

  it("scores each statement at its likeliest point of the model's own report, each answer scored alone", async () => {
    const [sup] = buildLabelSets(["ptbxl-super"], { scpFile });
    const ecg = await readEcg(dataPath("ptbxl", "records100", "00000", "00008_lr.hea"));
    const example: EvalExample = {
      question: question.content,
      answer: "Report: Inferior myocardial infarction, Abnormal QRS, Sinus rhythm",
      ecgPaths: [],
      dataset: "ptb-xl",
      task: "report",
      id: "ptb-xl-report-8",
    };
    const predictor = new ModelPredictor(model!, "anyecg");
    const { answer } = await predictor.predict({ example, ecgs: [ecg], paths: [] });
    const scores = await predictor.scoreLabels({ example, ecgs: [ecg], paths: [] }, [sup!], answer);
    expect(scores["ptbxl-super"]).toHaveLength(5);
    const request = { ecgs: [ecg], messages: [question] };
    const alone = (a: string): number => model!.scoreAnswers(request, [a])[0]!;
    const points = statementPoints(answer);
    expect(points.length).toBeGreaterThan(1); // the model wrote at least one statement
    // NORM (1 statement) and HYP (5): each answer alone, one prompt run each
    [0, 4].forEach((k) => {
      const label = sup!.labels[k]!;
      const best = labelStatements(label).map((s) =>
        Math.max(...points.map((p) => alone(p === "Report:" ? statementAnswer(s) : `${p}, ${s}`) - alone(p))),
      );
      expect(Math.abs(scores["ptbxl-super"]![k]! - logSumExp(best))).toBeLessThan(1e-3);
    });
  });

  it("runs the model over real reports and reports the likelihood AUC beside the statement AUC", async () => {
    const labelSets = buildLabelSets(["ptbxl-super", "cinc2017-af"], { scpFile });
    const report = (id: string, dataset: string, path: string, answer: string): EvalExample => ({
      question: question.content,
      answer,
      ecgPaths: [path],
      dataset,
      task: "report",
      id,
    });
    const examples = [
      report(
        "p8",
        "ptb-xl",
        "ptbxl/records100/00000/00008_lr",
        "Report: Inferior myocardial infarction, Sinus rhythm",
      ),
      report("p10", "ptb-xl", "ptbxl/records100/00000/00010_lr", "Report: Normal ECG, Sinus rhythm"),
      report("a5", "cinc2017", "cinc2017/A00005", "Report: Atrial fibrillation"),
      report("a10", "cinc2017", "cinc2017/A00010", "Report: Normal sinus rhythm"),
    ];
    const r = await runEval({
      examples,
      dataFile: "inline",
      roots: parseEcgRoots([dataPath()]),
      predictor: new ModelPredictor(model!, "anyecg"),
      labelSets,
      log: null,
    });
    for (const l of r.lines) {
      const [name, n] = l.dataset === "ptb-xl" ? ["ptbxl-super", 5] : ["cinc2017-af", 1];
      expect(Object.keys(l.label_scores!)).toEqual([name]);
      expect(l.label_scores![name!]).toHaveLength(n as number);
      expect(l.label_scores![name!]!.every((s) => Number.isFinite(s) && s < 0)).toBe(true);
    }
    const metrics = r.summary.rows.map((x) => `${x.dataset}|${x.metric}`);
    expect(metrics).toEqual(
      expect.arrayContaining([
        "ptb-xl|ptbxl-super AUC (a: statements)",
        "ptb-xl|ptbxl-super AUC (b: likelihood)",
        "cinc2017|cinc2017-af F1 (a: statements)",
        "cinc2017|cinc2017-af AUC (b: likelihood)",
      ]),
    );
    // one AF and one normal record: the AF AUC (b) is 0 or 1, ties aside
    const af = r.summary.rows.find((x) => x.metric === "cinc2017-af AUC (b: likelihood)")!.value!;
    expect([0, 0.5, 1]).toContain(af);
  });
});
