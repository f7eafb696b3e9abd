/**
 * Stage 0d: the ECG encoder trained to label its own time tokens with beat types and rhythms
 * (the issue's "beat/rhythm/wave labels as extra targets").
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
 * (a third of the time) so that single-lead devices are covered. Optionally a share of the
 * windows comes from CinC 2017's recordings, labelled only as a whole (AF, normal, other rhythm,
 * noisy): for them the loss counts the AF and flutter targets and, for a head that names them,
 * the classes alone (`AnnotatedRecord.complete`), and they bring
 * thousands of patients to the AF rhythm, which the annotated databases show in 10. Likewise a
 * share may come from PTB-XL's records, labelled as a whole with their diagnostic superclasses
 * (myocardial infarction, ST/T change, conduction disturbance, hypertrophy, normal), for a head
 * whose findings name them: the beat and rhythm labels say nothing about what a 12-lead report
 * is about, and the encoder is frozen after this stage. Training
 * windows may get noise and baseline wander (augment.ts). Batch i is a pure function of
 * (seed, i), as the loop's resume requires.
 *
 * The head (one linear map from encoder width to the findings the model config lists,
 * `encoder.findings`, each one a source labels: `headFindings`) is part of
 * the encoder: its probabilities join the tokens into the projector in the later stages. The loss is the plain mean sigmoid
 * cross-entropy over all (token, finding) pairs, so the head stays calibrated (a logit above 0
 * means more likely than not). A first version added the mean over the positive pairs (positives
 * are rare): it taught the encoder to mark every token of a window holding a PVC, a window-level
 * shortcut, and its token-level AUC on held-out records was at chance.
 */
import { mergeIntervals, roundTenth, type Interval, type SampleWindow } from "../data/intervals.js";
import { Rng } from "../data/rng.js";
import type { AnnotatedRecord } from "../data/sources/mitdb.js";
import { CINC2017_CLASS_NAMES, cinc2017ClassCode } from "../data/sources/cinc2017.js";
import { PTBXL_CLASS_NAMES, ptbxlClassCode } from "../data/sources/ptbxl.js";
import {
  LOCATION_FINDINGS,
  findingIntervals,
  recordFindings,
  windowAround,
  type Finding,
} from "../data/tasks/location.js";
import type { AnyEcg } from "../model/anyecg.js";
import type { AnyEcgConfig } from "../model/config.js";
import type { EcgEncoder } from "../model/encoder.js";
import { tokenTimeSpan, patchTokenCount, poolGroup } from "../model/ecg-tokens.js";
import { prepareEcg, type PreparedEcg } from "../model/preprocess.js";
import { RowPlanBuilder, sparseRows } from "../nn/layers.js";
import { meanNegLogSigmoid } from "../nn/losses.js";
import { noGrad, scope, type Parameter, type Tensor } from "../tensor/index.js";
import { augmentEcg, drawAugmentation, type Augmentation } from "./augment.js";
import { cutExample, type EcgLoader } from "./examples.js";
import type { TrainableModel } from "./loop.js";

/** The beat types and rhythms labelled, in a fixed order (the shipping head's outputs). */
export const DENSE_FINDINGS: readonly Finding[] = LOCATION_FINDINGS;

/** One window of a record to label: where, which leads, what noise. */
export interface DenseWindow {
  record: AnnotatedRecord;
  window: SampleWindow;
  /** Lead names of the record to show. */
  leads: string[];
  /** Noise and wander to add (training windows), or none. */
  augment?: Augmentation | null;
}

