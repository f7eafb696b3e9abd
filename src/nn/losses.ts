/** Losses composed from the engine's ops. */
import { concat, mul, softmaxCrossEntropy, tensor, zeros, type Tensor } from "../tensor/index.js";

/**
 * Mean over the entries of z of -log sigma(s z), for signs s = +1 (a positive) or -1. The engine
 * has no log-sigmoid op, but -log sigma(a) is the softmax cross-entropy of the two logits [a, 0]
 * against class 0, so the mean is one cross-entropy over n rows of [s z, 0], whose backward pass
 * is already checked against finite differences.
 */
export function meanNegLogSigmoid(z: Tensor, signs: Float32Array): Tensor {
  const n = z.size;
  if (signs.length !== n) throw new RangeError(`meanNegLogSigmoid: ${signs.length} signs for ${n} logits`);
  const pair = concat([mul(z.view([n, 1]), tensor(signs, [n, 1])), zeros([n, 1])], 1);
  return softmaxCrossEntropy(pair, new Int32Array(n));
}
