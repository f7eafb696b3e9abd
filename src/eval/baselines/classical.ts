/**
 * The classical baseline: a non-LLM reference for localization. For the window asked about (with
 * `CONTEXT_SECONDS` of the record on each side, clipped), it detects the QRS complexes of MLII or
 * the first lead, classifies each beat (`src/analysis/beats.ts`), finds rhythm episodes
 * (`src/analysis/episodes.ts`), and writes the same answer the dataset does:
 * - beat findings (V, A, L, R, F, paced) with the paper's rule, on the detected beats: a beat of
 *   the class spans from the previous detected beat to the next one, clipped to the window,
 *   rounded to 0.1 s and merged (`beatRuleIntervals` of `src/data/intervals.ts`);
 * - atrial fibrillation, ventricular bigeminy, trigeminy and tachycardia episodes, clipped,
 *   rounded and merged;
 * - QRS complexes (LUDB): each detected beat's QRS onset to offset (`qrsBounds`).
 * Every other finding, and every other task, gets the constant baseline's answer (so a table row
 * where the classical and constant columns agree is a row the classical pipeline does not cover).
 */
import { classifierLead, classifyBeats, type BeatClass } from "../../analysis/beats.js";
import {
  afEpisodes,
  patternEpisodes,
  type Episode,
  type VentricularPattern,
} from "../../analysis/episodes.js";
import { CONTEXT_SECONDS, qrsSpans } from "../../analysis/features.js";
import {
  beatRuleIntervals,
  finalizeIntervals,
  formatLocalizationAnswer,
  type Interval,
  type SampleWindow,
} from "../../data/intervals.js";
import { detectFormat, readEcg } from "../../ecg/read.js";
import { sampleCount, type Ecg } from "../../ecg/record.js";
import { wfdbRecordInfo } from "../../ecg/wfdb/index.js";
import type { EvalExample } from "../examples.js";
import { readSampleWindow, type PredictInput, type Prediction, type Predictor } from "../predictors.js";
import type { ClassicalModel } from "../../train/classical.js";
import { findingName } from "./findings.js";

/** What the pipeline looks for, per finding name (lowercase). */
type Target =
  | { kind: "beat"; cls: BeatClass }
  | { kind: "af" }
  | { kind: "pattern"; pattern: VentricularPattern }
  | { kind: "qrs" };

const TARGETS: Readonly<Record<string, Target>> = {
  "premature ventricular contraction": { kind: "beat", cls: "V" },
  "atrial premature beat": { kind: "beat", cls: "S" },
  "left bundle branch block beat": { kind: "beat", cls: "L" },
  "right bundle branch block beat": { kind: "beat", cls: "R" },
  "fusion of ventricular and normal beat": { kind: "beat", cls: "F" },
  "paced beat": { kind: "beat", cls: "P" },
  "atrial fibrillation": { kind: "af" },
  "ventricular bigeminy": { kind: "pattern", pattern: "bigeminy" },
  "ventricular trigeminy": { kind: "pattern", pattern: "trigeminy" },
  "ventricular tachycardia": { kind: "pattern", pattern: "tachycardia" },
  "qrs complex": { kind: "qrs" },
};

/** The findings the classical pipeline answers itself (names as the dataset writes them, lowercase). */
export const CLASSICAL_FINDINGS: readonly string[] = Object.keys(TARGETS);

/** The pipeline's target for a finding name, or null when it falls back to the constant answer. */
export function classicalTarget(abnormalType: string | undefined): Target | null {
  return abnormalType ? (TARGETS[findingName(abnormalType).trim().toLowerCase()] ?? null) : null;
}

/** The window with its context: the ECG read, and the window's position in it (samples). */
async function readWithContext(path: string, e: EvalExample): Promise<{ ecg: Ecg; window: SampleWindow }> {
  const start = e.ecgStart ?? 0;
  if ((await detectFormat(path)) === "wfdb") {
    const { fs, length } = await wfdbRecordInfo(path);
    const end = Math.min(e.ecgEnd ?? length, length);
    const margin = Math.round(CONTEXT_SECONDS * fs);
    const a = Math.max(0, start - margin);
    const ecg = await readSampleWindow(path, a, end + margin);
    return { ecg, window: { start: start - a, end: end - a } };
  }
  const ecg = await readEcg(path, { annotators: "none" });
  return { ecg, window: { start, end: Math.min(e.ecgEnd ?? sampleCount(ecg), sampleCount(ecg)) } };
}

/** The intervals of one target in a window (seconds from the window start). */
export function classicalIntervals(
  model: ClassicalModel,
  ecg: Ecg,
  window: SampleWindow,
  target: Target,
): Interval[] {
  const fs = ecg.fs;
  const signal = ecg.signals[classifierLead(ecg)]!;
  const c = classifyBeats(model.beats, signal, fs);
  const n = signal.length;
  if (target.kind === "beat")
    return beatRuleIntervals(c.beats, (i) => c.classes[i] === target.cls, window, fs, n);
  let spans: Episode[];
  if (target.kind === "af") spans = afEpisodes(c.beats, c.classes, model.af);
  else if (target.kind === "pattern") spans = patternEpisodes(c.beats, c.classes, target.pattern);
  else spans = qrsSpans(signal, fs, c.beats);
  return finalizeIntervals(spans, window, fs);
}

/** The classical baseline as a predictor; `fallback` answers what it does not cover. */
export class ClassicalPredictor implements Predictor {
  readonly name = "classical";
  readonly needsEcgs = false;
  constructor(
    private readonly model: ClassicalModel,
    private readonly fallback: Predictor,
  ) {}

  async predict(input: PredictInput): Promise<Prediction> {
    const e = input.example;
    const target = classicalTarget(e.abnormalType);
    if ((e.task !== "location" && e.task !== "location_long") || !target || input.paths.length !== 1) {
      return this.fallback.predict(input);
    }
    const { ecg, window } = await readWithContext(input.paths[0]!, e);
    const intervals = classicalIntervals(this.model, ecg, window, target);
    return { answer: formatLocalizationAnswer(findingName(e.abnormalType!), intervals) };
  }
}
