/**
 * The metrics on real label names and answers from the shared data: every PTB-XL statement
 * description (two contain commas inside parentheses) and the ECG-QA answer lists.
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { parseCsv, parsePythonStringList } from "../../src/data/csv.js";
import { normalizeAnswer, scoreQa } from "../../src/eval/metrics/exact-match.js";
import { scoreMulti } from "../../src/eval/metrics/multi.js";
import { StatementMatcher, normalizeStatement } from "../../src/eval/metrics/statements.js";
import { dataPath, describeData } from "../data.js";

describeData("metrics on real labels and answers", () => {
  it("matches every PTB-XL statement description back to itself inside a report", () => {
    const file = dataPath("ptbxl", "scp_statements.csv");
    const names = parseCsv(readFileSync(file, "utf8"), file).map((r) => r.description!);
    expect(names).toHaveLength(71);
    expect(new Set(names.map(normalizeStatement)).size).toBe(71); // no two collide
    const m = new StatementMatcher(names);
    // Reports of 1 to 3 consecutive statements, as the data builder writes them.
    for (let i = 0; i < names.length; i++) {
      const picked = [i, (i + 7) % names.length, (i + 31) % names.length].slice(0, 1 + (i % 3));
      const got = m.match(`Report: ${picked.map((k) => names[k]).join(", ")}`);
      expect(got.unmatched).toEqual([]);
      expect(got.scores.flatMap((s, k) => (s ? [k] : []))).toEqual(
        [...new Set(picked)].sort((a, b) => a - b),
      );
    }
  });

  it("keeps every ECG-QA answer candidate whole and scores real answer lists", () => {
    const tfile = dataPath("ecgqa", "templates.csv");
    const candidates = parseCsv(readFileSync(tfile, "utf8"), tfile).flatMap((r) =>
      parsePythonStringList(r.answer_candidates!, tfile),
    );
    expect(candidates.length).toBeGreaterThan(100);
    for (const c of candidates) expect(normalizeAnswer(c)).toBe(c.toLowerCase().trim());

    const qfile = dataPath("ecgqa", "ptbxl", "template", "test", "80000.json");
    const qs = JSON.parse(readFileSync(qfile, "utf8")) as { answer: string[]; question_type: string }[];
    const refs = qs.map((q) => q.answer.join(", "));
    // The same items in reverse order are right; without the first item they are wrong.
    const reversed = scoreQa(
      qs.map((q, i) => ({
        reference: refs[i]!,
        prediction: [...q.answer].reverse().join(", "),
        questionType: q.question_type,
      })),
    );
    expect(reversed.microAccuracy).toBe(1);
    const dropped = qs.map((q) => q.answer.slice(1).join(", "));
    const qa = scoreQa(qs.map((q, i) => ({ reference: refs[i]!, prediction: dropped[i]! })));
    expect(qa.correct).toBe(0);
    // Set F1 of the shortened lists: P = 1, R = (k-1)/k -> F1 = 2(k-1)/(2k-1) (0 for k = 1).
    const expected = qs.map((q) => (2 * (q.answer.length - 1)) / (2 * q.answer.length - 1));
    const multi = scoreMulti(
      qs.map((q, i) => ({ reference: refs[i]!, prediction: dropped[i]!, kind: "findings" as const })),
    );
    expect(multi.findings.meanF1).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / expected.length, 12);
  });
});
