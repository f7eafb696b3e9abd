/** Sigmoid functions composed from the engine's ops (it has neither a sigmoid nor a log-sigmoid). */
import {
  concat,
  mul,
  slice,
  softmax,
  softmaxCrossEntropy,
  tensor,
  zeros,
  type Tensor,
} from "../tensor/index.js";

/** Elementwise sigma(z) = softmax([z, 0])_0, with the softmax's checked backward pass. */
export function sigmoid(z: Tensor): Tensor {
  const n = z.size;
  return slice(softmax(concat([z.view([n, 1]), zeros([n, 1])], 1)), 1, 0, 1).view(z.shape);
}

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
