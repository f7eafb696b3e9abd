/**
 * A Llama-style decoder: token embedding, N blocks of (RMSNorm, attention with RoPE and optional
 * grouped-query heads, residual; RMSNorm, SwiGLU MLP, residual), a final RMSNorm and the output
 * projection (the embedding itself when tied).
 *
 * Parameters carry Hugging Face's names ("model.layers.0.self_attn.q_proj.weight", ...), with
 * Linear weights stored [out, in] as HF does, and the engine's RoPE pairs dimensions (i, i+hd/2)
 * per head, which is HF's rotate-half layout: a HF Llama checkpoint's tensors load unchanged.
 *
 * `forward` takes input embeddings, not ids, so ECG tokens can be spliced in. With a `KVCache`
 * (batch 1, for generation) keys and values of earlier positions are kept and each call only
 * computes its new positions; the engine's causal attention lets the new queries see the cache.
 */
import {
  Parameter,
  Rng,
  Tensor,
  add,
  attention,
  rope,
  swiglu,
  linear,
  engine,
  prefixView,
  concat,
  mul,
  slice,
  tensor,
  zeros,
} from "../tensor/index.js";
import { Embedding, RMSNorm, type HasParameters } from "../nn/layers.js";
import { LoraLinear } from "../nn/lora.js";
import { parameter } from "../nn/params.js";
import type { LlamaConfig, LoraConfig, LoraTarget } from "./config.js";

/**
 * Keys and values of past positions, one pair of growing buffers per layer (batch 1), and with
 * smeared keys each layer's keys before smearing (the next position's smear reads the last one).
 */
export class KVCache {
  /** Positions held. */
  length = 0;
  private capacity = 0;
  private bufs: { k: Tensor; v: Tensor; raw: Tensor | null }[] = [];

  constructor(
    private readonly layers: number,
    private readonly kvWidth: number,
    /** Also keep the unsmeared keys (a model with smeared keys). */
    private readonly smeared = false,
  ) {}

  /** Makes room for `n` more positions (doubling, so appending is amortised O(1)). */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.capacity) return;
    const cap = Math.max(need, 2 * this.capacity, 64);
    const fresh = Array.from({ length: this.layers }, (_, i) => {
      const buffer = (): Tensor => Tensor.empty([1, cap, this.kvWidth]).keep();
      const [k, v, raw] = [buffer(), buffer(), this.smeared ? buffer() : null];
      const old = this.bufs[i];
      if (old) {
        const n = this.length * this.kvWidth;
        k.data.set(old.k.data.subarray(0, n));
        v.data.set(old.v.data.subarray(0, n));
        raw?.data.set(old.raw!.data.subarray(0, n));
      }
      return { k, v, raw };
    });
    this.dispose();
    this.bufs = fresh;
    this.capacity = cap;
  }

  /** Writes layer `i`'s new keys/values at [length, length + T) and returns views of [0, length + T). */
  append(i: number, k: Tensor, v: Tensor): { k: Tensor; v: Tensor } {
    const T = k.shape[1]!;
    const b = this.bufs[i]!;
    const at = this.length * this.kvWidth;
    b.k.data.set(k.data, at);
    b.v.data.set(v.data, at);
    const n = this.length + T;
    return { k: prefixView(b.k, 1, n), v: prefixView(b.v, 1, n) };
  }

  /**
   * Records layer `i`'s unsmeared keys of the new positions, and returns the unsmeared key of the
   * position before them [1, 1, kvWidth] (null at the start).
   */
  smearInput(i: number, raw: Tensor): Tensor | null {
    const b = this.bufs[i]!.raw;
    if (!b) throw new RangeError("KVCache: made without smeared keys");
    b.data.set(raw.data, this.length * this.kvWidth);
    if (this.length === 0) return null;
    return tensor(b.data.subarray((this.length - 1) * this.kvWidth, this.length * this.kvWidth), [1, 1, this.kvWidth]); // prettier-ignore
  }

  /** Keeps only the first `n` positions (to reuse a shared prompt prefix). */
  truncate(n: number): void {
    this.length = Math.min(this.length, Math.max(0, n));
  }

  dispose(): void {
    for (const b of this.bufs) {
      b.k.dispose();
      b.v.dispose();
      b.raw?.dispose();
    }
    this.bufs = [];
    this.capacity = 0;
  }
}

