import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import {
  checkEcgPath,
  parseEcgRoots,
  parseExamples,
  readExamples,
  resolveEcgPaths,
} from "../../src/eval/examples.js";
import { dataPath, describeData } from "../data.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

describe("reading evaluation examples", () => {
  it("reads the paper's JSON arrays", () => {
    const xs = readExamples(join(fixtures, "paper-format.json"));
    expect(xs).toHaveLength(3);
    expect(xs[0]).toEqual({
      question: "Locate the Premature ventricular contraction on this ECG for me, please.",
      answer: "Duration: 1.3s-2.9s",
      ecgPaths: ["101"],
      dataset: "mit_bih_arrhythmia",
      task: "location",
      abnormalType: "V",
      ecgStart: 546145,
      ecgEnd: 549745,
      id: "paper-format.json:0",
    });
    expect(xs[2]).toMatchObject({
      task: "ecgqa",
      ecgPaths: ["records100/00000/00001_lr", "records100/00000/00002_lr"],
      questionType: "comparison_irrelevant-query",
      templateId: 63,
    });
  });

  it("reads our JSONL (blank lines skipped, list answers joined, our ids kept)", () => {
    const xs = readExamples(join(fixtures, "ours.jsonl"));
    expect(xs.map((x) => [x.task, x.id, x.answer])).toEqual([
      ["report", "report-ptbxl-00001", "Report: sinus rhythm, normal ECG"],
      ["multi", "multi-1", "yes"],
    ]);
  });

  it("rejects bad input with the file, the place and the problem", () => {
    const line = (o: object): string =>
      JSON.stringify({ question: "q", answer: "a", ecg_path: "x", dataset: "d", task: "report", ...o });
    const e = errorOf(() => parseExamples(`${line({})}\n${line({ task: "classify" })}\n`, "t.jsonl"));
    expect(e.file).toBe("t.jsonl");
    expect(e.message).toBe(
      't.jsonl: line 2: unknown task "classify" (known tasks: report, location, location_long, ecgqa, multi)',
    );
    expect(errorOf(() => parseExamples("{oops\n", "t.jsonl")).problem).toMatch(/^line 1: not valid JSON/);
    expect(errorOf(() => parseExamples("[1,", "a.json")).problem).toMatch(/^not valid JSON/);
    expect(errorOf(() => parseExamples("[3]", "a.json")).problem).toBe("element 0: not a JSON object");
    expect(errorOf(() => parseExamples("\n\n", "t.jsonl")).problem).toBe("no examples");
    expect(errorOf(() => parseExamples(line({ answer: 3 }), "t")).problem).toBe(
      'line 1: "answer" must be a string or a list of strings',
    );
    expect(errorOf(() => parseExamples(line({ ecg_path: [] }), "t")).problem).toMatch(/"ecg_path" must be/);
    expect(errorOf(() => parseExamples(line({ task: "location" }), "t")).problem).toBe(
      'line 1: "abnormal_type" is required for task location',
    );
    expect(errorOf(() => parseExamples(line({ ecg_start: -1 }), "t")).problem).toMatch(
      /"ecg_start" must be a whole number/,
    );
    expect(errorOf(() => parseExamples(line({ ecg_start: 10, ecg_end: 10 }), "t")).problem).toMatch(
      /must be after/,
    );
    expect(errorOf(() => readExamples(join(fixtures, "missing.jsonl"))).problem).toBe("cannot read (ENOENT)");
  });
});

describe("ECG folders per dataset", () => {
  it("parses name=dir pairs and one default folder", () => {
    const r = parseEcgRoots(["mit_bih_arrhythmia=/data/mitdb", "/data/other"]);
    expect(r).toEqual({ byDataset: { mit_bih_arrhythmia: "/data/mitdb" }, fallback: "/data/other" });
    expect(errorOf(() => parseEcgRoots(["a=/x", "a=/y"])).problem).toBe('dataset "a" given twice');
    expect(errorOf(() => parseEcgRoots(["/x", "/y"])).problem).toMatch(/more than one folder/);
    expect(errorOf(() => parseEcgRoots(["=/x"])).problem).toMatch(/name=dir/);
  });

  it("joins ecg_path to its dataset's folder, and names a dataset without one", () => {
    const [loc, , qa] = readExamples(join(fixtures, "paper-format.json"));
    const roots = parseEcgRoots(["mit_bih_arrhythmia=/data/mitdb"]);
    expect(resolveEcgPaths(loc!, roots, "f.json")).toEqual(["/data/mitdb/101"]);
    expect(errorOf(() => resolveEcgPaths(qa!, roots, "f.json")).message).toBe(
      'f.json: paper-format.json:2: no --ecg-root for dataset "ptbxl" (given: mit_bih_arrhythmia; use --ecg-root ptbxl=<dir>)',
    );
    expect(resolveEcgPaths(qa!, parseEcgRoots(["/d"]), "f.json")).toEqual([
      "/d/records100/00000/00001_lr",
      "/d/records100/00000/00002_lr",
    ]);
  });
});

describeData("ECG paths on the shared data", () => {
  it("finds the paper-format records under their dataset folders, and names a missing one", () => {
    const xs = readExamples(join(fixtures, "paper-format.json"));
    const roots = parseEcgRoots([`mit_bih_arrhythmia=${dataPath("mitdb")}`, `ptbxl=${dataPath("ptbxl")}`]);
    for (const x of xs) for (const p of resolveEcgPaths(x, roots, "paper-format.json")) checkEcgPath(p);
    checkEcgPath(dataPath("mitdb", "101.hea"));
    const missing = dataPath("mitdb", "100");
    expect(errorOf(() => checkEcgPath(missing)).message).toBe(`${missing}: ECG file not found`);
    expect(errorOf(() => checkEcgPath(dataPath("nowhere", "1"))).problem).toMatch(/folder does not exist/);
  });
});
