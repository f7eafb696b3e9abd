import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DIAGNOSIS_CLASSES,
  DIAGNOSIS_FEATURE_NAMES,
  classifyDiagnosis,
  diagnosisFeatures,
  parseDiagnosisClassifier,
} from "../../src/analysis/diagnosis-classes.js";
import { readEcg } from "../../src/ecg/read.js";
import { loadPtbxlClasses, ptbxlClassCode } from "../../src/data/sources/ptbxl.js";
import { recordInput } from "../../src/model/preprocess.js";
import { trainDiagnoses } from "../../src/train/record-classifiers.js";
import { dataDir, dataPath, describeData, samplesDir } from "../data.js";

const feature = (x: Float64Array, name: string): number => x[DIAGNOSIS_FEATURE_NAMES.indexOf(name)]!;

describe("diagnosis features", () => {
  it("measures a 12-lead ECG's median beats (PTB-XL 00001: sinus rhythm, normal QRS)", async () => {
    const { slots, fs, beats } = recordInput(await readEcg(join(samplesDir, "ptbxl-00001_lr.hea")));
    const x = diagnosisFeatures(slots, fs, beats)!;
    expect(x).toHaveLength(DIAGNOSIS_FEATURE_NAMES.length);
    expect(x.every(Number.isFinite)).toBe(true);
    expect(feature(x, "widestQrs")).toBeGreaterThan(0.04);
    expect(feature(x, "widestQrs")).toBeLessThan(0.14);
    expect(60 / feature(x, "medianRR")).toBeGreaterThan(50); // beats per minute
    // lead II's R is upright, aVR's QRS points down
    expect(feature(x, "II.R")).toBeGreaterThan(-feature(x, "II.S"));
    expect(-feature(x, "aVR.S")).toBeGreaterThan(feature(x, "aVR.R"));
  });

  it("reads only ECGs with all 12 leads", async () => {
    const { slots, fs, beats } = recordInput(await readEcg(join(samplesDir, "mitdb-119-excerpt.hea")));
    expect(diagnosisFeatures(slots, fs, beats)).toBeNull();
    expect(() => parseDiagnosisClassifier({ kind: "anyecg-diagnosis-classifier", version: 1 })).toThrow(/not a diagnosis classifier/); // prettier-ignore
  });
});

describeData("diagnosis classifier on PTB-XL", () => {
  it("trained on 200 training records, tells the superclasses of the validation fold apart", async () => {
    const clf = (await trainDiagnoses(dataDir, null, 200))!;
    const valid = (await loadPtbxlClasses(dataDir)).filter((r) => r.split === "valid");
    const scored: { y: boolean; p: number }[][] = [];
    for (const r of valid) {
      const { slots, fs, beats } = recordInput(await readEcg(dataPath(r.info.path)));
      const p = classifyDiagnosis(clf, slots, fs, beats)!;
      scored.push(DIAGNOSIS_CLASSES.map((c, k) => ({ y: r.episodes.some((e) => e.rhythm === ptbxlClassCode(c)), p: p[k]! }))); // prettier-ignore
    }
    const aucs = DIAGNOSIS_CLASSES.map((_, k) => {
      const pos = scored.map((s) => s[k]!).filter((s) => s.y);
      const neg = scored.map((s) => s[k]!).filter((s) => !s.y);
      return pos.reduce((s, a) => s + neg.filter((b) => a.p > b.p).length, 0) / (pos.length * neg.length);
    });
    expect(aucs.reduce((a, b) => a + b) / aucs.length).toBeGreaterThan(0.8);
    expect(Math.min(...aucs)).toBeGreaterThan(0.65);
  });
});