/** A prepared window with its targets: [time tokens x findings], 1 = present. */
export interface DenseItem {
  ecg: PreparedEcg;
  targets: Uint8Array;
  /** Per finding, 1 where the record's annotation of it is complete (the loss skips the rest); null: all. */
  known: Uint8Array | null;
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
  const findings = headFindings(config);
  const K = findings.length;
  const out = new Uint8Array(tokens * K);
  findings.forEach((f, k) => {
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

/** Reads, cuts, augments and prepares a window (records cached by the loader) with its targets. */
export async function denseItem(
  loader: EcgLoader,
  w: DenseWindow,
  model: Pick<AnyEcg, "config" | "classifierOf">,
): Promise<DenseItem> {
  const config = model.config;
  const cut = cutExample(await loader.record(w.record.info.path), w.leads, w.window.start, w.window.end);
  const ecg = prepareEcg(w.augment ? augmentEcg(cut, w.augment) : cut, config.encoder, {
    beats: model.classifierOf(cut),
  });
  const complete = new Set(w.record.complete ?? ANNOTATED_CODES);
  const known = Uint8Array.from(headFindings(config), (f) => (complete.has(f.code) ? 1 : 0));
  return {
    ecg,
    targets: denseTargets(w, ecg.samples, config),
    known: known.every((k) => k === 1) ? null : known,
  };
}

/** Records to draw windows from, and the share of each batch's windows they get. */
export interface DenseSource {
  records: readonly AnnotatedRecord[];
  share: number;
}

interface Pool {
  records: readonly AnnotatedRecord[];
  findings: { finding: Finding; positions: number[] }[][];
  /** Each record's share of the pool's duration (records are drawn in proportion to it). */
  weights: number[];
}

/** Draws the windows of batch i (see the module comment). */
export class DenseWindowSampler {
  private readonly pools: Pool[];
  private readonly shares: number[];

  /** `sources`: records and their shares of the windows; `augment`: noise and wander on them (training). */
  constructor(
    sources: readonly DenseSource[],
    readonly seconds: number,
    readonly seed: number,
    readonly augment = false,
  ) {
    const used = sources.filter((s) => s.records.length > 0 && s.share > 0);
    if (used.length === 0) throw new RangeError("dense labels: no annotated records to draw windows from");
    this.pools = used.map(({ records }) => {
      const seconds = records.map((r) => r.info.length / r.info.fs);
      const total = seconds.reduce((a, b) => a + b);
      return { records, findings: records.map(recordFindings), weights: seconds.map((x) => x / total) };
    });
    const sum = used.reduce((a, s) => a + s.share, 0);
    this.shares = used.map((s) => s.share / sum);
  }

  /** The `size` windows of batch `i`. */
  batch(i: number, size: number): DenseWindow[] {
    const rng = Rng.for(this.seed, "dense", i);
    return Array.from({ length: size }, () => this.draw(rng));
  }

  private draw(rng: Rng): DenseWindow {
    const pool = this.pools[pickIndex(rng.next(), this.shares)]!;
    const r = pickIndex(rng.next(), pool.weights); // records in proportion to their duration
    const record = pool.records[r]!;
    const { fs, length } = record.info;
    const len = Math.round(this.seconds * fs);
    const found = pool.findings[r]!;
    const pos =
      found.length > 0 && rng.next() < 0.5 ? rng.pick(rng.pick(found).positions) : rng.int(0, length - 1);
    const leads = rng.next() < 1 / 3 ? [rng.pick(record.info.leads)] : record.info.leads;
    const window = windowAround(rng, pos, len, length);
    return { record, window, leads, augment: this.augment ? drawAugmentation(rng) : null };
  }
}

/** The index whose cumulative weight first exceeds u (weights summing to 1). */
function pickIndex(u: number, weights: readonly number[]): number {
  let i = 0;
  while (i < weights.length - 1 && (u -= weights[i]!) > 0) i++;
  return i;
}

/** The finding names in the head's order, as the shipping model config lists them (`encoder.findings`). */
export const DENSE_FINDING_NAMES: readonly string[] = DENSE_FINDINGS.map((f) => f.name);

/**
 * Every finding a head can be trained on: the annotated beat types and rhythms, PTB-XL's
 * diagnostic superclasses and CinC 2017's classes, which label a whole record
 * (`loadPtbxlClasses`, `loadCinc2017Rhythms`).
 */
const KNOWN_FINDINGS: readonly Finding[] = [
  ...DENSE_FINDINGS,
  ...Object.entries(CINC2017_CLASS_NAMES).map(([label, name]): Finding => ({ kind: "rhythm", code: cinc2017ClassCode(label), name })), // prettier-ignore
  ...Object.entries(PTBXL_CLASS_NAMES).map(([cls, name]): Finding => ({ kind: "rhythm", code: ptbxlClassCode(cls), name })), // prettier-ignore
];

const KNOWN_BY_NAME = new Map(KNOWN_FINDINGS.map((f) => [f.name, f]));

/** The codes an annotated database (MIT-BIH, CPSC 2021) annotates: its beats and rhythms. */
const ANNOTATED_CODES: ReadonlySet<string> = new Set(DENSE_FINDINGS.map((f) => f.code));

/** The findings of a model's head, in its order (`encoder.findings`, each a known finding's name). */
export function headFindings(config: AnyEcgConfig): Finding[] {
  const names = config.encoder.findings ?? [];
  if (names.length === 0) throw new RangeError("labels: the model's encoder.findings lists no finding");
  return names.map((n) => {
    const f = KNOWN_BY_NAME.get(n);
    if (!f)
      throw new RangeError(
        `labels: encoder.findings names ${JSON.stringify(n)}, which no labelled source has (known: ${KNOWN_FINDINGS.map((k) => k.name).join(", ")})`,
      );
    return f;
  });
}

/**
 * Records labelled as a whole that teach this head something: those whose `complete` codes
 * include one of its findings (a noisy CinC 2017 recording says nothing about AF, so a head
 * without CinC's classes would spend windows on it for no target).
 */
export function labelledForHead(
  records: readonly AnnotatedRecord[],
  config: AnyEcgConfig,
): AnnotatedRecord[] {
  const named = new Set(headFindings(config).map((f) => f.code));
  return records.filter((r) => r.complete?.some((code) => named.has(code)));
}

/** The encoder with its per-token findings head (`encoder.findings`, these findings in this order). */
export class DenseLabelModel implements TrainableModel<DenseItem[]> {
  /** The head's findings, in its order. */
  readonly findings: Finding[];
  constructor(readonly encoder: EcgEncoder) {
    this.findings = headFindings(encoder.config);
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
    const K = this.findings.length;
    const targets = new Uint8Array(n);
    const known = new Uint8Array(n).fill(1);
    let o = 0;
    for (const it of items) {
      targets.set(it.targets, o);
      if (it.known) for (let i = 0; i < it.targets.length; i++) known[o + i] = it.known[i % K]!;
      o += it.targets.length;
    }
    if (o !== n) throw new RangeError(`dense labels: ${o} targets for ${n} logits`);
    return sigmoidCrossEntropy(z, targets, known);
  }
}

/**
 * Mean of -log sigma(y z) over the entries whose `known` is 1 (default all), y = +1 for a
 * target 1 and -1 for 0.
 */
export function sigmoidCrossEntropy(z: Tensor, targets: Uint8Array, known?: Uint8Array): Tensor {
  if (!known || known.every((k) => k === 1))
    return meanNegLogSigmoid(
      z,
      Float32Array.from(targets, (t) => (t ? 1 : -1)),
    );
  const plan = new RowPlanBuilder();
  const signs: number[] = [];
  known.forEach((k, i) => {
    if (!k) return;
    plan.add(i);
    plan.endRow();
    signs.push(targets[i] ? 1 : -1);
  });
  if (signs.length === 0) throw new RangeError("dense labels: no known target in the batch");
  return meanNegLogSigmoid(sparseRows(z.view([z.size, 1]), plan.build()), Float32Array.from(signs));
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
  const K = model.findings.length;
  const z = noGrad(() => scope(() => model.logits([ecg]).data.slice()));
  const out = new Map<string, Interval[]>();
  model.findings.forEach((f, k) => {
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
