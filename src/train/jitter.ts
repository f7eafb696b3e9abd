/**
 * Window jitter for localization examples: each time a training example of an annotated
 * database (MIT-BIH, CPSC 2021) is drawn, its window is moved by a random offset within the
 * record and its answer recomputed from the reference annotations with the dataset's own rule
 * (`findingIntervals`), so the question stays and the times change.
 *
 * Why: the dataset holds a few thousand fixed windows (2,817 10-s MIT-BIH ones), each seen a few
 * times in training, so the language model can learn the answers by heart instead of reading
 * them off the ECG tokens: measured on the third-pass checkpoint, the true answer was no likelier
 * than itself shifted by 1-2 s (8 of 60 validation windows better than all four shifts, chance
 * 12). With jitter, one window's PVC is at a different second every time, and only the ECG
 * tokens' times say where.
 */
import type { Example } from "../data/example.js";
import { LOCATION_FINDINGS, findingIntervals } from "../data/tasks/location.js";
import { formatLocalizationAnswer } from "../data/intervals.js";
import { readRecordAnnotations, type RecordAnnotations } from "../data/sources/mitdb.js";
import type { Rng } from "../data/rng.js";

/** Findings by their question name (the example's `abnormal_type`). */
const FINDINGS = new Map(LOCATION_FINDINGS.map((f) => [f.name, f]));

/** Databases whose records carry `.atr` reference annotations the answers come from. */
const ANNOTATED = new Set(["mit_bih_arrhythmia", "cpsc2021"]);

/** The largest move, as a share of the window's length. */
const MAX_SHIFT = 0.5;

/** Windows tried for one that keeps the answer's kind. */
const DRAWS = 8;

export class LocationJitter {
  private readonly records = new Map<string, Promise<RecordAnnotations>>();

  constructor(private readonly dataDir: string) {}

  /** Whether `ex` can be jittered (a localization window of an annotated record). */
  static applies(ex: Example): boolean {
    return (
      (ex.task === "location" || ex.task === "location_long") &&
      ANNOTATED.has(ex.dataset) &&
      typeof ex.ecg_path === "string" &&
      ex.ecg_start !== undefined &&
      ex.ecg_end !== undefined &&
      FINDINGS.has(ex.abnormal_type ?? "")
    );
  }

  /**
   * `ex` with its window moved by up to half its length (inside the record) and the answer of
   * the new window; other examples unchanged. The move keeps the answer's kind (found or
   * `No ... Found`: a few draws, else the window stays), so the stage's share of absent findings
   * is the dataset's.
   */
  async apply(ex: Example, rng: Rng): Promise<Example> {
    if (!LocationJitter.applies(ex)) return ex;
    const rec = await this.record(ex.ecg_path as string);
    const start = ex.ecg_start!;
    const len = ex.ecg_end! - start;
    const room = Math.round(len * MAX_SHIFT);
    const lo = Math.max(0, start - room);
    const hi = Math.min(rec.info.length - len, start + room);
    const finding = FINDINGS.get(ex.abnormal_type!)!;
    const found = ex.answer.startsWith("Duration");
    for (let t = 0; t < DRAWS && hi > lo; t++) {
      const from = rng.int(lo, hi);
      const intervals = findingIntervals(rec, finding, { start: from, end: from + len });
      if (intervals.length > 0 !== found) continue;
      const answer = formatLocalizationAnswer(finding.name, intervals);
      return { ...ex, ecg_start: from, ecg_end: from + len, answer };
    }
    return ex;
  }

  /** A record's header and annotations (read once). */
  private record(path: string): Promise<RecordAnnotations> {
    let r = this.records.get(path);
    if (!r) this.records.set(path, (r = readRecordAnnotations(this.dataDir, path)));
    return r;
  }
}
