/**
 * AnyEcg.scoreAnswers: the summed log-probability of candidate answers, computed with one prompt
 * run and a shared-prefix walk over the candidates, must equal the plain full recomputation
 * (`promptLogits` with the candidate's ids appended), on a tiny random model with real ECGs.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { Rng } from "../../src/tensor/index.js";
import { AnyEcg, Tokenizer, tinyConfig, type ChatOptions } from "../../src/model/index.js";
import { samplesDir } from "../data.js";

const mitdb = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
const ptbxl = await readEcg(join(samplesDir, "ptbxl-00001_lr.hea"));

const tok = Tokenizer.train(
  [
    "Describe this ECG. Report: Sinus rhythm, Normal ECG. Report: Sinus tachycardia. Report: Atrial fibrillation",
    "Report: Premature ventricular contraction, Left ventricular hypertrophy. Which ECG? The first ECG.",
  ],
  256 + 9 + 40,
);

/** log p(answer | prompt) from the full recomputation, in float64. */
function reference(model: AnyEcg, opts: ChatOptions, answer: string): number {
  const ids = tok.encode(answer.trim());
  const logits = model.promptLogits(opts, ids);
  const V = model.config.lm.vocabSize;
  const n = tok.vocabSize;
  const prompt = logits.length / V - ids.length;
  let sum = 0;
  ids.forEach((id, j) => {
    const row = logits.subarray((prompt - 1 + j) * V, (prompt + j) * V);
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, row[i]!);
    let z = 0;
    for (let i = 0; i < n; i++) z += Math.exp(row[i]! - max);
    sum += row[id]! - max - Math.log(z);
  });
  return sum;
}

describe("AnyEcg.scoreAnswers", () => {
  const model = new AnyEcg(tinyConfig(tok.vocabSize), tok, 5);
  // random LoRA B matrices, so the adapters take part
  const rng = new Rng(3);
  for (const l of model.lm.loraLayers()) {
    const b = l.b!.data;
    for (let i = 0; i < b.length; i++) b[i] = rng.normal() * 0.05;
  }
  const question = { role: "user" as const, content: "Describe this ECG." };
  // shared prefixes, one candidate a prefix of another, a duplicate, an unrelated one, an empty one
  const answers = [
    "Report: Sinus rhythm, Normal ECG",
    "Report: Sinus rhythm",
    "Report: Sinus tachycardia",
    "Report: Atrial fibrillation",
    "The first ECG.",
    "Report: Sinus rhythm",
    "  Report: Atrial fibrillation ",
    "",
  ];

  it("equals the log-probabilities of the full recomputation, with two ECGs", () => {
    const opts = { ecgs: [ptbxl, mitdb], messages: [question] };
    const got = model.scoreAnswers(opts, answers);
    expect(got).toHaveLength(answers.length);
    answers.forEach((a, i) => expect(Math.abs(got[i]! - reference(model, opts, a))).toBeLessThan(2e-3));
    expect(got[7]).toBe(0); // nothing to say has probability 1
    expect(got[1]).toBe(got[5]); // duplicates score the same
    expect(got[3]).toBeCloseTo(got[6]!, 12); // answers are trimmed, as the chat template does
    expect(got[0]!).toBeLessThan(got[1]!); // a longer answer adds negative log-probabilities
    expect(got.every((s) => Number.isFinite(s) && s <= 0)).toBe(true);
  });

  it("gives each candidate the same score alone as in a batch (no state leaks between candidates)", () => {
    const opts = { ecgs: [mitdb], messages: [question] };
    const all = model.scoreAnswers(opts, answers);
    for (const i of [0, 2, 4]) {
      expect(model.scoreAnswers(opts, [answers[i]!])[0]).toBeCloseTo(all[i]!, 4);
      expect(Math.abs(all[i]! - reference(model, opts, answers[i]!))).toBeLessThan(2e-3);
    }
  });

  it("depends on the ECGs and their order", () => {
    const a = model.scoreAnswers({ ecgs: [ptbxl, mitdb], messages: [question] }, answers.slice(0, 4));
    const b = model.scoreAnswers({ ecgs: [mitdb, ptbxl], messages: [question] }, answers.slice(0, 4));
    const c = model.scoreAnswers({ messages: [question] }, answers.slice(0, 4));
    const diff = (x: number[], y: number[]): number => Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
    expect(diff(a, b)).toBeGreaterThan(1e-3);
    expect(diff(a, c)).toBeGreaterThan(1e-3);
  });

  it("scores an assistant turn after earlier turns, as the conversation continues", () => {
    const opts = {
      ecgs: [ptbxl],
      messages: [
        question,
        { role: "assistant" as const, content: "Report: Sinus rhythm" },
        { role: "user" as const, content: "Which ECG?" },
      ],
    };
    const got = model.scoreAnswers(opts, ["The first ECG.", "Report: Normal ECG"]);
    expect(Math.abs(got[0]! - reference(model, opts, "The first ECG."))).toBeLessThan(2e-3);
    expect(Math.abs(got[1]! - reference(model, opts, "Report: Normal ECG"))).toBeLessThan(2e-3);
  });
});
