import { describe, expect, it } from "vitest";
import { parseCsv, parsePythonNumberDict, parsePythonStringList } from "../../src/data/csv.js";
import { paraphrases, type ParaphraseKind, nameVariants } from "../../src/data/paraphrases.js";
import { Rng } from "../../src/data/rng.js";
import {
  cpsc2021Patient,
  cpsc2021Split,
  ludbSplit,
  mitdbSplit,
  MITDB_VALID_RECORDS,
} from "../../src/data/splits.js";
import { ludbDiagnoses } from "../../src/data/sources/ludb.js";
import { dxCodes } from "../../src/data/sources/cinc2021.js";
import { availableLeadSets } from "../../src/data/tasks/reduced-leads.js";
import { sameRhythmAnswer } from "../../src/data/tasks/multi.js";

const KINDS: ParaphraseKind[] = [
  "report",
  "beat",
  "rhythm",
  "wave",
  "multi_new",
  "multi_resolved",
  "multi_which",
  "multi_same_rhythm",
];

describe("paraphrases", () => {
  it.each(KINDS)("%s has >= 20 training phrasings, disjoint from validation ones", (kind) => {
    const train = paraphrases(kind, "train");
    const valid = paraphrases(kind, "valid");
    expect(new Set(train).size).toBeGreaterThanOrEqual(20);
    expect(valid.length).toBeGreaterThanOrEqual(5);
    expect(valid.filter((q) => train.includes(q))).toEqual([]);
  });
});

describe("seeded randomness", () => {
  it("is reproducible per name and differs between names", () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(Rng.for(7, "x", 1)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(Rng.for(7, "x", 1)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(Rng.for(7, "x", 2)),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe("splits", () => {
  it("holds out the listed MIT-BIH records and CPSC 2021 patients", () => {
    expect(MITDB_VALID_RECORDS.map(mitdbSplit)).toEqual(MITDB_VALID_RECORDS.map(() => "valid"));
    expect(mitdbSplit("118")).toBe("train");
    expect(cpsc2021Patient("data_92_12")).toBe("92");
    expect(cpsc2021Split("data_92_4")).toBe(cpsc2021Split("data_92_19"));
  });
  it("puts roughly 15 % of LUDB ids in validation", () => {
    const valid = Array.from({ length: 200 }, (_, i) => ludbSplit(String(i + 1))).filter(
      (s) => s === "valid",
    ).length;
    expect(valid).toBeGreaterThan(15);
    expect(valid).toBeLessThan(50);
  });
});

describe("metadata parsing", () => {
  it("reads quoted CSV cells with commas, quotes and newlines", () => {
    expect(parseCsv('a,b\n"x, ""y""","1\n2"\n', "t.csv")).toEqual([{ a: 'x, "y"', b: "1\n2" }]);
  });
  it("reads PTB-XL scp_codes and ECG-QA candidate lists", () => {
    expect(parsePythonNumberDict("{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}", "f")).toEqual([
      ["NORM", 100],
      ["LVOLT", 0],
      ["SR", 0],
    ]);
    expect(parsePythonStringList("['no', 'not sure', 'yes']", "f")).toEqual(["no", "not sure", "yes"]);
  });
  it("turns LUDB header diagnoses into report statements", () => {
    const c = [
      "<age>: 51",
      "<diagnoses>:",
      "Rhythm: Sinus bradycardia.",
      "Electric axis of the heart: left axis deviation. ",
      "Ventricular extrasystole, type: single PVC. ",
    ];
    expect(ludbDiagnoses(c)).toEqual([
      "Sinus bradycardia",
      "Electric axis: left axis deviation",
      "Ventricular extrasystole; type: single PVC",
    ]);
  });
  it("reads CinC 2021 Dx codes", () => {
    expect(dxCodes(["Age: 59", "Dx: 164934002,426783006"])).toEqual(["164934002", "426783006"]);
  });
});

describe("reduced leads and multi answers", () => {
  it("offers only strict subsets of the leads shown", () => {
    expect(availableLeadSets(["II", "V1"])).toEqual([["II"]]);
    expect(availableLeadSets(["I"])).toEqual([]);
  });
  it("compares rhythms", () => {
    const item = (r: string) => ({ path: "", id: "", statements: [r], rhythms: [r], leads: ["I"] });
    expect(sameRhythmAnswer([item("Sinus rhythm"), item("Sinus rhythm")])).toBe(
      "Yes. All ECGs show Sinus rhythm.",
    );
    expect(sameRhythmAnswer([item("Sinus rhythm"), item("Atrial fibrillation")])).toBe(
      "No. ECG 1: Sinus rhythm; ECG 2: Atrial fibrillation.",
    );
  });
});

describe("finding names in questions", () => {
  it("are asked as users write them: official, lower case, and plural for beats", () => {
    expect(nameVariants("beat", "Premature ventricular contraction")).toEqual([
      "Premature ventricular contraction",
      "premature ventricular contraction",
      "premature ventricular contractions",
    ]);
    expect(nameVariants("beat", "Left bundle branch block beat")[2]).toBe("left bundle branch block beats");
    expect(nameVariants("rhythm", "Atrial fibrillation")).toEqual([
      "Atrial fibrillation",
      "atrial fibrillation",
    ]);
  });
});
