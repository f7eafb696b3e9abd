// A tiny anyECG overfits a handful of (ECG, question, answer) examples: greedy generation then
// reproduces every answer exactly, including ones that depend on which ECG is shown and in
// which order two ECGs come.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { scope, backward } from "../../src/tensor/index.js";
import { AdamW } from "../../src/nn/adamw.js";
import { clipGradNorm } from "../../src/nn/clip.js";
import { zeroGrad } from "../../src/nn/params.js";
import { AnyEcg, Tokenizer, tinyConfig, type TrainExample } from "../../src/model/index.js";
import { samplesDir } from "../data.js";

const mitdb = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
const ptbxl = await readEcg(join(samplesDir, "ptbxl-00001_lr.hea"));
const mitdbLeadII = { ...mitdb, leads: ["MLII"], signals: [mitdb.signals[0]!], units: ["mV"] };

const report = "What does this ECG show?";
const which = "Which ECG shows premature beats?";
const data: { ecgs: (typeof mitdb)[]; q: string; a: string }[] = [
  { ecgs: [mitdb], q: report, a: "Report: Premature ventricular contraction" },
  { ecgs: [ptbxl], q: report, a: "Report: Sinus rhythm, Normal ECG" },
  { ecgs: [mitdbLeadII], q: report, a: "Report: Premature ventricular contraction, one lead" },
  { ecgs: [mitdb, ptbxl], q: which, a: "The first ECG" },
  { ecgs: [ptbxl, mitdb], q: which, a: "The second ECG" },
];

describe("overfitting", () => {
  it("learns exact answers that depend on the ECGs shown", () => {
    const tok = Tokenizer.train(
      data.map((d) => `${d.q} ${d.a}`),
      256 + 9 + 60,
    );
    const model = new AnyEcg(tinyConfig(tok.vocabSize), tok, 5);
    const batch: TrainExample[] = data.map((d) => ({
      messages: [
        { role: "user", content: d.q, ecgs: d.ecgs },
        { role: "assistant", content: d.a },
      ],
    }));
    const params = model.parameters();
    const opt = new AdamW(params, { lr: 3e-3, weightDecay: 0 });
    const losses: number[] = [];
    for (let step = 0; step < 300; step++) {
      zeroGrad(params);
      losses.push(
        scope(() => {
          const loss = model.loss(batch);
          backward(loss);
          return loss.item();
        }),
      );
      clipGradNorm(params, 1);
      opt.step();
      if (losses.at(-1)! < 0.01) break;
    }
    opt.dispose();
    expect(losses[0]).toBeGreaterThan(3);
    expect(losses.at(-1)).toBeLessThan(0.05);
    model.lm.mergeLora();
    for (const d of data) {
      const out = model.generate({ ecgs: d.ecgs, messages: [{ role: "user", content: d.q }], maxTokens: 40 });
      expect(out.text).toBe(d.a);
      expect(out.finish).toBe("stop");
    }
    model.dispose();
  });
});
