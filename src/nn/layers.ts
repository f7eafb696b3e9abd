/**
 * Small building blocks over the compute engine: named parameter holders for linear layers,
 * norms and embeddings, and `sparseRows`, a weighted gather of rows (a CSR sparse matrix times
 * a dense one) with its backward pass.
 *
 * `sparseRows` runs in TypeScript over the tensors' memory: it pools encoder tokens (mean over
 * leads, over windows, over time groups) and splices ECG tokens between text embeddings. Its
 * cost is one multiply-add per stored entry and column, small next to the matrix products
 * around it; the engine could take it over as a kernel ("csrRows").
 */
import {
  Parameter,
  Rng,
  Tensor,
  embedding,
  layerNorm,
  linear,
  rmsNorm,
  engine,
  gradSlot,
  needsGrad,
  record,
} from "../tensor/index.js";
import { parameter } from "./params.js";

/** Anything holding parameters; names are full checkpoint names ("encoder.blocks.0.qkv.weight"). */
export interface HasParameters {
  parameters(): Parameter[];
}

export interface LinearOptions {
  bias?: boolean;
  rng?: Rng;
  /** Normal init std (default 0.02). */
  std?: number;
}

/** y = x W^T + b, W stored [out, in] (PyTorch layout). */
export class Linear implements HasParameters {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  constructor(name: string, inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    this.weight = parameter([outFeatures, inFeatures], `${name}.weight`, { rng: opts.rng, std: opts.std });
    this.bias = opts.bias ? parameter([outFeatures], `${name}.bias`, { init: "zeros", decay: false }) : null;
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
}

/** Layer norm with affine weight and bias. */
export class LayerNorm implements HasParameters {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(
    name: string,
    width: number,
    readonly eps = 1e-5,
  ) {
    this.weight = parameter([width], `${name}.weight`, { init: "ones", decay: false });
    this.bias = parameter([width], `${name}.bias`, { init: "zeros", decay: false });
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }
}

/** RMS norm with weight (Llama). */
export class RMSNorm implements HasParameters {
  readonly weight: Parameter;
  constructor(
    name: string,
    width: number,
    readonly eps = 1e-6,
  ) {
    this.weight = parameter([width], `${name}.weight`, { init: "ones", decay: false });
  }
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
  parameters(): Parameter[] {
    return [this.weight];
  }
}

/** A table of learned vectors looked up by integer id. */
export class Embedding implements HasParameters {
  readonly weight: Parameter;
  constructor(name: string, count: number, width: number, opts: { rng?: Rng; std?: number } = {}) {
    this.weight = parameter([count, width], name, { rng: opts.rng, std: opts.std, decay: false });
  }
  forward(ids: ArrayLike<number>, shape?: readonly number[]): Tensor {
    return embedding(this.weight, ids, shape);
  }
  parameters(): Parameter[] {
    return [this.weight];
  }
}

// ---- sparse row pooling --------------------------------------------------------------------

/**
 * A sparse matrix in CSR form: output row s is the sum over k in [offsets[s], offsets[s+1]) of
 * weight[k] * input row index[k]. An empty row gives zeros.
 */
export interface RowPlan {
  rows: number;
  offsets: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

/** Builds a RowPlan row by row. */
export class RowPlanBuilder {
  private readonly offs: number[] = [0];
  private readonly idx: number[] = [];
  private readonly w: number[] = [];
  /** Adds input row `index` with `weight` to the current output row. */
  add(index: number, weight = 1): void {
    this.idx.push(index);
    this.w.push(weight);
  }
  /** Closes the current output row. */
  endRow(): void {
    this.offs.push(this.idx.length);
  }
  get rows(): number {
    return this.offs.length - 1;
  }
  build(): RowPlan {
    return {
      rows: this.offs.length - 1,
      offsets: Int32Array.from(this.offs),
      index: Int32Array.from(this.idx),
      weight: Float32Array.from(this.w),
    };
  }
}

/** out[s, :] = sum_k weight[k] x[index[k], :] for x viewed as [N, D]; returns [plan.rows, D]. */
export function sparseRows(x: Tensor, plan: RowPlan): Tensor {
  const D = x.shape[x.rank - 1]!;
  const N = x.size / D;
  const { rows, offsets, index, weight } = plan;
  if (offsets.length !== rows + 1 || offsets[rows] !== index.length || weight.length !== index.length)
    throw new RangeError("sparseRows: malformed plan");
  for (let k = 0; k < index.length; k++)
    if (!(index[k]! >= 0 && index[k]! < N))
      throw new RangeError(`sparseRows: row ${index[k]} not in [0, ${N})`);
  const out = Tensor.empty([rows, D]);
  const xd = x.data;
  const od = out.data;
  od.fill(0);
  for (let s = 0; s < rows; s++) {
    const o = s * D;
    for (let k = offsets[s]!; k < offsets[s + 1]!; k++) {
      const w = weight[k]!;
      const i = index[k]! * D;
      for (let j = 0; j < D; j++) od[o + j]! += w * xd[i + j]!;
    }
  }
  if (needsGrad(x))
    record(out, (g) => {
      const slot = gradSlot(x);
      if (!slot) return;
      if (slot.beta === 0) engine().run("fill", x.size, slot.ptr, x.size, 0);
      const gx = slot.grad.data;
      const gd = g.data;
      for (let s = 0; s < rows; s++) {
        const o = s * D;
        for (let k = offsets[s]!; k < offsets[s + 1]!; k++) {
          const w = weight[k]!;
          const i = index[k]! * D;
          for (let j = 0; j < D; j++) gx[i + j]! += w * gd[o + j]!;
        }
      }
    });
  return out;
}
