/**
 * Report label sets: built from PTB-XL's real scp_statements.csv, they must turn real PTB-XL
 * reports (as the dataset builder writes them) into the record's own superclasses, subclasses,
 * form and rhythm statements; names, defaults and bad input are checked without data.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv, parsePythonNumberDict } from "../../src/data/csv.js";
import { formatReport } from "../../src/data/tasks/report.js";
import { parseScpStatements } from "../../src/data/sources/ptbxl.js";
import { SNOMED_NAMES } from "../../src/data/snomed.js";
import { parseEcgRoots, type EvalExample } from "../../src/eval/examples.js";
import {
  LABEL_SET_NAMES,
  buildLabelSets,
  chooseLabelSets,
  defaultLabelSetNames,
  findScpTable,
  labelStatements,
  parseLabelSetNames,
  parseScorer,
} from "../../src/eval/label-sets.js";
import { StatementMatcher } from "../../src/eval/metrics/statements.js";
import { dataPath, describeData } from "../data.js";

const report = (dataset: string): EvalExample => ({
  question: "Report?",
  answer: "Report: Sinus rhythm",
  ecgPaths: ["x"],
  dataset,
  task: "report",
  id: dataset,
});

describeData("label sets from PTB-XL's scp_statements.csv", () => {
  const scpFile = dataPath("ptbxl", "scp_statements.csv");

  it("has PTB-XL's 5 superclasses, 23 subclasses, 19 form and 12 rhythm statements", () => {
    const [sup, sub, form, rhythm] = buildLabelSets(
      ["ptbxl-super", "ptbxl-sub", "ptbxl-form", "ptbxl-rhythm"],
      {
        scpFile,
      },
    );
    expect(sup!.labels.map((l) => l.name)).toEqual(["NORM", "MI", "STTC", "CD", "HYP"]);
    expect(sup!.labels.map((l) => l.aliases!.length)).toEqual([1, 14, 13, 11, 5]);
    expect(sup!.labels[0]!.aliases).toEqual(["Normal ECG"]);
    expect(sub!.labels).toHaveLength(23);
    expect(sub!.labels.find((l) => l.name === "IMI")!.aliases).toContain("Inferior myocardial infarction");
    expect(form!.labels).toHaveLength(19);
    expect(rhythm!.labels).toHaveLength(12);
    expect(rhythm!.labels.map((l) => l.name)).toContain("Atrial fibrillation");
    // form and rhythm labels are their own statement, as reports write it
    expect(labelStatements(rhythm!.labels[0]!)).toEqual(["Sinus rhythm"]);
    for (const s of [sup, sub, form, rhythm]) expect(s!.datasets).toEqual(["ptb-xl"]);
  });

  it("gives real PTB-XL reports their records' own classes", () => {
    const [sup, sub, rhythm] = buildLabelSets(["ptbxl-super", "ptbxl-sub", "ptbxl-rhythm"], { scpFile });
    const table = parseCsv(readFileSync(scpFile, "utf8"), scpFile);
    const byCode = new Map(table.map((r) => [r[""]!, r]));
    const dbFile = dataPath("ptbxl", "ptbxl_database.csv");
    const records = parseCsv(readFileSync(dbFile, "utf8"), dbFile).slice(0, 200);
    const matchers = [sup, sub, rhythm].map((s) => new StatementMatcher(s!.labels));
    let checked = 0;
    for (const rec of records) {
      const codes = parsePythonNumberDict(rec.scp_codes!, dbFile).map(([c]) => c);
      const rows = codes.map((c) => byCode.get(c)!);
      const text = formatReport(rows.map((r) => r.description![0]!.toUpperCase() + r.description!.slice(1)));
      const names = (m: StatementMatcher): string[] => {
        const got = m.match(text);
        return m.labels.filter((_, k) => got.scores[k]);
      };
      const expected = (col: string): string[] =>
        [...new Set(rows.map((r) => r[col]!).filter(Boolean))].sort();
      expect(names(matchers[0]!).sort()).toEqual(expected("diagnostic_class"));
      expect(names(matchers[1]!).sort()).toEqual(expected("diagnostic_subclass"));
      expect(names(matchers[2]!).length).toBe(rows.filter((r) => r.rhythm === "1.0").length);
      checked++;
    }
    expect(checked).toBe(200);
  });

  it("finds the table beside the PTB-XL records, or under ANYECG_DATA", () => {
    // null: no ANYECG_DATA fallback (undefined would take the environment's, as callers do)
    expect(findScpTable(parseEcgRoots([dataPath()]), null)).toBe(scpFile);
    expect(findScpTable(parseEcgRoots([`ptb-xl=${dataPath("ptbxl")}`]), null)).toBe(scpFile);
    expect(findScpTable(parseEcgRoots([tmpdir()]), dataPath())).toBe(scpFile);
    expect(findScpTable(parseEcgRoots([tmpdir()]), null)).toBeUndefined();
  });
});

describe("label set names, defaults and bad input", () => {
  it("parses --labels values and rejects unknown names, listing the known ones", () => {
    expect(parseLabelSetNames(["ptbxl-super,cinc2017-af", "ptbxl-super"])).toEqual([
      "ptbxl-super",
      "cinc2017-af",
    ]);
    expect(parseLabelSetNames(["none"])).toEqual([]);
    expect(() => parseLabelSetNames(["ptbxl-super,ptbxl-diag"])).toThrow(
      `--labels: unknown label set "ptbxl-diag" (known: ${LABEL_SET_NAMES.join(", ")}, none)`,
    );
    expect(parseScorer("b")).toBe("b");
    expect(() => parseScorer("c")).toThrow(/--scorer: unknown scorer "c" \(known: a = .*, b = .*, both\)/);
  });

  it("defaults to the sets that fit the datasets with reports", () => {
    expect(defaultLabelSetNames(["ptb-xl"])).toEqual([
      "ptbxl-super",
      "ptbxl-sub",
      "ptbxl-form",
      "ptbxl-rhythm",
    ]);
    expect(defaultLabelSetNames(["cinc2017", "cinc2021", "ludb"])).toEqual(["cinc2021", "cinc2017-af"]);
    expect(defaultLabelSetNames([])).toEqual([]);
  });

  it("builds the CinC sets without data: the SNOMED names and atrial fibrillation", () => {
    const [c21, af] = buildLabelSets(["cinc2021", "cinc2017-af"]);
    expect(c21!.labels.map((l) => l.name)).toEqual(Object.values(SNOMED_NAMES));
    expect(c21!.datasets).toEqual(["cinc2021"]);
    expect(af).toEqual({
      name: "cinc2017-af",
      datasets: ["cinc2017"],
      labels: [{ name: "Atrial fibrillation" }],
    });
  });

  it("leaves default PTB-XL sets out with a note when the table is missing, but fails when they are named", () => {
    const roots = parseEcgRoots([mkdtempSync(join(tmpdir(), "anyecg-labels-"))]);
    const saved = process.env.ANYECG_DATA;
    delete process.env.ANYECG_DATA;
    try {
      const examples = [report("ptb-xl"), report("cinc2017")];
      const d = chooseLabelSets({ specs: [], examples, roots });
      expect(d.sets.map((s) => s.name)).toEqual(["cinc2017-af"]);
      expect(d.note).toMatch(/PTB-XL label sets left out: no scp_statements.csv .*--scp-statements/);
      expect(() => chooseLabelSets({ specs: ["ptbxl-sub"], examples, roots })).toThrow(
        /label set ptbxl-sub is built from PTB-XL's scp_statements.csv, which was not found/,
      );
      expect(chooseLabelSets({ specs: ["none"], examples, roots }).sets).toEqual([]);
    } finally {
      if (saved !== undefined) process.env.ANYECG_DATA = saved;
    }
  });

  it("names the file when the statement table is not PTB-XL's", () => {
    const dir = mkdtempSync(join(tmpdir(), "anyecg-labels-"));
    mkdirSync(join(dir, "ptbxl"));
    const bad = join(dir, "ptbxl", "scp_statements.csv");
    writeFileSync(bad, ",description,diagnostic\nNORM,normal ECG,1.0\n");
    expect(() => buildLabelSets(["ptbxl-super"], { scpFile: bad })).toThrow(
      `${bad}: not PTB-XL's scp_statements.csv (no column "form", "rhythm", "diagnostic_class", "diagnostic_subclass")`,
    );
    expect(() => parseScpStatements(",description\n", bad)).toThrow(/no rows/);
    expect(() => buildLabelSets(["ptbxl-form"], { scpFile: join(dir, "nope.csv") })).toThrow(/nope\.csv/);
  });
});
