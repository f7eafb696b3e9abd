/**
 * Note drills for the text stage (0b) of a model with beat notes (src/model/beat-notes.ts):
 * made-up notes, each followed by a localization question about a finding the notes name or
 * could name, answered from the note alone:
 *
 *   user:      ECG 1: Beats: Premature ventricular contraction 2.5s-4.0s, 7.1s-8.6s
 *              Locate the premature ventricular contractions in this ECG.
 *   assistant: Duration: 2.5s-4.0s, 7.1s-8.6s
 *
 * Why: the language model must learn to copy a note's times before the ECG stages, which only
 * teach it when to trust one. Measured: 200 text steps in which the real localization examples
 * (30 % of them) carried their notes did not teach it; asked for the premature ventricular
 * contractions of a window whose note said 2.5s-4.0s, it answered `Duration: 0.0s-10.0s`.
 * Made-up notes make every drill need the copy, and cost no ECG reading. The ECG stages may mix
 * a few in (their reports never ask for the copy); a drill has no ECG, so it is rendered as in
 * the text stage.
 */
import { formatLocalizationAnswer, roundTenth, type Interval } from "../data/intervals.js";
import { question } from "../data/paraphrases.js";
import type { Example } from "../data/example.js";
import { Rng } from "../data/rng.js";
import { NOTE_FINDINGS, NOTE_MAX_INTERVALS, formatNote } from "../model/beat-notes.js";
import { withNotes } from "../model/chat-template.js";

/** The dataset name of drill examples (they have no ECG). */
export const DRILL_DATASET = "note-drill";

/** `count` drills, reproducible from `seed`. */
export function noteDrills(count: number, seed: number): Example[] {
  return Array.from({ length: count }, (_, i) => noteDrill(Rng.for(seed, "note-drill", i), i));
}

function noteDrill(rng: Rng, i: number): Example {
  const seconds = rng.next() < 0.7 ? 10 : rng.int(11, 60);
  const named = rng.next() < 0.15 ? [] : rng.shuffle(NOTE_FINDINGS).slice(0, rng.int(1, 2));
  const found = NOTE_FINDINGS.filter((f) => named.includes(f)).map(
    (f) => [f, someIntervals(rng, seconds, f.kind === "beat" ? 2.5 : 10)] as const,
  );
  // most questions ask about a finding the note names; the others about one it does not name
  const absent = NOTE_FINDINGS.filter((f) => !named.includes(f));
  const [asked, intervals] =
    found.length > 0 && rng.next() < 0.7 ? rng.pick(found) : ([rng.pick(absent), []] as const);
  const note = formatNote(found.map(([f, iv]) => [f.name, iv] as const));
  return {
    question: withNotes([note], question(asked.kind, "train", rng, { name: asked.name })),
    answer: formatLocalizationAnswer(asked.name, intervals),
    ecg_path: [],
    dataset: DRILL_DATASET,
    task: seconds > 10 ? "location_long" : "location",
    abnormal_type: asked.name,
    leads: [],
    split: "train",
    stage: seconds > 10 ? 3 : 2,
    id: `${DRILL_DATASET}-${i}`,
  };
}

/** 1 to NOTE_MAX_INTERVALS sorted, disjoint intervals in [0, seconds], 0.1 s steps, at most `width` s long. */
function someIntervals(rng: Rng, seconds: number, width: number): Interval[] {
  const n = rng.int(1, Math.min(NOTE_MAX_INTERVALS, Math.max(1, Math.floor(seconds / (width + 0.5)))));
  const out: Interval[] = [];
  let t = 0;
  for (let k = 0; k < n && t < seconds - 0.5; k++) {
    const start = roundTenth(t + rng.next() * Math.max(0, (seconds - t) / (n - k) - 0.5));
    const end = roundTenth(Math.min(seconds, start + 0.5 + rng.next() * (width - 0.5)));
    out.push({ start, end });
    t = end + 0.3;
  }
  return out;
}
