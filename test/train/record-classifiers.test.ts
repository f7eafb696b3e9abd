// The record classifiers the beats stage trains, their out-of-fold copies, and which ones a
// training ECG is prepared with.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recordFindings } from "../../src/analysis/record-classifiers.js";
import { loadPtbxlClasses, ptbxlClassCode } from "../../src/data/sources/ptbxl.js";
import { readEcg } from "../../src/ecg/read.js";
import { recordIdOf } from "../../src/ecg/record.js";
import { loadStageConfig } from "../../src/train/config.js";
import { startingModel } from "../../src/train/stages.js";
import { recordInput } from "../../src/model/preprocess.js";
import {
  dealFolds,
  readStageRecordClassifiers,
  recordOutOfFold,
  trainRecordClassifiers,
} from "../../src/train/record-classifiers.js";
import { dataDir, describeData } from "../data.js";

describe("record folds", () => {
  it("deal patients round-robin, a patient's records together", () => {
    expect(dealFolds(["a", "b", "a", "c", "d", "b"], 3)).toEqual([0, 1, 0, 2, 0, 1]);
    expect(dealFolds([], 5)).toEqual([]);
  });
});

describeData("out-of-fold record classifiers", () => {
  it("hold each training record out of one fold, and are less sure of it than the full classifiers", async () => {
    const trained = (await trainRecordClassifiers(dataDir, { log: null, limit: 200, folds: 3 }))!;
    const { classifiers, folds } = trained;
    expect(folds).toHaveLength(3);
    const heldOut = folds.flatMap((f) => f.heldOut);
    expect(new Set(heldOut).size).toBe(heldOut.length);
    expect(heldOut.filter((r) => r.startsWith("cinc2017/"))).toHaveLength(200);
    const nPtbxl = Number(/^(\d+) /.exec(classifiers.diagnoses!.trainedOn)![1]);
    expect(heldOut.length).toBe(200 + nPtbxl);
    for (const f of folds) {
      const n = f.heldOut.filter((r) => !r.startsWith("cinc2017/")).length;
      expect(f.diagnoses!.trainedOn).toBe(`${nPtbxl - n} PTB-XL training records`);
    }

    // a training record gets its fold's classifiers, a validation record the full ones
    const pick = recordOutOfFold(folds, classifiers);
    const records = await loadPtbxlClasses(dataDir);
    const train = records.filter((r) => r.split === "train").slice(0, 200);
    const valid = records.find((r) => r.split !== "train")!;
    expect(pick(await readEcg(join(dataDir, valid.info.path)))).toBe(classifiers);
    let fullError = 0;
    let foldError = 0;
    for (const r of train) {
      const ecg = await readEcg(join(dataDir, r.info.path));
      const fold = pick(ecg);
      if (fold === classifiers) continue; // no diagnostic features (not counted)
      expect(folds.filter((f) => f === fold)).toHaveLength(1);
      const y = r.episodes.some((e) => e.rhythm === ptbxlClassCode("NORM")) ? 1 : 0;
      const norm = (c: typeof classifiers) => recordFindings(c, recordInput(ecg)).find((f) => f.name === "Normal ECG")!.p; // prettier-ignore
      fullError += Math.abs(norm(classifiers) - y);
      foldError += Math.abs(norm(fold) - y);
    }
    // the full classifier has seen these records: it fits them far better than one that has not
    expect(fullError).toBeLessThan(foldError / 2);

    // a stage reads them, folds included, from the classical model file
    const dir = mkdtempSync(join(tmpdir(), "anyecg-record-"));
    try {
      const file = join(dir, "classical.json");
      writeFileSync(file, JSON.stringify({ beats: {}, ...classifiers, recordFolds: folds }));
      const read = readStageRecordClassifiers(file);
      expect(read.folds.map((f) => f.heldOut)).toEqual(folds.map((f) => f.heldOut));
      expect(JSON.stringify(read.classifiers)).toBe(JSON.stringify(classifiers));
      // and prepares its training records with their folds' classifiers
      const stage = loadStageConfig("configs/anyecg-small/stage2.json", { runs: dir, data: dataDir });
      const model = await startingModel({ ...stage, init: "models/anyecg-small", recordClassifiers: file });
      const held = await readEcg(join(dataDir, train[0]!.info.path));
      const fold = read.folds.find((f) => f.heldOut.includes(recordIdOf(held)))!;
      expect(JSON.stringify(model.recordClassifiersOf(held))).toBe(JSON.stringify(fold));
      expect(model.recordClassifiersOf(await readEcg(join(dataDir, valid.info.path)))).toBe(model.recordClassifiers); // prettier-ignore
      model.dispose();
      writeFileSync(file, JSON.stringify({ beats: {}, ...classifiers, recordFolds: [{ ...folds[0], heldOut: 3 }] })); // prettier-ignore
      expect(() => readStageRecordClassifiers(file)).toThrow(/classical\.json.*held-out records/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
