/**
 * Tool answers: a localization question about a finding that our classical beat analysis
 * localizes well (TOOL_FINDINGS: premature beats, bigeminy, trigeminy, runs of PVCs, and QRS
 * complexes) is answered with its intervals: for the beat findings those a beat note lists (the
 * QRS detector and beat classifier), for QRS complexes the delineated onsets and offsets of the
 * detected beats; a yes/no question about one is answered from the same intervals. The
 * language model answers every other question itself.
 *
 * Why: on held-out MIT-BIH patients the model's own answers to these questions score IoU 35-60
 * where the classifier scores 79-93 (configs/anyecg-small/README.md, eighth pass), and the model
 * does not learn to copy the classifier's times from a note (ninth pass). A user asking where
 * the premature beats are should get the better answer, and be told where it came from
 * (`GenerateResult.tool`); `tools: false` gives the model's own.
 *
 * Which question is which: the language model reads it as a localization when its answer likely
 * opens with `Duration:` or `No` (`AnyEcg.scoreAnswers`); the finding is the one the question
 * names, as the dataset's questions write it (the name, lower case, plural) or by a usual
 * abbreviation (PVC, PAC ...). Asking the model which `No <name> Found` is likeliest was tried
 * first and mixed up findings the training data asks about rarely (fusion beats read as
 * ventricular bigeminy, aberrated atrial premature beats as atrial premature beats).
 */
import { classifierLead } from "../analysis/beats.js";
import { qrsSpans } from "../analysis/features.js";
import { finalizeIntervals, formatLocalizationAnswer, type Interval } from "../data/intervals.js";
import type { Ecg } from "../ecg/record.js";
import { nameVariants } from "../data/paraphrases.js";
import { WAVE_NAMES } from "../data/sources/ludb.js";
import { LOCATION_FINDINGS } from "../data/tasks/location.js";
import { NOTE_FINDINGS, notedIntervals } from "./beat-notes.js";
import type { LabelledBeats } from "./preprocess.js";
import type { RecordFinding } from "../analysis/record-classifiers.js";
import { RHYTHM_CLASS_NAMES } from "../analysis/rhythm-classes.js";
import { likeliestRhythm } from "./record-notes.js";

const QRS = WAVE_NAMES.N!;

/** How answers the tool wrote are attributed to it (CLI, server, web page). */
export const BEAT_TOOL = "classical beat analysis";

/** Every finding a localization question can ask about (the dataset's names). */
export const LOCALIZATION_NAMES: readonly string[] = [
  ...new Set([...LOCATION_FINDINGS.map((f) => f.name), ...Object.values(WAVE_NAMES)]),
];

/** Each finding's spellings in questions (lower case): its name and plural (nameVariants). */
const SPELLINGS: ReadonlyArray<readonly [string, string]> = LOCALIZATION_NAMES.flatMap((name) =>
  [...new Set(nameVariants("beat", name).map((v) => v.toLowerCase()))].map((v) => [name, v] as const),
);

/** Abbreviations of the tool's findings, as clinicians write them (case-sensitive, plural s optional). */
const ABBREVIATIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(?:PVC|VPB|VPC|PVB)s?\b/, "Premature ventricular contraction"],
  [/\b(?:PAC|APB|APC)s?\b/, "Atrial premature beat"],
  [/\bVT\b/, "Ventricular tachycardia"],
];

/** What the tool reads: the ECG's detected beats with their classes, its length, and the record. */
export interface ToolInput {
  beats: LabelledBeats;
  seconds: number;
  /** The record itself (for QRS delineation), or null when only its preparation is at hand. */
  ecg: Ecg | null;
  /** What the record classifiers read on it (a model with record classifiers), else null. */
  record?: readonly RecordFinding[] | null;
}

/** Openings of a localization answer, found or not. */
const OPENINGS = ["Duration:", "No"];

/**
 * Answers to a yes/no question (the dataset's verify questions answer `yes` or `no`), and
 * `none`, which `no` opens too (the answer to a choice between findings when neither is there).
 */
const VERIFY = ["yes", "no", "none"];

/** Whether the model would answer yes or no, from its probabilities of the VERIFY openings. */
const answersYesNo = ([yes, no, none]: readonly number[]): boolean => yes! + no! - none! > 0.5;

/** A tool's answer and the finding it answers. */
export interface ToolAnswer {
  text: string;
  finding: string;
}

interface Mention {
  name: string;
  start: number;
  end: number;
}

/**
 * The finding a question names, or null when it names none or several. A name inside a longer
 * one counts as the longer ("atrial premature beat" in "aberrated atrial premature beat").
 */
export function namedFinding(question: string): string | null {
  const text = question.toLowerCase();
  const found: Mention[] = [];
  for (const [name, v] of SPELLINGS)
    for (let i = text.indexOf(v); i >= 0; i = text.indexOf(v, i + 1))
      found.push({ name, start: i, end: i + v.length });
  for (const [re, name] of ABBREVIATIONS) {
    const m = re.exec(question);
    if (m) found.push({ name, start: m.index, end: m.index + m[0].length });
  }
  const inside = (a: Mention, b: Mention) => a !== b && b.start <= a.start && a.end <= b.end && b.end - b.start > a.end - a.start; // prettier-ignore
  const names = new Set(found.filter((a) => !found.some((b) => inside(a, b))).map((m) => m.name));
  return names.size === 1 ? [...names][0]! : null;
}

