/**
 * The sigmoid (SigLIP) contrastive loss, composed from the engine's existing ops.
 *
 * For a batch of B (ECG, text) pairs with embeddings e_i, t_j (L2-normalised), the logits are
 * z_ij = exp(s) <e_i, t_j> + b with a learned log-scale s and bias b, and the loss is
 *   L = -(1/B) sum_ij log sigma(y_ij z_ij),   y_ij = +1 for a matching pair, -1 otherwise
 * (Zhai et al. 2023, the loss the anyECG-chat paper pretrains its encoder with). Pairs i != j
 * whose texts are identical ("Report: Normal ECG, Sinus rhythm" is common) count as matching:
 * pushing them apart would teach the encoder to separate ECGs that share a diagnosis.
 *
 * The engine has no log-sigmoid op: the loss is `meanNegLogSigmoid` (src/nn/losses.ts, one
 * softmax cross-entropy over rows of [y z, 0]) of the B*B logits, times B; L2 normalisation is
 * `rmsNorm` without weight divided by sqrt(D). Both have hand-written, finite-difference-checked
 * backward passes, so nothing new is needed; a fused
 * "sigmoidBce" kernel would save the [B*B, 2] copy, negligible at B <= 64.
 */
import { Parameter, Rng, Tensor, add, exp, matmul, mul, rmsNorm, scale } from "../tensor/index.js";
import { Linear, type HasParameters } from "../nn/layers.js";
import { meanNegLogSigmoid } from "../nn/losses.js";
import { parameter } from "../nn/params.js";

/** Rows of x [B, D] scaled to unit L2 norm. */
export function l2Normalize(x: Tensor): Tensor {
  const D = x.shape[x.rank - 1]!;
  return scale(rmsNorm(x, null, 1e-12), 1 / Math.sqrt(D));
}

/** -(1/B) sum_ij log sigma(labels_ij * logits_ij) for logits [B, B] and labels of +-1. */
export function sigmoidPairLoss(logits: Tensor, labels: Float32Array): Tensor {
  const B = logits.shape[0]!;
  if (logits.rank !== 2 || logits.shape[1] !== B || labels.length !== B * B)
    throw new RangeError("sigmoidPairLoss: logits must be [B, B] with B*B labels");
  return scale(meanNegLogSigmoid(logits, labels), B);
}

/** +1 where texts i and j are equal (the diagonal included), -1 elsewhere. */
export function matchLabels(texts: readonly string[]): Float32Array {
  const B = texts.length;
  const y = new Float32Array(B * B);
  for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) y[i * B + j] = texts[i] === texts[j] ? 1 : -1;
  return y;
}

/** Projection heads of both towers into a shared space, with the learned scale and bias. */
export class SiglipHead implements HasParameters {
  readonly ecgProj: Linear;
  readonly textProj: Linear;
  /** log of the logit scale (SigLIP initialises the scale to 10 and the bias to -10). */
  readonly logScale: Parameter;
  readonly bias: Parameter;

  constructor(ecgWidth: number, textWidth: number, dim: number, rng: Rng) {
    this.ecgProj = new Linear("siglip.ecg_proj", ecgWidth, dim, { rng });
    this.textProj = new Linear("siglip.text_proj", textWidth, dim, { rng });
    this.logScale = parameter([1], "siglip.log_scale", { init: "zeros", decay: false });
    this.logScale.data[0] = Math.log(10);
    this.bias = parameter([1], "siglip.bias", { init: "zeros", decay: false });
    this.bias.data[0] = -10;
  }

  /** Loss of ECG features [B, ecgWidth] against text features [B, textWidth] with labels. */
  loss(ecg: Tensor, text: Tensor, labels: Float32Array): Tensor {
    return sigmoidPairLoss(this.logits(ecg, text), labels);
  }

  /** z [B, B] = exp(s) <e_i, t_j> + b. */
  logits(ecg: Tensor, text: Tensor): Tensor {
    const e = l2Normalize(this.ecgProj.forward(ecg));
    const t = l2Normalize(this.textProj.forward(text));
    return add(mul(matmul(e, t, { transB: true }), exp(this.logScale)), this.bias);
  }

  parameters(): Parameter[] {
    return [...this.ecgProj.parameters(), ...this.textProj.parameters(), this.logScale, this.bias];
  }
}
