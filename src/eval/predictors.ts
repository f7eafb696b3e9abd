/**
 * The predictor interface of the evaluation: anything that answers an example's question from its
 * ECGs — the model, or a baseline. The runner reads the ECGs (only when the predictor needs them)
 * and scores the answers; a predictor never scores itself.
 */
import { basename } from "node:path";
import { InputError } from "../errors.js";
import { detectFormat, readEcg, type ReadOptions } from "../ecg/read.js";
import { sampleCount, sliceSamples, type Ecg } from "../ecg/record.js";
import { readWfdbRecord, wfdbRecordInfo } from "../ecg/wfdb/index.js";
import type { EvalExample } from "./examples.js";
import type { LabelSet } from "./label-sets.js";

/** What a predictor gets for one example. */
export interface PredictInput {
  example: EvalExample;
  /** The example's ECGs, localization windows cut to [ecg_start, ecg_end); empty when `needsEcgs` is false. */
  ecgs: Ecg[];
  /** Resolved record paths (so a predictor can read more context than the window). */
  paths: string[];
}

/** A predictor's answer. */
export interface Prediction {
  answer: string;
}

export interface Predictor {
  /** Short name written into the results ("constant", "classical", "anyecg:models/anyecg-small"). */
  readonly name: string;
  /** Whether the runner must read the ECGs before calling `predict`. */
  readonly needsEcgs: boolean;
  predict(input: PredictInput): Promise<Prediction>;
  /**
   * Scorer (b) of the report AUC, for predictors that have one (the model's likelihood; the
   * baselines have none): a score per label of each set, keyed by set name, in the set's order,
   * given the predictor's own `answer` to the example.
   */
  scoreLabels?(
    input: PredictInput,
    sets: readonly LabelSet[],
    answer: string,
  ): Promise<Record<string, number[]>>;
}

/**
 * Reads samples [start, end) of a record (clipped to it), at the record's own rate. WFDB records
 * read only that part; other formats are read whole and cut.
 */
export async function readSampleWindow(
  path: string,
  start: number,
  end: number,
  annotators: ReadOptions["annotators"] = "none",
): Promise<Ecg> {
  if ((await detectFormat(path)) === "wfdb") {
    const info = await wfdbRecordInfo(path);
    const a = Math.max(0, Math.min(start, info.length));
    const b = Math.max(a, Math.min(end, info.length));
    if (b <= a)
      throw new InputError(
        basename(path),
        `window ${start}-${end} is outside the record (${info.length} samples)`,
      );
    return readWfdbRecord(path, { from: a, to: b, annotators });
  }
  const ecg = await readEcg(path, { annotators });
  const n = sampleCount(ecg);
  const a = Math.max(0, Math.min(start, n));
  const b = Math.max(a, Math.min(end, n));
  if (b <= a)
    throw new InputError(basename(path), `window ${start}-${end} is outside the record (${n} samples)`);
  return sliceSamples(ecg, a, b);
}

/**
 * Reads an example's ECGs: a localization example's window is cut from its record
 * ([ecg_start, ecg_end) in samples at the record's rate); other examples read whole records.
 */
export async function readExampleEcgs(example: EvalExample, paths: readonly string[]): Promise<Ecg[]> {
  const out: Ecg[] = [];
  for (const p of paths) {
    if (example.ecgStart === undefined && example.ecgEnd === undefined) {
      out.push(await readEcg(p, { annotators: "none" }));
    } else {
      out.push(await readSampleWindow(p, example.ecgStart ?? 0, example.ecgEnd ?? Number.MAX_SAFE_INTEGER));
    }
  }
  return out;
}
