// The classical models the beats stage trains: the full beat classifier and out-of-fold ones,
// and which one a training ECG is prepared with.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { outOfFold, trainClassical } from "../../src/train/classical.js";
import { recordIdOf } from "../../src/ecg/record.js";
import { dataPath, describeData, samplesDir } from "../data.js";

describeData("out-of-fold beat classifiers", () => {
  it("hold each training record out of exactly one fold, and prepare its ECGs with that fold's", async () => {
    const records = ["101", "106", "118", "207", "208"];
    const m = await trainClassical({ dataDir: dataPath(), records, maxSeconds: 120, gbt: { rounds: 10 }, folds: 2, log: null }); // prettier-ignore
    expect(m.beats.trainedOn).toEqual(records.map((r) => `mitdb/${r}`));
    expect(m.folds!.map((f) => f.heldOut)).toEqual([
      ["mitdb/101", "mitdb/118", "mitdb/208"],
      ["mitdb/106", "mitdb/207"],
    ]);
    for (const f of m.folds!) {
      expect(f.beats.trainedOn.filter((r) => f.heldOut.includes(r))).toEqual([]);
      expect([...f.beats.trainedOn, ...f.heldOut].sort()).toEqual(m.beats.trainedOn);
    }
    const pick = outOfFold(m.folds!, m.beats);
    const r106 = await readEcg(dataPath("mitdb", "106"), { to: 5 });
    expect(recordIdOf(r106)).toBe("mitdb/106");
    expect(pick(r106)).toBe(m.folds![1]!.beats);
    const excerpt = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    expect(pick(excerpt)).toBe(m.beats); // not a training record: the full classifier
  }, 120_000);
});

describe("record ids", () => {
  it("are the record's folder and name", () => {
    const ecg = { name: "A06426", source: { format: "wfdb", path: "/data/cinc2017/A06426" } };
    expect(recordIdOf(ecg as never)).toBe("cinc2017/A06426");
  });
});