/**
 * The QRS complexes of the detected beats (s), on the lead the beat classifier reads, widened to
 * the answers' 0.1-s grid: a complex of 40-90 ms would otherwise round to nothing and vanish from
 * the answer (on the 22 LUDB validation questions IoU 63.5 against 59.3 rounded to nearest).
 */
function qrsIntervals(ecg: Ecg, beats: LabelledBeats): Interval[] {
  const lead = classifierLead(ecg);
  const fs = ecg.fs;
  const n = ecg.signals[lead]!.length;
  const tick = fs / 10;
  const spans = qrsSpans(
    ecg.signals[lead]!,
    fs,
    Array.from(beats.times, (t) => Math.round(t * fs)),
  ).map((s) => ({ start: Math.floor(s.start / tick) * tick, end: Math.ceil(s.end / tick) * tick }));
  return finalizeIntervals(spans, { start: 0, end: n }, fs);
}

/** A finding the tool answers: on ECGs longer than `longerThan` s, with these intervals. */
interface ToolFinding {
  name: string;
  longerThan: number;
  /** Its intervals (s), or null when the input lacks what they need. */
  intervals: (input: ToolInput) => Interval[] | null;
}

const noted = (name: string, longerThan = 0): ToolFinding => ({
  name,
  longerThan,
  intervals: (input) => notedIntervals(input.beats, name, input.seconds),
});

/**
 * The findings the tool answers: those of the beat notes, and QRS complexes. On the 944 MIT-BIH
 * validation windows of 10 s (`anyecg eval --tools`, each window given alone) the tool scores
 * IoU 80.6 on premature ventricular contractions (the model 37.7), 73.3 on atrial premature
 * beats (34.9) and 66.2 on ventricular bigeminy (49.5), but 42.1 on trigeminy (59.9): its rule
 * needs three N N V cycles in view, which 10 s often do not show. On the 13 longer trigeminy
 * windows of the validation split (11-1800 s) it scores 79.7 against the model's 28.2, so it
 * answers trigeminy on ECGs longer than 10 s. Ventricular tachycardia (three or more PVCs in a
 * row) has no validation window; it rests on the PVCs. QRS complexes come from our delineator
 * (`qrsSpans`): on the 22 LUDB validation questions IoU 63.5 (the model: 2.3).
 */
export const TOOL_FINDINGS: readonly ToolFinding[] = [
  ...NOTE_FINDINGS.map(({ name }) => noted(name, name === "Ventricular trigeminy" ? 10 : 0)),
  { name: QRS, longerThan: 0, intervals: (input) => input.ecg && qrsIntervals(input.ecg, input.beats) },
];

/**
 * The tool's answer to the conversation, whose last question is `question`, about one ECG;
 * null when the question does not ask where, or whether, there is a TOOL_FINDINGS finding the
 * tool can answer on it. `score` gives the model's log-probability of candidate answers: a
 * question the model would answer with `Duration:` or `No ...` is a localization, answered with
 * the finding's intervals; one it would answer `yes` or `no` ("Are there PVCs?") is answered
 * `yes` when the tool finds the finding anywhere, else `no`.
 *
 * Why the yes/no answers: asked "Are there premature ventricular contractions in this ECG?" of
 * the MIT-BIH 119 excerpt, whose PVCs the tool locates exactly, the shipped model answered `no`.
 * On the MIT-BIH and CPSC 2021 validation windows (`npm run bench -- beat-tool-verify`, up to
 * 100 per finding) the model alone answers such questions `no` nearly always (accuracy 29-35 %,
 * about the share of `no` answers); the tool answers PVCs at 88 %, atrial premature beats at 81
 * %, bigeminy at 75 %, and atrial fibrillation (`afAnswer`, 43 windows) at 84 %.
 */
export function beatToolAnswer(
  question: string,
  score: (answers: readonly string[]) => number[],
  input: ToolInput,
): ToolAnswer | null {
  const named = namedFinding(question);
  if (named === RHYTHM_CLASS_NAMES.A) return afAnswer(score, input.record ?? null);
  const tool = TOOL_FINDINGS.find((f) => f.name === named);
  // 0.05 s: an ECG of exactly 10 s must not count as longer than 10 s after resampling
  if (!tool || !(input.seconds > tool.longerThan + 0.05)) return null;
  const [duration, no, ...verify] = score([...OPENINGS, ...VERIFY]).map(Math.exp);
  const localizes = duration! + no! > 0.5;
  if (!localizes && !answersYesNo(verify)) return null;
  const intervals = tool.intervals(input);
  if (!intervals) return null;
  const text = localizes ? formatLocalizationAnswer(tool.name, intervals) : intervals.length ? "yes" : "no";
  return { text, finding: tool.name };
}

/**
 * A yes/no question about atrial fibrillation, answered by the rhythm classifier: `yes` when AF
 * is its likeliest rhythm (as the record note names it). Null for other questions (where AF is,
 * which the model answers) or without the classifier's reading.
 */
function afAnswer(
  score: (answers: readonly string[]) => number[],
  found: readonly RecordFinding[] | null,
): ToolAnswer | null {
  const likeliest = likeliestRhythm(found ?? []);
  if (!likeliest || !answersYesNo(score(VERIFY).map(Math.exp))) return null;
  return { text: likeliest.name === RHYTHM_CLASS_NAMES.A ? "yes" : "no", finding: RHYTHM_CLASS_NAMES.A };
}
