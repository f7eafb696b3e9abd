/**
 * Held-out scoring of the classical beat classifier (trained by src/train/classical.ts) the way
 * it is used: 70-s segments of MIT-BIH records, detected beats matched to the reference.
 */
import {
  BEAT_CLASSES,
  beatClassOf,
  classifierLead,
  classifySegment,
  classScores,
  confusion,
  labelDetectedBeats,
  segmentBeats,
  type ClassScores,
} from "../../analysis/beats.js";
import { Progress, type ProgressSink } from "../../data/progress.js";
import { readRecord, segments, type ClassicalModel } from "../../train/classical.js";

/** Per-class scores of the beat classifier on held-out records. */
export interface BeatEvaluation {
  records: string[];
  /** Reference beats of the classes, and how many the detector found (within 150 ms). */
  referenceBeats: number;
  detectedReferenceBeats: number;
  perClass: Record<string, ClassScores>;
  /** confusion[truth][predicted], in `classes` order. */
  confusion: number[][];
  classes: readonly string[];
}

/**
 * Scores the classifier on MIT-BIH records (default: the validation records) the way it is used:
 * 70-s segments, detected beats matched to the reference within 150 ms. Se and PPV are over the
 * matched beats (missed beats are counted separately in `detectedReferenceBeats`).
 */
export async function evaluateBeatClassifier(
  model: ClassicalModel,
  dataDir: string,
  records: readonly string[],
  log: ProgressSink | null = process.stderr,
): Promise<BeatEvaluation> {
  const truth: number[] = [];
  const pred: number[] = [];
  let referenceBeats = 0;
  const bar = log === null ? null : new Progress("beat evaluation", records.length, "records", log);
  for (const name of records) {
    const ecg = await readRecord(dataDir, "mitdb", name);
    const lead = classifierLead(ecg);
    referenceBeats += ecg.annotations.filter((a) => beatClassOf(a.code) !== null).length;
    for (const seg of segments(ecg, lead)) {
      const s = segmentBeats(seg.signal, ecg.fs);
      const c = classifySegment(model.beats, s);
      labelDetectedBeats(s.beats, seg.anns, ecg.fs).forEach((code, i) => {
        const k = code === null ? null : beatClassOf(code);
        if (k === null) return;
        truth.push(BEAT_CLASSES.indexOf(k));
        pred.push(BEAT_CLASSES.indexOf(c.classes[i]!));
      });
    }
    bar?.tick();
  }
  bar?.finish();
  const m = confusion(truth, pred, BEAT_CLASSES.length);
  return {
    records: [...records],
    referenceBeats,
    detectedReferenceBeats: truth.length,
    perClass: classScores(m, BEAT_CLASSES),
    confusion: m,
    classes: BEAT_CLASSES,
  };
}
