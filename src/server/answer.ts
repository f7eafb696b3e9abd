/**
 * The structured part of an answer: every localization (`Duration: 0.4s-3.7s, ...`) in the text,
 * parsed with the data builder's parser, and which ECG of the conversation it is about.
 * A multi-ECG answer names its ECG before the intervals ("ECG 2: Duration: ...", "the second
 * ECG ..."); otherwise the ECG the last question named, otherwise the first.
 */
import { parseLocalizationAnswer } from "../data/intervals.js";
import type { ChatMessage } from "./backend.js";

export interface AnswerInterval {
  /** Id of the ECG the interval is on. */
  ecg: string;
  /** Its position in the request's `ecgs` (0-based). */
  ecgIndex: number;
  /** Seconds from the start of that ECG. */
  start: number;
  end: number;
}

/** A "No <name> Found" statement, with its ECG. */
export interface AnswerAbsence {
  ecg: string;
  ecgIndex: number;
  name: string;
}

export interface AnswerStructure {
  intervals: AnswerInterval[];
  absent: AnswerAbsence[];
}

const NUM = String.raw`\d+(?:\.\d+)?\s*s?`;
const PAIR = String.raw`${NUM}\s*(?:-|–|to)\s*${NUM}`;
const DURATION = new RegExp(String.raw`Duration\s*:\s*${PAIR}(?:\s*[,;]\s*${PAIR})*`, "gi");
const NONE = /No\s+([A-Za-z][\w\s-]*?)\s+Found/gi;
const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"];
const MENTION = new RegExp(
  String.raw`\bECG\s*#?\s*(\d+)\b|\b(${ORDINALS.join("|")})\s+(?:ECG|recording|record)\b`,
  "gi",
);

/** Index (0-based) of the last ECG mention in `text` before `end`, or undefined. */
function lastMention(text: string, end: number, count: number): number | undefined {
  let found: number | undefined;
  for (const m of text.slice(0, end).matchAll(MENTION)) {
    const k = m[1] ? Number(m[1]) - 1 : ORDINALS.indexOf(m[2]!.toLowerCase());
    if (k >= 0 && k < count) found = k;
  }
  return found;
}

/** Intervals and absences in `answer`, attributed to the ECGs `ecgIds`. */
export function structureAnswer(answer: string, ecgIds: string[], messages: ChatMessage[]): AnswerStructure {
  const lastUser = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
  const fallback = lastMention(lastUser, lastUser.length, ecgIds.length) ?? 0;
  const which = (at: number): number => lastMention(answer, at, ecgIds.length) ?? fallback;
  const out: AnswerStructure = { intervals: [], absent: [] };
  if (ecgIds.length === 0) return out;
  for (const m of answer.matchAll(DURATION)) {
    const parsed = parseLocalizationAnswer(m[0]);
    if (!parsed?.found) continue;
    const k = which(m.index);
    for (const iv of parsed.intervals) out.intervals.push({ ecg: ecgIds[k]!, ecgIndex: k, ...iv });
  }
  for (const m of answer.matchAll(NONE)) {
    const k = which(m.index);
    out.absent.push({ ecg: ecgIds[k]!, ecgIndex: k, name: m[1]! });
  }
  return out;
}
