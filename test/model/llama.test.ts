import { describe, expect, it } from "vitest";
import { Rng, noGrad, randn, scope, slice } from "../../src/tensor/index.js";
import { Llama } from "../../src/model/llama.js";
import { tinyConfig } from "../../src/model/config.js";

describe("Llama decoder", () => {
  const c = { ...tinyConfig(50).lm, layers: 2, heads: 4, kvHeads: 2 };
  const lm = new Llama(c, new Rng(9));
  lm.addLora({ r: 2, alpha: 4, targets: ["q", "k"] }, new Rng(1));

  it("with a KV cache, chunked and step-by-step decoding equal full recomputation (GQA)", () => {
    noGrad(() =>
      scope(() => {
        const T = 11;
        const x = randn([1, T, c.width], new Rng(3));
        const full = lm.forward(x).data.slice();
        const cache = lm.newCache();
        const parts: Float32Array[] = [lm.forward(slice(x, 1, 0, 6), cache).data.slice()];
        for (let t = 6; t < T; t++) parts.push(lm.forward(slice(x, 1, t, t + 1), cache).data.slice());
        expect(cache.length).toBe(T);
        const cached = Float32Array.from(parts.flatMap((p) => [...p]));
        cached.forEach((v, i) => expect(v).toBeCloseTo(full[i]!, 4));
        cache.dispose();
      }),
    );
  });

  it("names its parameters as Hugging Face's Llama", () => {
    const names = lm.parameters().map((p) => p.name);
    expect(names).toContain("model.embed_tokens.weight");
    expect(names).toContain("model.layers.1.self_attn.k_proj.weight");
    expect(names).toContain("model.layers.0.self_attn.q_proj.lora_A.weight");
    expect(names).toContain("model.layers.0.mlp.down_proj.weight");
    expect(names).toContain("model.layers.0.post_attention_layernorm.weight");
    expect(names).toContain("model.norm.weight");
    expect(names).not.toContain("lm_head.weight"); // tied
  });

  it("rejects sequences longer than maxPositions", () => {
    const small = new Llama({ ...c, maxPositions: 4 }, new Rng(1));
    expect(() => noGrad(() => scope(() => small.forward(randn([1, 5, c.width], new Rng(1)))))).toThrow(
      /maxPositions/,
    );
  });
});
