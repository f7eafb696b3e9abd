/**
 * Question paraphrases per task kind. Every kind has at least 20 training phrasings and a
 * disjoint set of validation phrasings, so a validation score cannot come from a memorised
 * question. `{name}` is replaced by the finding ("Premature ventricular contraction"),
 * `{n}` by the number of ECGs.
 */
import type { Split } from "./example.js";
import type { Rng } from "./rng.js";

export type ParaphraseKind =
  | "report"
  | "beat"
  | "rhythm"
  | "wave"
  | "multi_new"
  | "multi_resolved"
  | "multi_which"
  | "multi_same_rhythm";

/** Every combination of the parts, in a stable order. */
function combine(...parts: string[][]): string[] {
  let out = [""];
  for (const p of parts) out = out.flatMap((a) => p.map((b) => a + b));
  return out.map((s) => s.replace(/\s+/g, " ").trim());
}

const LOCATE_OPENINGS = [
  "Please identify the time intervals of {name} in this ECG.",
  "When does {name} occur in this ECG?",
  "Find every interval containing {name} in this recording.",
  "Locate the {name} segments in this ECG.",
  "At what times does this ECG show {name}?",
  "Mark the durations of {name} in the ECG shown.",
  "Where in this tracing can {name} be seen?",
  "Give the time ranges of {name} in this ECG.",
  "Which parts of this ECG contain {name}?",
  "Identify when {name} is present in this recording.",
  "Report the timing of {name} within this ECG.",
  "List the intervals in which {name} appears.",
  "Detect {name} in this ECG and give its time intervals.",
];
const LOCATE_TAILS = ["", " Answer with time intervals in seconds."];

const WAVE_OPENINGS = [
  "Please identify the time intervals of every {name} in this ECG.",
  "Where is each {name} in this ECG?",
  "Delineate every {name} of this recording.",
  "Give the onset and offset of each {name} in this ECG.",
  "Mark every {name} in the ECG shown.",
  "When does each {name} start and end in this ECG?",
  "Locate every {name} in this tracing.",
  "List the time interval of each {name}.",
  "Find each {name} in this ECG and give its duration.",
  "Which intervals of this ECG are a {name}?",
  "Segment every {name} of this ECG.",
  "Show the timing of each {name} in this recording.",
  "Identify each {name} in this ECG by its time interval.",
];

const REPORT_OPENINGS = [
  "Please write a report for this ECG.",
  "Describe this ECG.",
  "What does this ECG show?",
  "Give the diagnostic statements for this ECG.",
  "Interpret this ECG.",
  "Write the findings of this electrocardiogram.",
  "Summarise this ECG as a report.",
  "What are the findings in this ECG?",
  "Provide an interpretation of this recording.",
  "Generate a clinical report for the ECG shown.",
  "List the diagnoses this ECG supports.",
  "How would you report this ECG?",
  "Read this ECG and report what you see.",
];
const REPORT_TAILS = ["", " Be concise."];

const MULTI: Record<"multi_new" | "multi_resolved" | "multi_which" | "multi_same_rhythm", string[][]> = {
  multi_new: [
    [
      "Compared with the first ECG, ",
      "Relative to the earlier ECG, ",
      "Looking at both ECGs, ",
      "Comparing the two ECGs, ",
      "Given the first ECG as a baseline, ",
      "Between the first and the second ECG, ",
      "From the first to the second ECG, ",
    ],
    [
      "what findings are new in the second one?",
      "which statements appear only in the second ECG?",
      "what has newly appeared in the second ECG?",
      "what is present in the second ECG but not in the first?",
    ],
  ],
  multi_resolved: [
    [
      "Compared with the first ECG, ",
      "Relative to the earlier ECG, ",
      "Looking at both ECGs, ",
      "Comparing the two ECGs, ",
      "Given the first ECG as a baseline, ",
      "Between the first and the second ECG, ",
      "From the first to the second ECG, ",
    ],
    [
      "what findings have resolved in the second one?",
      "which statements of the first ECG are gone in the second?",
      "what has disappeared in the second ECG?",
      "what is present in the first ECG but no longer in the second?",
    ],
  ],
  multi_which: [
    [
      "Which of these ECGs show {name}?",
      "Which ECGs have {name}?",
      "In which of the ECGs is {name} present?",
      "Which recordings show {name}?",
      "Among these ECGs, which ones show {name}?",
      "Tell me which ECGs show {name}.",
      "Which of the {n} ECGs contain {name}?",
    ],
    ["", " Name them by their position.", " Answer by position.", " Give their positions."],
  ],
  multi_same_rhythm: [
    [
      "Do these ECGs have the same rhythm?",
      "Is the rhythm the same in all of these ECGs?",
      "Do the ECGs share one rhythm?",
      "Is the rhythm unchanged across these ECGs?",
      "Are these ECGs in the same rhythm?",
      "Does the rhythm stay the same between the ECGs?",
      "Is the cardiac rhythm identical in these recordings?",
    ],
    ["", " Answer yes or no.", " Answer yes or no, then name the rhythms.", " Explain briefly."],
  ],
};

const ALL: Record<ParaphraseKind, readonly string[]> = {
  report: combine(REPORT_OPENINGS, REPORT_TAILS),
  beat: combine(LOCATE_OPENINGS, LOCATE_TAILS),
  rhythm: combine(LOCATE_OPENINGS, LOCATE_TAILS),
  wave: combine(WAVE_OPENINGS, LOCATE_TAILS),
  multi_new: combine(...MULTI.multi_new),
  multi_resolved: combine(...MULTI.multi_resolved),
  multi_which: combine(...MULTI.multi_which),
  multi_same_rhythm: combine(...MULTI.multi_same_rhythm),
};

/** The phrasings of one kind for one side: every fourth phrasing is kept for validation. */
export function paraphrases(kind: ParaphraseKind, split: Split): string[] {
  return ALL[kind].filter((_, i) => (i % 4 === 3) === (split === "valid"));
}

/**
 * The ways a user writes a finding: as the answer names it ("Premature ventricular
 * contraction"), in lower case, and for beats in the plural ("premature ventricular
 * contractions") — so the model does not learn to understand only the official spelling.
 * Answers keep the official name.
 */
export function nameVariants(kind: ParaphraseKind, name: string): string[] {
  const lower = name.charAt(0).toLowerCase() + name.slice(1);
  if (kind !== "beat") return [name, lower];
  const plural = lower.replace(/(beat|contraction|wave)$/, "$1s").replace(/complex$/, "complexes");
  return plural === lower ? [name, lower] : [name, lower, plural];
}

/** A random phrasing of the kind for the side, with `{name}` (in one of its variants) and `{n}` filled in. */
export function question(
  kind: ParaphraseKind,
  split: Split,
  rng: Rng,
  vars: { name?: string; n?: number } = {},
) {
  const text = rng.pick(paraphrases(kind, split));
  const name =
    vars.name && /\{name\}/.test(text) ? rng.pick(nameVariants(kind, vars.name)) : (vars.name ?? "");
  return text.replace(/\{name\}/g, name).replace(/\{n\}/g, String(vars.n ?? ""));
}
