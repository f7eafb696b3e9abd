/** AdamW (decoupled weight decay) with decay groups. */
import { Parameter, Tensor, engine } from "../tensor/index.js";

export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay, applied only to parameters with `decay` set. */
  weightDecay?: number;
}

interface State {
  m: Tensor;
  v: Tensor;
  t: number;
}

export class AdamW {
  readonly params: Parameter[];
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  private readonly state = new Map<Parameter, State>();

  constructor(params: Iterable<Parameter>, opts: AdamWOptions = {}) {
    this.params = [...params];
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
  }

  /**
   * Updates every trainable parameter that has a gradient this step (like PyTorch, parameters
   * without one are skipped, moments untouched); `gradScale` multiplies the gradients first
   * (e.g. 1 / accumulation steps). Does not clear gradients.
   */
  step(lr = this.lr, gradScale = 1): void {
    const e = engine();
    for (const p of this.params) {
      if (p.frozen || !p.grad || !p.gradValid) continue;
      let s = this.state.get(p);
      if (!s) {
        const m = Tensor.empty(p.shape).keep();
        const v = Tensor.empty(p.shape).keep();
        e.run("fill", p.size, m.ptr, p.size, 0);
        e.run("fill", p.size, v.ptr, p.size, 0);
        this.state.set(p, (s = { m, v, t: 0 }));
      }
      s.t++;
      const bc1 = 1 - this.beta1 ** s.t;
      const bc2 = 1 - this.beta2 ** s.t;
      const wd = p.decay ? this.weightDecay : 0;
      e.run("adamw", p.size * 4, p.ptr, p.grad.ptr, s.m.ptr, s.v.ptr, p.size, lr, this.beta1, this.beta2, this.eps, wd, bc1, bc2, gradScale); // prettier-ignore
    }
  }

  /** Moments and step counts, for checkpoints (views into engine memory). */
  stateOf(p: Parameter): { m: Float32Array; v: Float32Array; t: number } | null {
    const s = this.state.get(p);
    return s ? { m: s.m.data, v: s.v.data, t: s.t } : null;
  }

  /** Restores a parameter's moments and step count (from a checkpoint). */
  loadState(p: Parameter, m: ArrayLike<number>, v: ArrayLike<number>, t: number): void {
    if (m.length !== p.size || v.length !== p.size)
      throw new RangeError(`optimizer state for ${p.name} has the wrong size`);
    let s = this.state.get(p);
    if (!s) this.state.set(p, (s = { m: Tensor.empty(p.shape).keep(), v: Tensor.empty(p.shape).keep(), t }));
    s.m.data.set(m);
    s.v.data.set(v);
    s.t = t;
  }

  /** Releases the optimizer state. */
  dispose(): void {
    for (const s of this.state.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.state.clear();
  }
}
