// Beat notes: the beat rule worked out by hand on made-up beats, and on the MIT-BIH 119 excerpt
// with the shipped beat classifier against the dataset's answer from the reference annotations.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BEAT_CLASSES } from "../../src/analysis/beats.js";
import { readBeatClassifier } from "../../src/model/checkpoint.js";
import { beatIntervals } from "../../src/data/intervals.js";
import { readEcg } from "../../src/ecg/read.js";
import { intervalIoU, parseLocalizationIntervals } from "../../src/eval/metrics/iou.js";
import { NOTE_MAX_INTERVALS, beatNote } from "../../src/model/beat-notes.js";
import { prepareEcg } from "../../src/model/preprocess.js";
import { shippingConfig } from "../../src/model/config.js";
import { samplesDir } from "../data.js";

const V = BEAT_CLASSES.indexOf("V");
const S = BEAT_CLASSES.indexOf("S");

/** Beats every 0.8 s from 0.5 s, with the given classes at the given beat indices. */
function beats(n: number, marks: Record<number, number> = {}) {
  const times = Float64Array.from({ length: n }, (_, i) => 0.5 + 0.8 * i);
  const classes = Uint8Array.from({ length: n }, (_, i) => marks[i] ?? 0);
  return { times, classes };
}

describe("beat notes", () => {
  it("write each abnormal beat from the previous beat to the next, merged, per class", () => {
    // V at 2.1 s (1.3-2.9), V at 3.7 and 4.5 s (2.9-4.5, 3.7-5.3): one span 1.3-5.3; S at 7.7 s (6.9-8.5)
    expect(beatNote(beats(12, { 2: V, 4: V, 5: V, 9: S }), 10)).toBe(
      "Beats: Premature ventricular contraction 1.3s-5.3s; Atrial premature beat 6.9s-8.5s",
    );
    // the first and last beats span from the start and to the end of the ECG
    expect(beatNote(beats(12, { 0: V, 11: V }), 10)).toBe(
      "Beats: Premature ventricular contraction 0.0s-1.3s, 8.5s-10.0s",
    );
  });

  it("write ventricular patterns from their first beat to their last", () => {
    // N V N V N V N V: PVCs at 1.3, 2.9, 4.5, 6.1 s; four bigeminal cycles from 0.5 s to 6.1 s
    expect(beatNote(beats(12, { 1: V, 3: V, 5: V, 7: V }), 10)).toBe(
      "Beats: Premature ventricular contraction 0.5s-6.9s; Ventricular bigeminy 0.5s-6.1s",
    );
    // three V in a row: a run of ventricular tachycardia from 2.1 s to 3.7 s
    expect(beatNote(beats(12, { 2: V, 3: V, 4: V }), 10)).toBe(
      "Beats: Premature ventricular contraction 1.3s-4.5s; Ventricular tachycardia 2.1s-3.7s",
    );
  });

  it("say when all beats are normal or none was found, and cut long lists", () => {
    expect(beatNote(beats(12), 10)).toBe("Beats: all normal");
    expect(beatNote({ times: new Float64Array(0), classes: new Uint8Array(0) }, 10)).toBe(
      "Beats: none detected",
    );
    // every fourth beat of 80 s is a PVC (no pattern): 25 separate spans
    const marks = Object.fromEntries(Array.from({ length: 25 }, (_, k) => [4 * k + 2, V]));
    const note = beatNote(beats(100, marks), 80);
    expect(note.match(/s-/g)!.length).toBe(NOTE_MAX_INTERVALS);
    expect(note).toMatch(/ and 17 more$/);
  });
});

const classifierFile = join(samplesDir, "..", "models", "anyecg-small", "beat-classifier.json");
(existsSync(classifierFile) ? describe : describe.skip)("beat notes on a real record", () => {
  it("put the PVCs of MIT-BIH 119 where its reference annotations do", async () => {
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    const enc = { ...shippingConfig().encoder, rhythm: true, morphology: true, beatClasses: true };
    const p = prepareEcg(ecg, enc, { beats: readBeatClassifier(classifierFile) });
    const seconds = ecg.signals[0]!.length / ecg.fs;
    const note = beatNote(p.labelledBeats!, seconds);
    const pvc = note.match(/Premature ventricular contraction ([^;]*)/)![1]!;
    const noted = parseLocalizationIntervals(`Duration: ${pvc}`)!;
    const n = ecg.signals[0]!.length;
    const truth = beatIntervals(ecg.annotations, new Set(["V"]), { start: 0, end: n }, ecg.fs, n);
    expect(truth.length).toBeGreaterThan(2);
    expect(intervalIoU(truth, noted)).toBeGreaterThan(0.8);
  });
});