class DecoderLayer implements HasParameters {
  readonly q: LoraLinear;
  readonly k: LoraLinear;
  readonly v: LoraLinear;
  readonly o: LoraLinear;
  readonly gate: LoraLinear;
  readonly up: LoraLinear;
  readonly down: LoraLinear;
  readonly inputNorm: RMSNorm;
  readonly postNorm: RMSNorm;
  /** Smeared keys (config `smearedKeys`): per key channel, the weight of the previous position's key. */
  readonly smear: Parameter | null;

  constructor(
    readonly index: number,
    private readonly c: LlamaConfig,
    rng: Rng,
  ) {
    const p = `model.layers.${index}`;
    const D = c.width;
    const hd = D / c.heads;
    const kv = c.kvHeads * hd;
    this.q = new LoraLinear(`${p}.self_attn.q_proj`, D, D, rng);
    this.k = new LoraLinear(`${p}.self_attn.k_proj`, D, kv, rng);
    this.v = new LoraLinear(`${p}.self_attn.v_proj`, D, kv, rng);
    this.o = new LoraLinear(`${p}.self_attn.o_proj`, D, D, rng);
    this.gate = new LoraLinear(`${p}.mlp.gate_proj`, D, c.ffnWidth, rng);
    this.up = new LoraLinear(`${p}.mlp.up_proj`, D, c.ffnWidth, rng);
    this.down = new LoraLinear(`${p}.mlp.down_proj`, c.ffnWidth, D, rng);
    this.inputNorm = new RMSNorm(`${p}.input_layernorm`, D, c.normEps);
    this.postNorm = new RMSNorm(`${p}.post_attention_layernorm`, D, c.normEps);
    // starts at 1 (each key plus its predecessor's): from 0, AdamW's steps of about lr (2e-3) left
    // it below 0.1 after 100 text-stage steps, too little to change what a key matches
    this.smear = c.smearedKeys ? parameter([kv], `${p}.self_attn.k_smear`, { init: "ones", decay: false }) : null; // prettier-ignore
  }

  projections(): Record<LoraTarget, LoraLinear> {
    return { q: this.q, k: this.k, v: this.v, o: this.o, gate: this.gate, up: this.up, down: this.down };
  }

  forward(x: Tensor, offset: number, cache: KVCache | null): Tensor {
    const c = this.c;
    const h = this.inputNorm.forward(x);
    const q = rope(this.q.forward(h), { heads: c.heads, offset, theta: c.ropeTheta });
    let k = rope(this.keys(h, cache), { heads: c.kvHeads, offset, theta: c.ropeTheta });
    let v = this.v.forward(h);
    if (cache) ({ k, v } = cache.append(this.index, k, v));
    const a = attention(q, k, v, { heads: c.heads, kvHeads: c.kvHeads, causal: true });
    x = add(x, this.o.forward(a));
    const m = this.postNorm.forward(x);
    return add(x, this.down.forward(swiglu(this.gate.forward(m), this.up.forward(m))));
  }

  /**
   * Keys [B, T, kv] before RoPE. Smeared keys add, per channel, a learnt share of the previous
   * position's key: a query can then find the token that followed an earlier occurrence of its
   * own token, which is how a model copies a sequence from its prompt (an induction head, in
   * one layer instead of two: Olsson et al. 2022, "In-context learning and induction heads").
   */
  private keys(h: Tensor, cache: KVCache | null): Tensor {
    const k = this.k.forward(h);
    if (!this.smear) return k;
    const [B, T, W] = k.shape as [number, number, number];
    const before = (cache ? cache.smearInput(this.index, k) : null) ?? zeros([B, 1, W]);
    const previous = T === 1 ? before : concat([before, slice(k, 1, 0, T - 1)], 1);
    return add(k, mul(previous, this.smear));
  }

