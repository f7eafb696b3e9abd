/**
 * Stage 0d: the ECG encoder trained to label its own time tokens with beat types and rhythms
 * (the "beat/rhythm/wave labels as extra targets").
 *
 * Why: localization answers are read off the encoder's time tokens (one per 0.5 s). A
 * report-level objective (the contrastive stage, the chat loss) does not tell the encoder which
 * token holds a premature ventricular beat, and the chat loss is a thin signal for it (a few
 * answer tokens per example); both, measured, even made its output independent of the ECG. Here every time token of every window gets a target for
 * every finding, from the reference annotations: per window, per finding, the paper's answer
 * intervals (`findingIntervals`: a beat spans from the previous beat to the next), and a token is
 * positive when at least half of its time span lies inside them.
 *
 * Windows are drawn afresh for every batch from the training records of the annotated databases
 * (MIT-BIH, CPSC 2021): half of them around a random occurrence of a random finding of the
 * record (rare findings are seen), half at random places; all of the record's leads, or one lead
 * (a third of the time) so that single-lead devices are covered. Batch i is a pure function of
 * (seed, i), as the loop's resume requires.
 *
 * The head (one linear map from encoder width to the findings, `encoder.findings`) is part of
 * the encoder: its probabilities join the tokens into the projector in the later stages. The loss is the plain mean sigmoid
 * cross-entropy over all (token, finding) pairs, so the head stays calibrated (a logit above 0
 * means more likely than not). A first version added the mean over the positive pairs (positives
 * are rare): it taught the encoder to mark every token of a window holding a PVC, a window-level
 * shortcut, and its token-level AUC on held-out records was at chance.
 */
import { mergeIntervals, roundTenth, type Interval, type SampleWindow } from "../data/intervals.js";
import { Rng } from "../data/rng.js";
import { BEAT_NAMES, RHYTHM_NAMES, type AnnotatedRecord } from "../data/sources/mitdb.js";
import { findingIntervals, windowAround, type Finding } from "../data/tasks/location.js";
import type { AnyEcgConfig } from "../model/config.js";
import type { EcgEncoder } from "../model/encoder.js";
import { tokenTimeSpan, patchTokenCount, poolGroup } from "../model/ecg-tokens.js";
import { prepareEcg, type PreparedEcg } from "../model/preprocess.js";
import { RowPlanBuilder, sparseRows } from "../nn/layers.js";
import { meanNegLogSigmoid } from "../nn/losses.js";
import { noGrad, scope, type Parameter, type Tensor } from "../tensor/index.js";
import { cutExample, type EcgLoader } from "./examples.js";
import type { TrainableModel } from "./loop.js";

/** The findings labelled, in a fixed order (the head's outputs). */
export const DENSE_FINDINGS: readonly Finding[] = [
  ...Object.keys(BEAT_NAMES)
    .sort()
    .map((code): Finding => ({ kind: "beat", code, name: BEAT_NAMES[code]! })),
  ...Object.keys(RHYTHM_NAMES)
    .sort()
    .map((code): Finding => ({ kind: "rhythm", code, name: RHYTHM_NAMES[code]! })),
];

/** One window of a record to label: where, which leads. */
export interface DenseWindow {
  record: AnnotatedRecord;
  window: SampleWindow;
  /** Lead names of the record to show. */
  leads: string[];
}

/** A prepared window with its targets: [time tokens x findings], 1 = present. */
export interface DenseItem {
  ecg: PreparedEcg;
  targets: Uint8Array;
}

/** Share of a token's span a finding's intervals must cover for the token to be positive. */
const COVER = 0.5;

/**
 * Targets of a window: for each time token of a window of `samples` samples at the encoder's
 * rate, for each finding, whether its intervals cover at least half of the token's span.
 */
export function denseTargets(w: DenseWindow, samples: number, config: AnyEcgConfig): Uint8Array {
  const n = patchTokenCount(samples, config.encoder);
  const tokens = Math.ceil(n / poolGroup(n, config.tokenBudget));
  const K = DENSE_FINDINGS.length;
  const out = new Uint8Array(tokens * K);
  DENSE_FINDINGS.forEach((f, k) => {
    const intervals = findingIntervals(w.record, f, w.window);
    if (intervals.length === 0) return;
    for (let i = 0; i < tokens; i++) {
      const { start, end } = tokenTimeSpan(i, samples, config);
      let covered = 0;
      for (const iv of intervals) covered += Math.max(0, Math.min(end, iv.end) - Math.max(start, iv.start));
      if (covered >= COVER * (end - start)) out[i * K + k] = 1;
    }
  });
  return out;
}

/** Reads, cuts and prepares a window (records cached by the loader) with its targets. */
export async function denseItem(loader: EcgLoader, w: DenseWindow, config: AnyEcgConfig): Promise<DenseItem> {
  const record = await loader.record(w.record.info.path);
  const ecg = prepareEcg(cutExample(record, w.leads, w.window.start, w.window.end), config.encoder);
  return { ecg, targets: denseTargets(w, ecg.samples, config) };
}

/** Draws the windows of batch i (see the module comment). */
export class DenseWindowSampler {
  private readonly findings: { finding: Finding; positions: number[] }[][];
  private readonly totalLength: number;

