/**
 * Localization metrics: the paper's interval IoU, and event-level sensitivity and PPV.
 *
 * Answers are `Duration: 0.4s-3.7s, 4.6s-9.3s` (seconds from the start of the ECG shown) or
 * `No <name> Found`.
 *
 * IoU of one example (anyECG-chat `inference.py` / `anyecg/utils.py compute_iou`, DESIGN.md):
 * - reference and prediction identical after trimming: 1 (the paper's first check);
 * - both `No ... Found` (whatever name each gives): 1;
 * - one `No ... Found` and the other with intervals: 0;
 * - otherwise (total pairwise intersection of the two interval sets) / (length of the union of
 *   all intervals of both sets); 0 when that union has zero length.
 * - an answer the parser cannot read scores 0; it is counted and listed, never thrown.
 * Each set's own intervals are merged first. For well-formed answers (merged, as we and the paper
 * write them) this is exactly the paper's number; for a prediction that repeats or overlaps its
 * own intervals it stops the paper's pairwise sum from exceeding the union (IoU > 1).
 *
 * Aggregates (as the paper): micro IoU = mean over all examples; macro IoU = mean over abnormal
 * types of each type's mean IoU; per-type means.
 *
 * Event level (ours, not in the paper), pooled over all examples: a reference interval counts as
 * detected when at least one predicted interval overlaps it by a positive length (touching ends do
 * not count); a predicted interval is a true positive when it overlaps some reference interval.
 * sensitivity = detected reference intervals / reference intervals;
 * PPV = true-positive predicted intervals / predicted intervals (null when a denominator is 0).
 * An unparsable prediction counts as no predicted interval.
 */
import { mergeIntervals, parseLocalizationAnswer, type Interval } from "../../data/intervals.js";
import { groupedMean, type GroupStat } from "./aggregate.js";

/** A time span in seconds, `start <= end` (the data builder's `Interval`). */
export type Span = Interval;

/**
 * Reads an answer's intervals with the data builder's parser (`parseLocalizationAnswer`, which
 * also writes the answers): `[]` for `No ... Found`, the intervals for `Duration: ...`, null when
 * unreadable. It tolerates case, spaces, a missing "s", "to" or an en dash, ";" between
 * intervals and a trailing period, so it reads a little more than the paper's strict parser
 * (which needs exactly `Duration: 0.4s-3.7s, ...`); our answers read the same either way.
 */
export function parseLocalizationIntervals(text: string): Span[] | null {
  const p = parseLocalizationAnswer(text);
  if (!p) return null;
  return p.found ? p.intervals : [];
}

function totalLength(spans: readonly Span[]): number {
  let s = 0;
  for (const x of spans) s += x.end - x.start;
  return s;
}

function overlap(a: Span, b: Span): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}

/**
 * IoU of two interval sets (see the module comment): both empty → 1, one empty → 0, otherwise the
 * pairwise intersection of the merged sets over the length of their union (0 if that is 0).
 */
export function intervalIoU(reference: readonly Span[], prediction: readonly Span[]): number {
  if (reference.length === 0 && prediction.length === 0) return 1;
  if (reference.length === 0 || prediction.length === 0) return 0;
  const a = mergeIntervals(reference);
  const b = mergeIntervals(prediction);
  let inter = 0;
  for (const x of a) for (const y of b) inter += overlap(x, y);
  const union = totalLength(mergeIntervals([...a, ...b]));
  return union > 0 ? inter / union : 0;
}

/** The score of one localization answer, and which side (if any) could not be read. */
export interface LocalizationScore {
  iou: number;
  /** Parsed intervals (null when unreadable). */
  reference: Span[] | null;
  prediction: Span[] | null;
}

/** Scores one answer pair; never throws. */
export function scoreLocalizationAnswer(reference: string, prediction: string): LocalizationScore {
  const ref = parseLocalizationIntervals(reference);
  const pred = parseLocalizationIntervals(prediction);
  if (reference.trim() === prediction.trim()) return { iou: 1, reference: ref, prediction: pred };
  const iou = ref && pred ? intervalIoU(ref, pred) : 0;
  return { iou, reference: ref, prediction: pred };
}

