/**
 * Data-dependent initialisation of the projector (stage config `standardizeProjector`): its
 * first layer set to standardize every input feature over the tokens of some training ECGs
 * (Projector.standardizeInput says why), and its output norm, if it has one, to the scale of the
 * language model's word embeddings. Run when the stage starts afresh; a resumed stage
 * loads its trained projector from its state instead.
 */
import type { AnyEcg, EcgInput } from "../model/anyecg.js";
import { noGrad, scope } from "../tensor/index.js";

/** Smallest standard deviation an input is divided by (at most a 20-fold gain). */
const MIN_INPUT_STD = 0.05;

/** Per-feature mean and standard deviation of the projector's input over the ECGs' tokens. */
export function projectorInputStats(
  model: AnyEcg,
  ecgs: readonly EcgInput[],
): { mean: Float32Array; std: Float32Array } {
  if (ecgs.length === 0) throw new RangeError("standardizeProjector: no ECG to take statistics from");
  const prepared = ecgs.map((e) => model.prepare(e));
  const D = model.encoder.outputWidth;
  const sum = new Float64Array(D);
  const sq = new Float64Array(D);
  let n = 0;
  for (let i = 0; i < prepared.length; i += 16)
    noGrad(() =>
      scope(() => {
        const x = model.projectorInput(prepared.slice(i, i + 16)).features.data;
        for (let r = 0; r < x.length; r += D, n++)
          for (let j = 0; j < D; j++) {
            sum[j]! += x[r + j]!;
            sq[j]! += x[r + j]! ** 2;
          }
      }),
    );
  const mean = Float32Array.from(sum, (s) => s / n);
  const std = Float32Array.from(sq, (q, j) =>
    Math.max(MIN_INPUT_STD, Math.sqrt(Math.max(0, q / n - mean[j]! ** 2))),
  );
  return { mean, std };
}

/** Root mean square of the language model's word embeddings (all entries). */
export function wordEmbeddingRms(model: AnyEcg): number {
  const w = model.lm.embed.weight.data;
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]! ** 2;
  return Math.sqrt(s / w.length);
}

/**
 * Sets the projector's first layer to standardize its input over these ECGs' tokens, and its
 * output norm (if any) to the words' scale.
 */
export function standardizeProjector(model: AnyEcg, ecgs: readonly EcgInput[]): void {
  const { mean, std } = projectorInputStats(model, ecgs);
  model.projector.standardizeInput(mean, std);
  if (model.projector.norm) model.projector.setOutputScale(wordEmbeddingRms(model));
}
