/**
 * Record notes (`recordNotes` in the config): after each ECG block the prompt names, in the
 * reports' own words, what the classical record classifiers (src/analysis/record-classifiers.ts)
 * read on the whole ECG:
 *
 *   ECG 1: <|ecg_start|>...<|ecg_end|> Record: Atrial fibrillation
 *   ECG 1: <|ecg_start|>...<|ecg_end|> Record: Normal sinus rhythm, Myocardial infarction, ST/T change
 *
 * The likeliest rhythm always comes first, then every diagnostic superclass the diagnosis
 * classifier finds more likely than not, then, marked "(possible)", those it finds at least
 * POSSIBLE likely (12-lead ECGs only):
 *
 *   ECG 1: <|ecg_start|>...<|ecg_end|> Record: Normal sinus rhythm, Normal ECG, Hypertrophy (possible)
 *
 * Why: the same probabilities on the ECG's first token (`recordSummary`) did not reach the
 * reports. On CinC 2017's validation recordings the rhythm classifier finds AF at F1 83; a
 * stage 1 reading it there wrote reports at F1 67, agreeing with it on 30 of its 45 AF calls,
 * as without it. Text in its prompt is what a language model copies best; the note is
 * evidence, which the training reports teach the model when to follow.
 */
import type { RecordFinding } from "../analysis/record-classifiers.js";
import { RHYTHM_CLASS_NAMES } from "../analysis/rhythm-classes.js";

const RHYTHMS = new Set<string>(Object.values(RHYTHM_CLASS_NAMES));

/**
 * How likely a diagnosis must be to be named as possible. Why a second level: a report is scored
 * by how likely the model makes each statement, and a note that only names what is more likely
 * than not can rank records no better than yes or no. Named at p > 0.5 alone, the PTB-XL
 * validation records' notes rank the superclasses at macro AUC 71.8 (the probabilities: 87.9);
 * with "(possible)" from 0.1, 80.6. 0.1 was chosen on the training records out of fold (macro
 * AUC 79.9 there; 0.15: 79.0, 0.2: 78.2, 0.3: 75.3).
 */
export const POSSIBLE = 0.1;

/** The rhythm the rhythm classifier finds likeliest (the first on ties), or null without one. */
export function likeliestRhythm(found: readonly RecordFinding[]): RecordFinding | null {
  const rhythms = found.filter((f) => RHYTHMS.has(f.name));
  return rhythms.reduce<RecordFinding | null>((a, f) => (a && a.p >= f.p ? a : f), null);
}

/** The note of an ECG's record findings ("" when there are none). */
export function recordNote(found: readonly RecordFinding[]): string {
  const likeliest = likeliestRhythm(found);
  const diagnoses = found.filter((f) => !RHYTHMS.has(f.name));
  const names = [
    ...(likeliest ? [likeliest.name] : []),
    ...diagnoses.filter((f) => f.p > 0.5).map((f) => f.name),
    ...diagnoses.filter((f) => f.p > POSSIBLE && f.p <= 0.5).map((f) => `${f.name} (possible)`),
  ];
  return names.length ? `Record: ${names.join(", ")}` : "";
}