/** One localization example to score. */
export interface LocalizationItem {
  reference: string;
  prediction: string;
  /** The finding asked about (`V`, `Premature ventricular contraction`, `AFIB` ...). */
  abnormalType: string;
  /** Shown in the list of unreadable answers. */
  id?: string;
}

/** Event counts, pooled over examples. */
export interface EventScores {
  referenceIntervals: number;
  detected: number;
  predictedIntervals: number;
  truePredicted: number;
  /** detected / referenceIntervals (null without reference intervals). */
  sensitivity: number | null;
  /** truePredicted / predictedIntervals (null without predicted intervals). */
  ppv: number | null;
}

/** An answer that could not be read. */
export interface UnreadableAnswer {
  index: number;
  id?: string;
  side: "prediction" | "reference";
  text: string;
}

/** Localization results over a set of examples. */
export interface LocalizationScores {
  n: number;
  microIoU: number;
  macroIoU: number;
  perType: Record<string, GroupStat & { events: EventScores }>;
  events: EventScores;
  /** Predictions (and, for a broken data file, references) that could not be read: scored 0. */
  unreadable: UnreadableAnswer[];
  /** Per-example IoU, in input order (for the per-example predictions file). */
  ious: number[];
}

function emptyEvents(): EventScores {
  return {
    referenceIntervals: 0,
    detected: 0,
    predictedIntervals: 0,
    truePredicted: 0,
    sensitivity: null,
    ppv: null,
  };
}

function addEvents(acc: EventScores, ref: readonly Span[], pred: readonly Span[]): void {
  const a = mergeIntervals(ref);
  const b = mergeIntervals(pred);
  acc.referenceIntervals += a.length;
  acc.predictedIntervals += b.length;
  acc.detected += a.filter((x) => b.some((y) => overlap(x, y) > 0)).length;
  acc.truePredicted += b.filter((y) => a.some((x) => overlap(x, y) > 0)).length;
}

function finishEvents(e: EventScores): EventScores {
  e.sensitivity = e.referenceIntervals ? e.detected / e.referenceIntervals : null;
  e.ppv = e.predictedIntervals ? e.truePredicted / e.predictedIntervals : null;
  return e;
}

/** IoU (micro, macro, per type), event sensitivity/PPV and the unreadable answers. */
export function scoreLocalization(items: readonly LocalizationItem[]): LocalizationScores {
  const ious: number[] = [];
  const unreadable: UnreadableAnswer[] = [];
  const events = emptyEvents();
  const typeEvents = new Map<string, EventScores>();
  items.forEach((item, index) => {
    const s = scoreLocalizationAnswer(item.reference, item.prediction);
    ious.push(s.iou);
    const id = item.id === undefined ? {} : { id: item.id };
    if (!s.reference) unreadable.push({ index, ...id, side: "reference", text: item.reference });
    if (!s.prediction) unreadable.push({ index, ...id, side: "prediction", text: item.prediction });
    if (!s.reference) return;
    const te = typeEvents.get(item.abnormalType) ?? emptyEvents();
    typeEvents.set(item.abnormalType, te);
    addEvents(events, s.reference, s.prediction ?? []);
    addEvents(te, s.reference, s.prediction ?? []);
  });
  const g = groupedMean(
    ious,
    items.map((i) => i.abnormalType),
  );
  const perType: LocalizationScores["perType"] = {};
  for (const [name, stat] of Object.entries(g.perGroup)) {
    perType[name] = { ...stat, events: finishEvents(typeEvents.get(name) ?? emptyEvents()) };
  }
  return {
    n: g.n,
    microIoU: g.micro,
    macroIoU: g.macro,
    perType,
    events: finishEvents(events),
    unreadable,
    ious,
  };
}
