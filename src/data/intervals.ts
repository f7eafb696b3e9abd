/**
 * Localization answers: the paper's interval rules, and the answer text in both directions.
 *
 * Answers look like `Duration: 0.4s-3.7s, 4.6s-9.3s` (seconds from the start of the ECG shown,
 * one decimal, merged) or `No <name> Found`. The evaluation and the web UI parse answers back with
 * `parseLocalizationAnswer`, so formatting and parsing live together here.
 */
import type { EcgAnnotation } from "../ecg/record.js";
import { BEAT_CODES } from "../ecg/beats.js";
import { lowerBound } from "../search.js";

/** A time span in seconds, `start <= end`. */
export interface Interval {
  start: number;
  end: number;
}

/** A window of a record, in samples at the record's rate: [start, end). */
export interface SampleWindow {
  start: number;
  end: number;
}

/** Rounds seconds to one decimal, avoiding binary noise (0.30000000000000004 -> 0.3). */
export function roundTenth(seconds: number): number {
  return Math.round(seconds * 10 + 1e-9) / 10;
}

/**
 * Sorts and merges intervals that overlap or touch (closed spans sharing an end point merge: two
 * abnormal beats separated by one normal beat share that beat's annotation as a boundary).
 * Empty intervals (start >= end) are dropped.
 */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.start <= last.end) last.end = Math.max(last.end, iv.end);
    else out.push({ start: iv.start, end: iv.end });
  }
  return out;
}

/**
 * The final form of an answer's intervals: relative to the window start, clipped to the window,
 * merged, rounded to 0.1 s and merged again (rounding can make neighbours touch).
 * Input intervals are in samples of the record.
 */
export function finalizeIntervals(
  spans: readonly SampleWindow[],
  window: SampleWindow,
  fs: number,
): Interval[] {
  const clipped: Interval[] = [];
  for (const s of spans) {
    const a = Math.max(s.start, window.start);
    const b = Math.min(s.end, window.end);
    if (b > a) clipped.push({ start: (a - window.start) / fs, end: (b - window.start) / fs });
  }
  const rounded = mergeIntervals(clipped).map((i) => ({
    start: roundTenth(i.start),
    end: roundTenth(i.end),
  }));
  return mergeIntervals(rounded);
}

/**
 * The paper's beat rule: each beat with one of `codes` whose annotation lies in the window spans
 * from the previous beat annotation to the next one (`beatRuleIntervals`).
 * `annotations` must be sorted by sample (WFDB files are).
 */
export function beatIntervals(
  annotations: readonly EcgAnnotation[],
  codes: ReadonlySet<string>,
  window: SampleWindow,
  fs: number,
  recordLength: number,
): Interval[] {
  const { beats, samples } = beatsOf(annotations);
  return beatRuleIntervals(samples, (i) => codes.has(beats[i]!.code), window, fs, recordLength);
}

/**
 * The beat rule over sorted beat positions (samples at `fs`): each `selected` beat that lies in
 * the window spans from the previous beat to the next one (the record's start or
 * `recordLength` when there is none); spans are clipped to the window, merged, and rounded to
 * 0.1 s. Reference answers (annotated beats), the classical baseline and the beat notes (detected
 * beats) all use it.
 */
export function beatRuleIntervals(
  positions: ArrayLike<number>,
  selected: (i: number) => boolean,
  window: SampleWindow,
  fs: number,
  recordLength: number,
): Interval[] {
  const n = positions.length;
  const spans: SampleWindow[] = [];
  for (let i = lowerBound(positions, window.start); i < n && positions[i]! < window.end; i++)
    if (selected(i)) spans.push({ start: i > 0 ? positions[i - 1]! : 0, end: i + 1 < n ? positions[i + 1]! : recordLength }); // prettier-ignore
  return finalizeIntervals(spans, window, fs);
}

/** Beat annotations of a list and their samples, computed once per list (windows query it often). */
const beatCache = new WeakMap<readonly EcgAnnotation[], { beats: EcgAnnotation[]; samples: Int32Array }>();
function beatsOf(annotations: readonly EcgAnnotation[]): { beats: EcgAnnotation[]; samples: Int32Array } {
  let entry = beatCache.get(annotations);
  if (!entry) {
    const beats = annotations.filter((a) => BEAT_CODES.has(a.code));
    entry = { beats, samples: Int32Array.from(beats, (b) => b.sample) };
    beatCache.set(annotations, entry);
  }
  return entry;
}

/** One rhythm episode in samples, with the rhythm's WFDB aux string ("(AFIB"). */
export interface RhythmEpisode extends SampleWindow {
  rhythm: string;
}

/**
 * Rhythm episodes from "+" annotations: each starts at its annotation and lasts until the next
 * rhythm change or the end of the record. Trailing NULs and spaces in aux strings are dropped.
 */
