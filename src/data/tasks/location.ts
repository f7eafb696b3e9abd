/**
 * Localization examples: beat-level findings and rhythm episodes from MIT-BIH and CPSC 2021 in
 * 10-s windows (stage 2, `location`) and 10-60 s and longer windows up to 30 min (stage 3,
 * `location_long`), and P waves, QRS complexes and T waves from LUDB's delineation.
 *
 * For each record and each finding it contains, windows are placed around random occurrences
 * with random offsets; windows without the finding are added so that about `notFoundShare` of
 * each finding's examples answer `No <name> Found` (taken from records of the same split that
 * lack it when the record itself has none).
 */
import { DATASET, type LabeledExample, type Split, type TaskName } from "../example.js";
import {
  beatIntervals,
  finalizeIntervals,
  formatLocalizationAnswer,
  rhythmIntervals,
  type Interval,
  type SampleWindow,
} from "../intervals.js";
import { question, type ParaphraseKind } from "../paraphrases.js";
import { Rng } from "../rng.js";
import { BEAT_NAMES, RHYTHM_NAMES, type AnnotatedRecord, type RecordAnnotations } from "../sources/mitdb.js";
import type { LudbRecord } from "../sources/ludb.js";

export interface LocationConfig {
  /** Share of `No ... Found` examples per finding (the paper's test files have about 30 %). */
  notFoundShare: number;
  /** Positive 10-s windows per record and beat finding / rhythm. */
  beatWindows: number;
  rhythmWindows: number;
  /** Positive 10-60 s windows, and 1-30 min windows, per record and finding (stage 3). */
  mediumWindows: number;
  longWindows: number;
}

export const DEFAULT_LOCATION_CONFIG: LocationConfig = {
  notFoundShare: 0.3,
  beatWindows: 40,
  rhythmWindows: 24,
  mediumWindows: 8,
  longWindows: 3,
};

/** Beats recognised by their timing (prematurity), so visible in any single lead. */
const TIMING_BEATS: ReadonlySet<string> = new Set(["V", "A", "S"]);

/** A finding that can be asked about in a record. */
export interface Finding {
  kind: "beat" | "rhythm";
  /** WFDB code ("V") or rhythm aux ("(AFIB"). */
  code: string;
  name: string;
}

/** Every finding asked about: the beat types, then the rhythms, each sorted by code. */
export const LOCATION_FINDINGS: readonly Finding[] = [
  ...Object.keys(BEAT_NAMES)
    .sort()
    .map((code): Finding => ({ kind: "beat", code, name: BEAT_NAMES[code]! })),
  ...Object.keys(RHYTHM_NAMES)
    .sort()
    .map((code): Finding => ({ kind: "rhythm", code, name: RHYTHM_NAMES[code]! })),
];

/** The answer intervals of a finding in a window. */
export function findingIntervals(rec: RecordAnnotations, f: Finding, w: SampleWindow): Interval[] {
  const fs = rec.info.fs;
  return f.kind === "beat"
    ? beatIntervals(rec.annotations, new Set([f.code]), w, fs, rec.info.length)
    : rhythmIntervals(rec.episodes, f.code, w, fs);
}

/** Findings present in a record with their occurrence positions (samples), sorted by code. */
export function recordFindings(rec: AnnotatedRecord): { finding: Finding; positions: number[] }[] {
  const out: { finding: Finding; positions: number[] }[] = [];
  for (const finding of LOCATION_FINDINGS) {
    const positions =
      finding.kind === "beat"
        ? rec.annotations.filter((a) => a.code === finding.code).map((a) => a.sample)
        : // starts and ends too, so that windows also cut episodes at their edges
          rec.episodes
            .filter((e) => e.rhythm === finding.code)
            .flatMap((e) => [e.start, Math.floor((e.start + e.end) / 2), Math.max(e.start, e.end - 1)]);
    if (positions.length) out.push({ finding, positions });
  }
  return out;
}

/** A window of `len` samples containing `pos` at a random offset, inside [0, total). */
export function windowAround(rng: Rng, pos: number, len: number, total: number): SampleWindow {
  if (len >= total) return { start: 0, end: total };
  const start = Math.min(Math.max(0, pos - rng.int(0, len - 1)), total - len);
  return { start, end: start + len };
}

function randomWindow(rng: Rng, len: number, total: number): SampleWindow {
  if (len >= total) return { start: 0, end: total };
  const start = rng.int(0, total - len);
  return { start, end: start + len };
}

interface Scale {
  task: TaskName;
  stage: number;
  tag: string;
  /** Window length in seconds, drawn per window. */
  seconds: (rng: Rng) => number;
  count: (f: Finding, cfg: LocationConfig) => number;
}

