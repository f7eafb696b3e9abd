// The sigmoid contrastive loss composed from engine ops: value against a float64 formula,
// gradient against finite differences, and the head learning to match pairs.
import { describe, it, expect } from "vitest";
import * as T from "../../src/tensor/index.js";
import { l2Normalize, matchLabels, sigmoidPairLoss, SiglipHead } from "../../src/train/siglip.js";
import { AdamW } from "../../src/nn/adamw.js";
import { parameter, zeroGrad } from "../../src/nn/params.js";

function reference(z: Float32Array, y: Float32Array, B: number): number {
  let s = 0;
  for (let k = 0; k < B * B; k++) s += Math.log1p(Math.exp(-y[k]! * z[k]!));
  return s / B;
}

describe("sigmoid pair loss", () => {
  it("equals -(1/B) sum log sigmoid(y z)", () => {
    const B = 5;
    const rng = new T.Rng(3);
    const z = Float32Array.from({ length: B * B }, () => rng.normal() * 4);
    const y = matchLabels(["a", "b", "a", "c", "d"]);
    expect(y[0 * B + 2]).toBe(1);
    expect(y[1 * B + 2]).toBe(-1);
    const got = T.scope(() => sigmoidPairLoss(T.tensor(z, [B, B]), y).item());
    expect(got).toBeCloseTo(reference(z, y, B), 4);
  });

  it("has the finite-difference gradient", () => {
    const B = 3;
    const rng = new T.Rng(4);
    const y = matchLabels(["x", "y", "x"]);
    const z = parameter([B, B], "z", { rng, std: 2 });
    T.scope(() => T.backward(sigmoidPairLoss(z, y)));
    const g = z.grad!.toArray();
    const zd = Float32Array.from(z.data);
    for (let k = 0; k < B * B; k++) {
      const h = 1e-2;
      const plus = Float32Array.from(zd);
      plus[k]! += h;
      const minus = Float32Array.from(zd);
      minus[k]! -= h;
      const fd = (reference(plus, y, B) - reference(minus, y, B)) / (2 * h);
      expect(g[k]).toBeCloseTo(fd, 3);
    }
    z.dispose();
  });

  it("l2Normalize gives unit rows", () => {
    const x = T.scope(() => l2Normalize(T.tensor([3, 4, 0, 0, 5, 12], [2, 3])).toArray());
    expect(x[0]).toBeCloseTo(0.6, 5);
    expect(x[1]).toBeCloseTo(0.8, 5);
    expect(x[4]).toBeCloseTo(5 / 13, 5);
  });

  it("training the head lowers the loss on fixed features", () => {
    const rng = new T.Rng(9);
    const B = 8;
    const head = new SiglipHead(6, 5, 4, rng);
    const ecg = Float32Array.from({ length: B * 6 }, () => rng.normal());
    const txt = Float32Array.from({ length: B * 5 }, () => rng.normal());
    const y = matchLabels(Array.from({ length: B }, (_, i) => String(i % 4)));
    const params = head.parameters();
    const opt = new AdamW(params, { lr: 0.05, weightDecay: 0 });
    const lossAt = (): number =>
      T.scope(() => {
        const l = head.loss(T.tensor(ecg, [B, 6]), T.tensor(txt, [B, 5]), y);
        T.backward(l);
        return l.item();
      });
    zeroGrad(params);
    const first = lossAt();
    opt.step();
    let last = first;
    for (let i = 0; i < 60; i++) {
      zeroGrad(params);
      last = lossAt();
      opt.step();
    }
    expect(last).toBeLessThan(first * 0.5);
    opt.dispose();
    for (const p of params) p.dispose();
  });
});
