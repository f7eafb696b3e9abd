/**
 * LoRA (Hu et al., 2021): a frozen linear layer W plus a trainable low-rank update,
 *
 *   y = x W^T + (alpha / r) * (x A^T) B^T,   A [r, in] (small random), B [out, r] (zeros),
 *
 * so training starts from the base model exactly. `merge()` folds the update into W for
 * inference (one matrix product per layer instead of three); `unmerge()` takes it out again.
 * Checkpoint names follow PEFT: "<layer>.lora_A.weight", "<layer>.lora_B.weight".
 */
import { Parameter, Rng, Tensor, add, linear, scale, gemmRaw } from "../tensor/index.js";
import { parameter } from "./params.js";
import type { HasParameters } from "./layers.js";

export interface LoraOptions {
  r: number;
  alpha: number;
  rng?: Rng;
}

export class LoraLinear implements HasParameters {
  readonly weight: Parameter;
  a: Parameter | null = null;
  b: Parameter | null = null;
  scaling = 0;
  private mergedIn = false;

  /** `name` is the layer's name ("model.layers.0.self_attn.q_proj"); weight is `${name}.weight`. */
  constructor(
    readonly name: string,
    inFeatures: number,
    outFeatures: number,
    rng?: Rng,
  ) {
    this.weight = parameter([outFeatures, inFeatures], `${name}.weight`, { rng });
  }

  get inFeatures(): number {
    return this.weight.shape[1]!;
  }
  get outFeatures(): number {
    return this.weight.shape[0]!;
  }
  get hasAdapter(): boolean {
    return this.a !== null;
  }
  get merged(): boolean {
    return this.mergedIn;
  }

  /** Adds a fresh adapter (A ~ Kaiming-uniform as PEFT does, B = 0); freezes nothing by itself. */
  addAdapter(opts: LoraOptions): void {
    if (this.a) throw new Error(`${this.name}: already has a LoRA adapter`);
    if (!Number.isInteger(opts.r) || opts.r < 1)
      throw new RangeError(`LoRA rank must be >= 1, got ${opts.r}`);
    this.a = parameter([opts.r, this.inFeatures], `${this.name}.lora_A.weight`, {
      init: "uniform",
      bound: 1 / Math.sqrt(this.inFeatures),
      rng: opts.rng,
    });
    this.b = parameter([this.outFeatures, opts.r], `${this.name}.lora_B.weight`, { init: "zeros" });
    this.scaling = opts.alpha / opts.r;
  }

  forward(x: Tensor): Tensor {
    const y = linear(x, this.weight);
    if (!this.a || !this.b || this.mergedIn) return y;
    return add(y, scale(linear(linear(x, this.a), this.b), this.scaling));
  }

  /** W += scaling * B A (inference); the adapter stays, so `unmerge` can undo it. */
  merge(): void {
    if (!this.a || !this.b || this.mergedIn) return;
    this.fold(this.scaling);
    this.mergedIn = true;
  }

  /** W -= scaling * B A. */
  unmerge(): void {
    if (!this.a || !this.b || !this.mergedIn) return;
    this.fold(-this.scaling);
    this.mergedIn = false;
  }

  private fold(s: number): void {
    const [O, I] = [this.outFeatures, this.inFeatures];
    const r = this.a!.shape[0]!;
    gemmRaw(false, false, O, I, r, s, this.b!.ptr, r, 0, this.a!.ptr, I, 0, 1, this.weight.ptr, I, 0);
  }

  /** Drops the adapter (merged or not: a merged one stays in W). */
  removeAdapter(): void {
    this.a?.dispose();
    this.b?.dispose();
    this.a = this.b = null;
    this.mergedIn = false;
  }

  parameters(): Parameter[] {
    return this.a && this.b ? [this.weight, this.a, this.b] : [this.weight];
  }

  adapterParameters(): Parameter[] {
    return this.a && this.b ? [this.a, this.b] : [];
  }
}