const SCALES: Scale[] = [
  {
    task: "location",
    stage: 2,
    tag: "10s",
    seconds: () => 10,
    count: (f, c) => (f.kind === "beat" ? c.beatWindows : c.rhythmWindows),
  },
  {
    task: "location_long",
    stage: 3,
    tag: "medium",
    seconds: (r) => r.int(11, 60),
    count: (_, c) => c.mediumWindows,
  },
  {
    task: "location_long",
    stage: 3,
    tag: "long",
    seconds: (r) => r.int(61, 1800),
    count: (_, c) => c.longWindows,
  },
];

function makeExample(
  rec: AnnotatedRecord,
  f: Finding,
  w: SampleWindow,
  scale: Scale,
  dataset: string,
  rng: Rng,
  id: string,
): LabeledExample {
  const kind: ParaphraseKind = f.kind;
  const answer = formatLocalizationAnswer(f.name, findingIntervals(rec, f, w));
  return {
    label: f.name,
    reducible: f.kind === "rhythm" || TIMING_BEATS.has(f.code),
    example: {
      question: question(kind, rec.split, rng, { name: f.name }),
      answer,
      ecg_path: rec.info.path,
      dataset,
      task: scale.task,
      abnormal_type: f.name,
      ecg_start: w.start,
      ecg_end: w.end,
      leads: rec.info.leads,
      split: rec.split,
      stage: scale.stage,
      id,
    },
  };
}

/**
 * Localization examples for annotated records of one database (MIT-BIH or CPSC 2021), in record
 * order. `dataset` is the paper's dataset name.
 */
export function annotatedLocationExamples(
  records: readonly AnnotatedRecord[],
  dataset: string,
  seed: number,
  cfg: LocationConfig = DEFAULT_LOCATION_CONFIG,
): LabeledExample[] {
  const out: LabeledExample[] = [];
  const bySplit = new Map<Split, AnnotatedRecord[]>();
  for (const r of records) bySplit.set(r.split, [...(bySplit.get(r.split) ?? []), r]);
  for (const rec of records) {
    const fs = rec.info.fs;
    for (const { finding, positions } of recordFindings(rec)) {
      for (const scale of SCALES) {
        const rng = Rng.for(seed, "location", dataset, rec.info.name, finding.code, scale.tag);
        const nPos = Math.min(scale.count(finding, cfg), positions.length);
        const nNeg = Math.round((nPos * cfg.notFoundShare) / (1 - cfg.notFoundShare));
        let k = 0;
        const id = () => `${dataset}-${scale.task}-${scale.tag}-${rec.info.name}-${finding.code}-${k++}`;
        for (const pos of rng.sample(positions, nPos)) {
          const len = Math.round(scale.seconds(rng) * fs);
          const w = windowAround(rng, pos, len, rec.info.length);
          out.push(makeExample(rec, finding, w, scale, dataset, rng, id()));
        }
        // Windows without the finding: this record first, then others of the same side.
        const pool = bySplit.get(rec.split) ?? [rec];
        for (let made = 0, tries = 0; made < nNeg && tries < nNeg * 60; tries++) {
          const other = tries % 3 === 0 ? rec : rng.pick(pool);
          const len = Math.round(scale.seconds(rng) * other.info.fs);
          const w = randomWindow(rng, len, other.info.length);
          if (findingIntervals(other, finding, w).length > 0) continue;
          out.push(makeExample(other, finding, w, scale, dataset, rng, id()));
          made++;
        }
      }
    }
  }
  return out;
}

/** LUDB wave localization: one example per record and wave, over the annotated part of the record. */
export function ludbLocationExamples(records: readonly LudbRecord[], seed: number): LabeledExample[] {
  const out: LabeledExample[] = [];
  for (const rec of records) {
    if (rec.annotated.end <= rec.annotated.start) continue;
    for (const [name, spans] of Object.entries(rec.waves)) {
      const rng = Rng.for(seed, "location", "ludb", rec.info.name, name);
      const w = rec.annotated;
      out.push({
        label: name,
        example: {
          question: question("wave", rec.split, rng, { name }),
          answer: formatLocalizationAnswer(name, finalizeIntervals(spans, w, rec.info.fs)),
          ecg_path: rec.info.path,
          dataset: DATASET.ludb,
          task: "location",
          abnormal_type: name,
          ecg_start: w.start,
          ecg_end: w.end,
          leads: rec.info.leads,
          split: rec.split,
          stage: 2,
          id: `ludb-location-${rec.info.name}-${name.replace(/\s+/g, "_")}`,
        },
      });
    }
  }
  return out;
}
