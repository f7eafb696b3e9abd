/**
 * The compute engine's public API: tensors in shared WebAssembly memory, SIMD kernels split
 * across worker threads, and a tape autograd over coarse ops with hand-written backward passes.
 *
 * Layers may add their own ops with `needsGrad` / `record` / `gradSlot` (see tensor.ts for the
 * pattern) and view growing buffers with `prefixView`.
 */
export { Engine, engine, sizeClass } from "./engine.js";
export {
  Tensor,
  Parameter,
  scope,
  noGrad,
  backward,
  isGradEnabled,
  tapeLength,
  shapeSize,
  prefixView,
  needsGrad,
  record,
  gradSlot,
  type GradSlot,
  type Shape,
} from "./tensor.js";
export { tensor, zeros, ones, full, randn, rand, Rng } from "./create.js";
export { add, sub, mul, scale, relu, gelu, silu, exp, square, swiglu, dropout } from "./ops/elementwise.js";
export { matmul, linear, gemmRaw, type MatmulOptions } from "./ops/matmul.js";
export { layerNorm, rmsNorm, softmax } from "./ops/norm.js";
export { attention, attentionQKV, type AttentionOptions } from "./ops/attention.js";
export { softmaxCrossEntropy, embedding } from "./ops/loss.js";
export { transpose, slice, concat, sum, mean, rope, reduceAll, type RopeOptions } from "./ops/shape.js";