  parameters(): Parameter[] {
    const ps = [this.inputNorm, ...Object.values(this.projections()), this.postNorm].flatMap((m) => m.parameters()); // prettier-ignore
    return this.smear ? [...ps, this.smear] : ps;
  }
}

export class Llama implements HasParameters {
  readonly embed: Embedding;
  readonly layers: DecoderLayer[];
  readonly norm: RMSNorm;
  /** Separate output projection, when embeddings are not tied. */
  readonly lmHead: Parameter | null;

  constructor(
    readonly config: LlamaConfig,
    rng: Rng,
  ) {
    const c = config;
    this.embed = new Embedding("model.embed_tokens.weight", c.vocabSize, c.width, { rng });
    this.layers = Array.from({ length: c.layers }, (_, i) => new DecoderLayer(i, c, rng));
    this.norm = new RMSNorm("model.norm", c.width, c.normEps);
    this.lmHead = c.tieEmbeddings ? null : parameter([c.vocabSize, c.width], "lm_head.weight", { rng });
    // GPT-2-style scaled init of the residual outputs keeps the residual stream's variance flat
    const s = 1 / Math.sqrt(2 * c.layers);
    for (const l of this.layers) for (const w of [l.o.weight, l.down.weight]) scaleInPlace(w, s);
  }

  /** Token embeddings [...shape, width] of ids. */
  embedIds(ids: ArrayLike<number>, shape?: readonly number[]): Tensor {
    return this.embed.forward(ids, shape);
  }

  /** A KV cache sized for this model. */
  newCache(): KVCache {
    const c = this.config;
    return new KVCache(c.layers, c.kvHeads * (c.width / c.heads), c.smearedKeys ?? false);
  }

  /**
   * Final hidden states [B, T, width] for input embeddings x [B, T, width]. With a cache
   * (B = 1), x holds the positions after the cached ones and the cache grows by T.
   */
  forward(x: Tensor, cache: KVCache | null = null): Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.config.width)
      throw new RangeError(`llama: input must be [batch, time, ${this.config.width}], got [${x.shape}]`);
    const T = x.shape[1]!;
    const offset = cache ? cache.length : 0;
    if (offset + T > this.config.maxPositions)
      throw new RangeError(`llama: ${offset + T} positions exceed maxPositions ${this.config.maxPositions}`);
    if (cache) {
      if (x.shape[0] !== 1) throw new RangeError("llama: a KV cache holds one sequence (batch 1)");
      cache.reserve(T);
    }
    for (const l of this.layers) x = l.forward(x, offset, cache);
    if (cache) cache.length += T;
    return this.norm.forward(x);
  }

  /** Next-token logits [..., vocab] from hidden states. */
  logits(h: Tensor): Tensor {
    return linear(h, this.lmHead ?? this.embed.weight);
  }

  /** Adds LoRA adapters to the chosen projections of every layer (r = 0: none). */
  addLora(lora: LoraConfig, rng: Rng): void {
    if (lora.r <= 0) return;
    for (const l of this.layers) {
      const p = l.projections();
      for (const t of lora.targets) p[t].addAdapter({ r: lora.r, alpha: lora.alpha, rng });
    }
  }

  /** Every projection that has a LoRA adapter. */
  loraLayers(): LoraLinear[] {
    return this.layers.flatMap((l) => Object.values(l.projections()).filter((p) => p.hasAdapter));
  }

  /** Folds the adapters into the weights (inference) or takes them out. */
  mergeLora(merge = true): void {
    for (const p of this.loraLayers())
      if (merge) p.merge();
      else p.unmerge();
  }

  parameters(): Parameter[] {
    return [
      ...this.embed.parameters(),
      ...this.layers.flatMap((l) => l.parameters()),
      ...this.norm.parameters(),
      ...(this.lmHead ? [this.lmHead] : []),
    ];
  }
}

function scaleInPlace(p: Parameter, s: number): void {
  engine().run("axpby", p.size, p.ptr, p.ptr, p.size, s, 0);
}
