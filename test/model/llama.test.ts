import { describe, expect, it } from "vitest";
import { Rng, backward, mul, noGrad, randn, sum, scope, slice, type Tensor } from "../../src/tensor/index.js";
import { Llama } from "../../src/model/llama.js";
import { tinyConfig } from "../../src/model/config.js";
import { hfConfigFromLlama } from "../../src/model/checkpoint.js";

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

  describe("with smeared keys", () => {
    const smeared = new Llama({ ...c, smearedKeys: true }, new Rng(9));
    const plain = new Llama(c, new Rng(9));
    const x = randn([2, 7, c.width], new Rng(3));
    const out = (lm: Llama, input: Tensor = x) => noGrad(() => scope(() => lm.forward(input).data.slice()));

    it("are the plain layer with a smear of 0, and change the output with the smear they start with", () => {
      expect(Array.from(smeared.layers[0]!.smear!.data).every((v) => v === 1)).toBe(true);
      for (const l of smeared.layers) l.smear!.data.fill(0);
      expect(out(smeared)).toEqual(out(plain));
      for (const l of smeared.layers) l.smear!.data.fill(1);
      const changed = out(smeared);
      const before = out(plain);
      expect(changed.some((v, i) => Math.abs(v - before[i]!) > 1e-5)).toBe(true);
      // the first position has no previous key: its output is the plain one
      const first = (a: Float32Array) => Array.from(a.subarray(0, c.width));
      expect(first(changed).map((v) => v.toFixed(5))).toEqual(first(out(plain)).map((v) => v.toFixed(5)));
    });

    it("decode with a KV cache as the full recomputation does", () => {
      for (const l of smeared.layers) l.smear!.data.forEach((_, i, d) => (d[i] = Math.sin(i)));
      noGrad(() =>
        scope(() => {
          const one = slice(x, 0, 0, 1);
          const full = smeared.forward(one).data.slice();
          const cache = smeared.newCache();
          const parts = [smeared.forward(slice(one, 1, 0, 3), cache).data.slice()];
          for (let t = 3; t < 7; t++)
            parts.push(smeared.forward(slice(one, 1, t, t + 1), cache).data.slice());
          const cached = Float32Array.from(parts.flatMap((p) => [...p]));
          cached.forEach((v, i) => expect(v).toBeCloseTo(full[i]!, 4));
          cache.dispose();
        }),
      );
    });

    it("learn the smear: its gradient matches a finite difference", () => {
      const lm = new Llama({ ...c, smearedKeys: true }, new Rng(4));
      // sharper attention than at initialisation, so that keys matter
      for (const l of lm.layers)
        for (const w of [l.q.weight, l.k.weight]) w.data.forEach((v, i, d) => (d[i] = 4 * v));
      const smear = lm.layers[1]!.smear!;
      smear.data.forEach((_, i, d) => (d[i] = 0.3 * Math.cos(i)));
      const r = randn([2, 7, c.width], new Rng(5));
      const loss = (): Tensor => sum(mul(lm.forward(x), r));
      smear.zeroGrad();
      scope(() => backward(loss()));
      const g = smear.grad!.data.slice();
      const k = g.reduce((best, v, i) => (Math.abs(v) > Math.abs(g[best]!) ? i : best), 0);
      const at = (v: number): number => {
        const s0 = smear.data[k]!;
        smear.data[k] = v;
        const y = noGrad(() => scope(() => loss().item()));
        smear.data[k] = s0;
        return y;
      };
      const h = 0.05;
      const numeric = (at(smear.data[k]! + h) - at(smear.data[k]! - h)) / (2 * h);
      expect(Math.abs(g[k]!)).toBeGreaterThan(1e-2);
      expect(Math.abs(numeric - g[k]!)).toBeLessThan(0.05 * Math.abs(g[k]!));
    });

    it("name their weight beside the keys', and are no Hugging Face Llama", () => {
      expect(smeared.parameters().map((p) => p.name)).toContain("model.layers.0.self_attn.k_smear");
      expect(() => hfConfigFromLlama(smeared.config)).toThrow(/smeared keys/);
    });
  });

  it("rejects sequences longer than maxPositions", () => {
    const small = new Llama({ ...c, maxPositions: 4 }, new Rng(1));
    expect(() => noGrad(() => scope(() => small.forward(randn([1, 5, c.width], new Rng(1)))))).toThrow(
      /maxPositions/,
    );
  });
});
