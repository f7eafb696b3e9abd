// End-to-end: a tiny MLP and a tiny pre-norm causal transformer overfit a fixed batch.
import { describe, it, expect } from "vitest";
import * as T from "../../src/tensor/index.js";
import { AdamW } from "../../src/nn/adamw.js";
import { clipGradNorm } from "../../src/nn/clip.js";
import { parameter, zeroGrad } from "../../src/nn/params.js";

function train(params: T.Parameter[], steps: number, lr: number, lossFn: () => T.Tensor): number[] {
  const opt = new AdamW(params, { lr, weightDecay: 0 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    zeroGrad(params);
    losses.push(
      T.scope(() => {
        const loss = lossFn();
        T.backward(loss);
        return loss.item();
      }),
    );
    clipGradNorm(params, 1);
    opt.step();
  }
  opt.dispose();
  for (const p of params) p.dispose();
  return losses;
}

describe("training", () => {
  it("a tiny MLP overfits a fixed batch", () => {
    const rng = new T.Rng(11);
    const x = T.randn([24, 9], rng).keep();
    const targets = Array.from({ length: 24 }, (_, i) => (i * 5) % 7);
    const w1 = parameter([33, 9], "w1", { rng, std: 0.3 });
    const b1 = parameter([33], "b1", { init: "zeros", decay: false });
    const w2 = parameter([7, 33], "w2", { rng, std: 0.3 });
    const losses = train([w1, b1, w2], 150, 0.02, () =>
      T.softmaxCrossEntropy(T.linear(T.gelu(T.linear(x, w1, b1)), w2), targets),
    );
    x.dispose();
    expect(losses[0]).toBeGreaterThan(1);
    expect(losses.at(-1)).toBeLessThan(0.05);
  });

  it("a tiny pre-norm causal transformer overfits next-token prediction", () => {
    const rng = new T.Rng(12);
    const [B, L, D, H, V] = [3, 10, 24, 2, 13];
    const tokens = Array.from({ length: B * L }, () => rng.int(V));
    // shifted right; each sequence starts with its own BOS so every target is predictable
    const inputs = tokens.map((_, i) => (i % L === 0 ? i / L : tokens[i - 1]!));
    const p = (shape: number[], name: string, init?: "ones" | "zeros") =>
      parameter(shape, name, { rng, std: 0.1, init, decay: !init });
    const emb = p([V, D], "emb");
    const layers = [0, 1].map((i) => ({
      n1: p([D], `l${i}.n1`, "ones"),
      b1: p([D], `l${i}.b1`, "zeros"),
      qkv: p([3 * D, D], `l${i}.qkv`),
      o: p([D, D], `l${i}.o`),
      n2: p([D], `l${i}.n2`, "ones"),
      up: p([4 * D, D], `l${i}.up`),
      gate: p([4 * D, D], `l${i}.gate`),
      down: p([D, 4 * D], `l${i}.down`),
    }));
    const nf = p([D], "nf", "ones");
    const params = [emb, nf, ...layers.flatMap((l) => Object.values(l))];
    const losses = train(params, 120, 0.01, () => {
      let x = T.embedding(emb, inputs, [B, L]);
      for (const l of layers) {
        const qkv = T.linear(T.layerNorm(x, l.n1, l.b1), l.qkv);
        const q = T.rope(T.slice(qkv, 2, 0, D), { heads: H });
        const k = T.rope(T.slice(qkv, 2, D, 2 * D), { heads: H });
        const v = T.slice(qkv, 2, 2 * D, 3 * D);
        x = T.add(x, T.linear(T.attention(q, k, v, { heads: H, causal: true }), l.o));
        const h = T.rmsNorm(x, l.n2);
        x = T.add(x, T.linear(T.swiglu(T.linear(h, l.gate), T.linear(h, l.up)), l.down));
      }
      const logits = T.linear(T.rmsNorm(x, nf), emb); // tied embedding
      return T.softmaxCrossEntropy(logits, tokens);
    });
    expect(losses[0]).toBeGreaterThan(2);
    expect(losses.at(-1)).toBeLessThan(0.1);
  });
});
