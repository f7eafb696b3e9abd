// The projector's data-dependent initialisation on two real ECGs: its first layer then computes
// on the standardized features of their tokens.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { AnyEcg, Tokenizer, tinyConfig } from "../../src/model/index.js";
import { parseConfig } from "../../src/model/config.js";
import {
  projectorInputStats,
  standardizeProjector,
  wordEmbeddingRms,
} from "../../src/train/projector-init.js";
import { noGrad, scope, type Tensor } from "../../src/tensor/index.js";
import { samplesDir } from "../data.js";

const ecgs = await Promise.all(
  ["mitdb-119-excerpt.hea", "ptbxl-00001_lr.hea"].map((f) => readEcg(join(samplesDir, f))),
);

describe("standardizeProjector", () => {
  it("makes the first layer see each input feature centred and scaled over the ECGs' tokens", () => {
    const tok = Tokenizer.train(["Report: Sinus rhythm"], 300);
    const base = tinyConfig(tok.vocabSize);
    const config = parseConfig({ ...base, encoder: { ...base.encoder, findings: ["A", "B"], rhythm: true } });
    const model = new AnyEcg(config, tok, 2);
    const fc1 = model.projector.fc1;
    const w0 = fc1.weight.data.slice();
    const b0 = fc1.bias!.data.slice();
    const { mean, std } = projectorInputStats(model, ecgs);
    expect(mean.length).toBe(config.encoder.width + 2);
    expect(Math.min(...std)).toBeGreaterThanOrEqual(0.05);
    standardizeProjector(model, ecgs);
    const D = mean.length;
    const H = b0.length;
    const input = (): Tensor => model.projectorInput([model.prepare(ecgs[0]!)]).features;
    const x = noGrad(() => scope(() => input().data.slice()));
    const got = noGrad(() => scope(() => fc1.forward(input()).data.slice()));
    for (let r = 0; r < 3; r++)
      for (let o = 0; o < H; o += 7) {
        let want = b0[o]!;
        for (let i = 0; i < D; i++) want += w0[o * D + i]! * ((x[r * D + i]! - mean[i]!) / std[i]!);
        expect(got[r * H + o]).toBeCloseTo(want, 3);
      }
    model.dispose();
  });

  it("starts the output norm at the words' scale: every ECG token as large as a word embedding", () => {
    const tok = Tokenizer.train(["Report: Sinus rhythm"], 300);
    const config = parseConfig({ ...tinyConfig(tok.vocabSize), projectorNorm: true });
    const model = new AnyEcg(config, tok, 2);
    expect(model.projector.parameters().map((p) => p.name)).toContain("projector.norm.weight");
    standardizeProjector(model, ecgs);
    const words = wordEmbeddingRms(model);
    const W = config.lm.width;
    const y = noGrad(() => scope(() => model.encodeEcgs([model.prepare(ecgs[1]!)]).data.slice()));
    for (let r = 0; r < y.length / W; r++) {
      let s = 0;
      for (let i = 0; i < W; i++) s += y[r * W + i]! ** 2;
      expect(Math.sqrt(s / W) / words).toBeCloseTo(1, 1); // up to the norm's epsilon
    }
    model.dispose();
  });
});