  constructor(
    readonly records: readonly AnnotatedRecord[],
    readonly seconds: number,
    readonly seed: number,
  ) {
    if (records.length === 0) throw new RangeError("dense labels: no annotated records to draw windows from");
    this.findings = records.map(occurrences);
    this.totalLength = records.reduce((s, r) => s + r.info.length / r.info.fs, 0);
  }

  /** The `size` windows of batch `i`. */
  batch(i: number, size: number): DenseWindow[] {
    const rng = Rng.for(this.seed, "dense", i);
    return Array.from({ length: size }, () => this.draw(rng));
  }

  private draw(rng: Rng): DenseWindow {
    // records in proportion to their duration
    let t = rng.next() * this.totalLength;
    let r = 0;
    while (r < this.records.length - 1 && (t -= this.records[r]!.info.length / this.records[r]!.info.fs) > 0)
      r++;
    const record = this.records[r]!;
    const { fs, length } = record.info;
    const len = Math.round(this.seconds * fs);
    const found = this.findings[r]!;
    const pos =
      found.length > 0 && rng.next() < 0.5 ? rng.pick(rng.pick(found).positions) : rng.int(0, length - 1);
    const leads = rng.next() < 1 / 3 ? [rng.pick(record.info.leads)] : record.info.leads;
    return { record, window: windowAround(rng, pos, len, length), leads };
  }
}

/** Occurrence positions (samples) of each finding of a record that it contains. */
function occurrences(rec: AnnotatedRecord): { finding: Finding; positions: number[] }[] {
  const out: { finding: Finding; positions: number[] }[] = [];
  for (const finding of DENSE_FINDINGS) {
    const positions =
      finding.kind === "beat"
        ? rec.annotations.filter((a) => a.code === finding.code).map((a) => a.sample)
        : rec.episodes.filter((e) => e.rhythm === finding.code).map((e) => Math.floor((e.start + e.end) / 2));
    if (positions.length) out.push({ finding, positions });
  }
  return out;
}

/** The finding names in the head's order, as the model config lists them (`encoder.findings`). */
export const DENSE_FINDING_NAMES: readonly string[] = DENSE_FINDINGS.map((f) => f.name);

/** The encoder with its per-token findings head (`encoder.findings`, these findings in this order). */
export class DenseLabelModel implements TrainableModel<DenseItem[]> {
  constructor(readonly encoder: EcgEncoder) {
    const names = encoder.c.findings ?? [];
    if (names.join("\n") !== DENSE_FINDING_NAMES.join("\n"))
      throw new RangeError(
        `labels stage: the model's encoder.findings must list the ${DENSE_FINDINGS.length} findings ` +
          `${JSON.stringify(DENSE_FINDING_NAMES)} in this order (it lists ${names.length})`,
      );
  }

  /** The encoder's parameters, its findings head included. */
  parameters(): Parameter[] {
    return this.encoder.parameters();
  }

  /** Logits [time tokens of all ECGs, findings] (the CLS token of each ECG left out). */
  logits(ecgs: readonly PreparedEcg[]): Tensor {
    const { tokens, counts } = this.encoder.encode(ecgs);
    const plan = new RowPlanBuilder();
    let row = 0;
    for (const c of counts) {
      for (let i = 1; i < c; i++) {
        plan.add(row + i);
        plan.endRow();
      }
      row += c;
    }
    return this.encoder.findingLogits(sparseRows(tokens, plan.build()));
  }

  loss(items: DenseItem[]): Tensor {
    const z = this.logits(items.map((i) => i.ecg));
    const n = z.size;
    const targets = new Uint8Array(n);
    let o = 0;
    for (const it of items) {
      targets.set(it.targets, o);
      o += it.targets.length;
    }
    if (o !== n) throw new RangeError(`dense labels: ${o} targets for ${n} logits`);
    return sigmoidCrossEntropy(z, targets);
  }
}

/** Mean of -log sigma(y z) over all entries, y = +1 for a target 1 and -1 for 0. */
export function sigmoidCrossEntropy(z: Tensor, targets: Uint8Array): Tensor {
  return meanNegLogSigmoid(
    z,
    Float32Array.from(targets, (t) => (t ? 1 : -1)),
  );
}

/**
 * The inverse of `denseTargets` for reading a trained head: per finding, the merged spans (s) of
 * the time tokens whose logit is above 0 (probability above 1/2), rounded to 0.1 s.
 */
export function denseIntervals(
  model: DenseLabelModel,
  ecg: PreparedEcg,
  config: AnyEcgConfig,
): Map<string, Interval[]> {
  const K = DENSE_FINDINGS.length;
  const z = noGrad(() => scope(() => model.logits([ecg]).data.slice()));
  const out = new Map<string, Interval[]>();
  DENSE_FINDINGS.forEach((f, k) => {
    const spans: Interval[] = [];
    for (let i = 0; i * K < z.length; i++)
      if (z[i * K + k]! > 0) spans.push(tokenTimeSpan(i, ecg.samples, config));
    out.set(
      f.name,
      mergeIntervals(
        mergeIntervals(spans).map((s) => ({ start: roundTenth(s.start), end: roundTenth(s.end) })),
      ),
    );
  });
  return out;
}
