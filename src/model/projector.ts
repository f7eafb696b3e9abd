/**
 * The projector (the paper's): Linear, GELU, Linear from the encoder's width into the LM's;
 * optionally (config `projectorNorm`, our addition) an RMS norm on its output.
 *
 * Why the norm: nothing tied the ECG tokens' scale to the words'. Measured on the previous
 * shipped model, a projected token's norm was 37.5 against 1.3 for a word embedding, and 94 % of
 * it was one vector shared by every token: the time words (word-sized) were 2 % of the token,
 * and what told one ECG token from another 6 %. The norm holds every token at the words' scale
 * (its gain starts there, `setOutputScale`), so what varies between tokens and the time words
 * are not drowned.
 */
import { Parameter, Rng, Tensor, gelu } from "../tensor/index.js";
import { Linear, RMSNorm, type HasParameters } from "../nn/layers.js";

export class Projector implements HasParameters {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly norm: RMSNorm | null;
  constructor(inWidth: number, hidden: number, outWidth: number, rng: Rng, opts: { norm?: boolean } = {}) {
    this.fc1 = new Linear("projector.fc1", inWidth, hidden, { bias: true, rng });
    this.fc2 = new Linear("projector.fc2", hidden, outWidth, { bias: true, rng });
    this.norm = opts.norm ? new RMSNorm("projector.norm", outWidth) : null;
  }

  /** Sets the output norm's gain (every feature) to `rms`: the output's root mean square. */
  setOutputScale(rms: number): void {
    if (!this.norm) throw new RangeError("projector: no output norm (config projectorNorm) to scale");
    this.norm.weight.data.fill(rms);
  }
  /**
   * Folds a standardization of the input, (x - mean) / std per feature, into the first layer
   * (W' = W diag(1/std), b' = b - W' mean): a data-dependent initialisation. Why: a frozen
   * encoder's tokens are mostly the same vector plus the time embedding; what differs between
   * ECGs was a few per cent of a projected token's norm (measured), and the language model,
   * seeing nearly the same ECG tokens for every ECG, learned to ignore them. Standardized, the
   * features that vary between ECGs start at unit scale.
   */
  standardizeInput(mean: Float32Array, std: Float32Array): void {
    const { weight, bias } = this.fc1;
    const [out, inp] = weight.shape as [number, number];
    if (mean.length !== inp || std.length !== inp)
      throw new RangeError(`projector: ${mean.length} means and ${std.length} scales for ${inp} inputs`);
    const w = weight.data;
    const b = bias!.data;
    for (let o = 0; o < out; o++) {
      let shift = 0;
      for (let i = 0; i < inp; i++) {
        w[o * inp + i]! /= std[i]!;
        shift += w[o * inp + i]! * mean[i]!;
      }
      b[o]! -= shift;
    }
  }

  forward(x: Tensor): Tensor {
    const y = this.fc2.forward(gelu(this.fc1.forward(x)));
    return this.norm ? this.norm.forward(y) : y;
  }
  parameters(): Parameter[] {
    return [this.fc1, this.fc2, this.norm].flatMap((m) => m?.parameters() ?? []);
  }
}
