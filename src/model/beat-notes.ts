/**
 * Beat notes (`beatNotes` in the config): after each ECG block the prompt says, in the answer
 * format's own words, where the classical beat classifier puts the abnormal beats of that ECG:
 *
 *   ECG 1: <|ecg_start|>...<|ecg_end|> Beats: Premature ventricular contraction 1.0s-2.8s, 6.4s-8.3s
 *
 * Why: the language model decides well whether a beat finding is in a 10-s window (its answers
 * follow the encoder's evidence) but does not write the times of single beats: it answers the
 * whole window, and on held-out MIT-BIH patients a premature ventricular contraction question
 * scores IoU 38, against 93 for the classical pipeline that reads the same detector and
 * classifier (our measurement on the 944 validation questions). Times it must read off ECG
 * tokens it does not copy (`npm run bench -- times`); text in its prompt is what a language
 * model copies best. The note is evidence, not the answer: the classifier errs on new patients
 * (their bundle branch blocks above all). With out-of-fold classifiers (`folds` in the beats
 * stage) a training record's note is as wrong as a new patient's; the recipe trains with the
 * full classifier, whose notes on training records are nearly the reference answers. Measured:
 * switched on from stage 1, the model did not learn to copy them (it answered `No ... Found`
 * where the note was the reference answer; configs/anyecg-small/README.md, eighth pass), so the
 * text stage teaches the copy first (note-drills.ts and the notes of its localization
 * questions, src/train/stages.ts); it takes our LM more than 400 text steps (ninth pass).
 *
 * Intervals follow the dataset's beat rule (src/data/intervals.ts): a beat spans from the
 * previous detected beat to the next, clipped to the ECG, rounded to 0.1 s and merged. The
 * ventricular patterns (bigeminy, trigeminy, runs of three or more: src/analysis/episodes.ts)
 * span from their first beat to their last, as the classical baseline writes them.
 */
import { BEAT_CLASSES, type BeatClass } from "../analysis/beats.js";
import { patternEpisodes, type VentricularPattern } from "../analysis/episodes.js";
import {
  beatRuleIntervals,
  finalizeIntervals,
  formatLocalizationAnswer,
  type Interval,
} from "../data/intervals.js";
import type { LabelledBeats } from "./preprocess.js";

/**
 * The classes a note names, with the names the localization answers use: the premature beats,
 * which the classifier localizes on held-out patients (IoU 93 and 79 against 38 and 35 for the
 * model's own answers). Not the bundle branch block beats, which it calls on new patients at
 * IoU 28-30 (the model's own answers reach 79 on LBBB), nor fusion and paced beats, which
 * lengthened the notes of CinC 2017's single-lead recordings (first 60: median 41 tokens,
 * 90th percentile 134, against 28 and 107 without them).
 */
const NOTED: ReadonlyArray<readonly [BeatClass, string]> = [
  ["V", "Premature ventricular contraction"],
  ["S", "Atrial premature beat"],
];

/** The ventricular patterns a note names, with their answers' names. */
const PATTERNS: ReadonlyArray<readonly [VentricularPattern, string]> = [
  ["bigeminy", "Ventricular bigeminy"],
  ["trigeminy", "Ventricular trigeminy"],
  ["tachycardia", "Ventricular tachycardia"],
];

/** Intervals listed per class at most: a day-long record's note must stay a few lines. */
export const NOTE_MAX_INTERVALS = 8;

/** The intervals of the beats of class `cls` (s), by the beat rule. */
export function classIntervals(beats: LabelledBeats, cls: BeatClass, seconds: number): Interval[] {
  const k = BEAT_CLASSES.indexOf(cls);
  return beatRuleIntervals(
    beats.times,
    (i) => beats.classes[i] === k,
    { start: 0, end: seconds },
    1,
    seconds,
  );
}

/** The episodes of a ventricular pattern (s), from the beats' classes. */
export function patternIntervals(
  beats: LabelledBeats,
  pattern: VentricularPattern,
  seconds: number,
): Interval[] {
  const ms = Int32Array.from(beats.times, (t) => Math.round(t * 1000));
  const classes = Array.from(beats.classes, (k) => BEAT_CLASSES[k]!);
  return finalizeIntervals(patternEpisodes(ms, classes, pattern), { start: 0, end: seconds * 1000 }, 1000);
}

/** The findings a note can name, in note order, with the question kind that asks about them. */
export const NOTE_FINDINGS: ReadonlyArray<{ name: string; kind: "beat" | "rhythm" }> = [
  ...NOTED.map(([, name]) => ({ name, kind: "beat" as const })),
  ...PATTERNS.map(([, name]) => ({ name, kind: "rhythm" as const })),
];

/**
 * The note of an ECG of `seconds` whose beats are `beats`: `Beats: <name> <intervals>; ...`,
 * `Beats: all normal`, or `Beats: none detected`.
 */
export function beatNote(beats: LabelledBeats, seconds: number): string {
  if (beats.times.length === 0) return "Beats: none detected";
  return formatNote(NOTE_FINDINGS.map(({ name }) => [name, notedIntervals(beats, name, seconds)] as const));
}

/** The intervals (s) of a finding of NOTE_FINDINGS in an ECG of `seconds`, from its labelled beats. */
export function notedIntervals(beats: LabelledBeats, name: string, seconds: number): Interval[] {
  const cls = NOTED.find(([, n]) => n === name)?.[0];
  if (cls) return classIntervals(beats, cls, seconds);
  const pattern = PATTERNS.find(([, n]) => n === name)?.[0];
  if (pattern) return patternIntervals(beats, pattern, seconds);
  throw new RangeError(`beat notes: no noted finding is called ${name}`);
}

/**
 * A note naming each finding that has intervals (in the order given); a finding with more than
 * NOTE_MAX_INTERVALS intervals lists the first ones and how many more there are.
 */
export function formatNote(findings: ReadonlyArray<readonly [string, readonly Interval[]]>): string {
  const parts: string[] = [];
  for (const [name, found] of findings) {
    if (found.length === 0) continue;
    const times = formatLocalizationAnswer(name, found.slice(0, NOTE_MAX_INTERVALS)).slice("Duration: ".length); // prettier-ignore
    const more = found.length > NOTE_MAX_INTERVALS ? ` and ${found.length - NOTE_MAX_INTERVALS} more` : "";
    parts.push(`${name} ${times}${more}`);
  }
  return parts.length ? `Beats: ${parts.join("; ")}` : "Beats: all normal";
}