export function rhythmEpisodes(annotations: readonly EcgAnnotation[], recordLength: number): RhythmEpisode[] {
  const changes = annotations.filter((a) => a.code === "+" && a.aux && a.aux.trim().startsWith("("));
  const out: RhythmEpisode[] = [];
  for (let i = 0; i < changes.length; i++) {
    const start = changes[i]!.sample;
    const end = i + 1 < changes.length ? changes[i + 1]!.sample : recordLength;
    if (end > start) out.push({ start, end, rhythm: changes[i]!.aux!.replace(/\0/g, "").trim() });
  }
  return out;
}

/** Intervals of the episodes of one rhythm inside a window (clipped, rounded, merged). */
export function rhythmIntervals(
  episodes: readonly RhythmEpisode[],
  rhythm: string,
  window: SampleWindow,
  fs: number,
): Interval[] {
  return finalizeIntervals(
    episodes.filter((e) => e.rhythm === rhythm),
    window,
    fs,
  );
}

/**
 * Waves from WFDB delineation triples: "(" onset, the wave symbol ("p", "N", "t"), ")" offset.
 * A wave symbol without both a preceding "(" and a following ")" (an edge of the annotated part)
 * is skipped rather than guessed.
 */
export function waveSpans(annotations: readonly EcgAnnotation[], wave: string): SampleWindow[] {
  const out: SampleWindow[] = [];
  for (let i = 1; i + 1 < annotations.length; i++) {
    const a = annotations[i]!;
    if (a.code !== wave) continue;
    const on = annotations[i - 1]!;
    const off = annotations[i + 1]!;
    if (on.code === "(" && off.code === ")") out.push({ start: on.sample, end: off.sample });
  }
  return out;
}

/** `Duration: 0.4s-3.7s, 4.6s-9.3s`, or `No <name> Found` when there is no interval. */
export function formatLocalizationAnswer(name: string, intervals: readonly Interval[]): string {
  if (intervals.length === 0) return `No ${name} Found`;
  return "Duration: " + intervals.map((i) => `${i.start.toFixed(1)}s-${i.end.toFixed(1)}s`).join(", ");
}

/** A parsed localization answer: intervals (possibly empty for "No ... Found"), or null. */
export type ParsedLocalization = { found: true; intervals: Interval[] } | { found: false; name: string };

const NUM = String.raw`(\d+(?:\.\d+)?)`;
const PAIR = new RegExp(String.raw`^${NUM}\s*s?\s*(?:-|–|to)\s*${NUM}\s*s?$`, "i");

/**
 * Parses an answer back. Accepts what we write and small variations a model may produce
 * (missing "s", spaces, "to" or an en dash, a trailing period). Returns null when unparsable, so
 * the evaluation can score it 0.
 */
export function parseLocalizationAnswer(text: string): ParsedLocalization | null {
  const t = text.trim().replace(/\.$/, "");
  const none = /^No\s+(.+?)\s+Found$/i.exec(t);
  if (none) return { found: false, name: none[1]! };
  const dur = /^Duration\s*:\s*(.+)$/i.exec(t);
  if (!dur) return null;
  const intervals: Interval[] = [];
  for (const part of dur[1]!.split(/\s*[,;]\s*/)) {
    const m = PAIR.exec(part.trim());
    if (!m) return null;
    const start = Number(m[1]);
    const end = Number(m[2]);
    if (!(end >= start)) return null;
    intervals.push({ start, end });
  }
  return { found: true, intervals };
}

/** What `IntervalOrder` found in a localization answer being written. */
export interface AnswerOrder {
  /** End of the last complete interval that moved forward in time (0: none yet). */
  safe: number;
  /** Where the answer should end: the end of the last good interval, when one went back in time. */
  cut: number | null;
}

const WRITTEN_PAIR = String.raw`${NUM}s-${NUM}s`;

/**
 * Checks a `Duration: ...` answer while it is generated: each interval must start at or after
 * the end of the one before and not end before it starts. A small model that has lost its place
 * in a long recording repeats intervals until its token limit (31 of 200 long-window answers of
 * anyecg-small, unreadable, scored 0); ending the answer at the last interval that moved
 * forward keeps what it had found. Other answers are never cut (`safe` is their length).
 *
 * Incremental: each `update` gets the answer so far (the previous text, extended) and scans only
 * what follows the last complete interval, so checking after every token stays linear.
 */
export class IntervalOrder {
  private readonly pairs = new RegExp(WRITTEN_PAIR, "g");
  private last = -Infinity;
  private from = 0;
  private state: AnswerOrder = { safe: 0, cut: null };

  update(text: string): AnswerOrder {
    if (this.state.cut !== null) return this.state;
    if (!text.startsWith("Duration:")) return (this.state = { safe: text.length, cut: null });
    const pairs = this.pairs;
    pairs.lastIndex = this.from;
    for (let m = pairs.exec(text); m; m = pairs.exec(text)) {
      const start = Number(m[1]);
      const end = Number(m[2]);
      if (start < this.last || end < start) return (this.state = { safe: this.from, cut: this.from });
      this.last = end;
      this.from = m.index + m[0].length;
    }
    return (this.state = { safe: this.from, cut: null });
  }
}
