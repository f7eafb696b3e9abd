import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BEAT_CLASSES,
  beatClassOf,
  classifyBeats,
  classScores,
  confusion,
  labelDetectedBeats,
  parseBeatClassifier,
  segmentBeats,
  trainBeatClassifier,
} from "../../src/analysis/beats.js";
import { predictClass, trainGbt } from "../../src/analysis/gbt.js";
import { readEcg } from "../../src/ecg/read.js";
import { samplesDir } from "../data.js";

const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
const seg = segmentBeats(ecg.signals[0]!, ecg.fs);

describe("beat labels and classes", () => {
  it("labels each detected beat with the reference annotation within 150 ms", () => {
    expect(labelDetectedBeats(seg.beats, ecg.annotations, ecg.fs).join("")).toBe("NNVNNVNNVNNV");
    // Shifted by 200 ms, no detection is within tolerance.
    const shifted = seg.beats.map((b) => b + 72);
    expect(labelDetectedBeats(shifted, ecg.annotations, ecg.fs).every((c) => c === null)).toBe(true);
  });

  it("maps MIT-BIH codes to the classifier's classes", () => {
    expect(["N", "e", "L", "R", "A", "a", "J", "V", "E", "F", "/", "f"].map(beatClassOf).join("")).toBe(
      "NNLRSSSVVFPP",
    );
    expect(beatClassOf("Q")).toBeNull();
    expect(beatClassOf("+")).toBeNull();
  });

  it("computes per-class sensitivity and PPV from a confusion matrix", () => {
    const m = confusion([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 0, 0], 3);
    expect(m).toEqual([
      [2, 1, 0],
      [1, 1, 0],
      [1, 0, 0],
    ]);
    const s = classScores(m, ["N", "V", "S"]);
    expect(s.N).toEqual({ n: 3, sensitivity: 2 / 3, ppv: 2 / 4 });
    expect(s.V).toEqual({ n: 2, sensitivity: 1 / 2, ppv: 1 / 2 });
    expect(s.S).toEqual({ n: 1, sensitivity: 0, ppv: null });
  });
});

describe("the beat classifier", () => {
  it("learns the excerpt's own N and V beats and survives a JSON round trip", () => {
    const labels = labelDetectedBeats(seg.beats, ecg.annotations, ecg.fs);
    const clf = trainBeatClassifier(
      { X: seg.features, y: labels.map((c) => BEAT_CLASSES.indexOf(beatClassOf(c!)!)) },
      ["mitdb-119-excerpt"],
      { rounds: 20, minChildWeight: 0.1 },
    );
    const again = parseBeatClassifier(JSON.parse(JSON.stringify(clf)));
    expect(classifyBeats(again, ecg.signals[0]!, ecg.fs).classes.join("")).toBe("NNVNNVNNVNNV");
    expect(() => parseBeatClassifier({ ...clf, features: ["x"] })).toThrow(/not a beat classifier/);
  });

  it("gradient-boosted trees fit an interaction a single split cannot (XOR)", () => {
    const X: Float64Array[] = [];
    const y: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = (i * 7919) % 100;
      const b = (i * 104729) % 97;
      X.push(Float64Array.from([a, b]));
      y.push(a < 50 !== b < 48 ? 1 : 0);
    }
    const m = trainGbt(X, y, 2, { rounds: 20, depth: 2 });
    const correct = X.filter((x, i) => predictClass(m, x) === y[i]).length;
    expect(correct / X.length).toBeGreaterThan(0.95);
    expect(() => trainGbt([], [], 2)).toThrow(/non-empty/);
  });
});
