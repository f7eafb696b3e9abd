// Report answers while they are written: a statement named twice ends the report before it.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AnswerOrder } from "../../src/data/intervals.js";
import { StatementRepeat } from "../../src/data/tasks/report.js";
import { readEcg } from "../../src/ecg/read.js";
import { AnyEcg } from "../../src/model/anyecg.js";
import { dataPath, describeData } from "../data.js";

const check = (text: string, done = false): AnswerOrder => new StatementRepeat().update(text, done);

describe("StatementRepeat", () => {
  it("lets new statements through, streaming each once the next begins", () => {
    expect(check("Report: Normal ECG, Sinus rhythm")).toEqual({ safe: 18, cut: null });
    expect(check("Report: Normal ECG, Sinus rhythm", true)).toEqual({ safe: 32, cut: null });
    expect(check("Report: Normal E")).toEqual({ safe: 7, cut: null });
  });

  it("cuts before the first statement written twice, also the last one at the end", () => {
    const looping = "Report: Sinus rhythm, Left ventricular hypertrophy, Left ventricular hypertrophy, Left";
    expect(check(looping)).toEqual({ safe: 50, cut: 50 });
    expect(looping.slice(0, 50)).toBe("Report: Sinus rhythm, Left ventricular hypertrophy");
    expect(check("Report: A, B, A").cut).toBeNull(); // the last "A" may still become "A-V block"
    expect(check("Report: A, B, A", true).cut).toBe(12);
  });

  it("reads commas inside brackets as part of a statement, and never cuts other answers", () => {
    const bigeminy = "Bigeminal pattern (unknown origin, SV or Ventricular)";
    expect(check(`Report: ${bigeminy}, Sinus rhythm`, true).cut).toBeNull();
    expect(check(`Report: ${bigeminy}, ${bigeminy}`, true).cut).toBe(8 + bigeminy.length);
    expect(check("Duration: 1.0s-2.0s, 1.0s-2.0s", true)).toEqual({ safe: 30, cut: null });
    // a LUDB report: semicolons inside its statements, the same opening twice
    const ludb = "Report: Sinus rhythm, Ventricular extrasystole; localisation: RVOT; anterior wall, Ventricular extrasystole; type: single PVC"; // prettier-ignore
    expect(check(ludb, true).cut).toBeNull();
  });
});

describeData("a report the shipped model repeats itself in", () => {
  it("ends before the repeat, and what was streamed is the answer", async () => {
    const model = await AnyEcg.load(join(import.meta.dirname, "..", "..", "models", "anyecg-small"));
    // PTB-XL 00018 (validation): the twelfth pass wrote "Left ventricular hypertrophy" three times
    const ecg = await readEcg(dataPath("ptbxl", "records100", "00000", "00018_lr"));
    let streamed = "";
    const r = model.generate({
      messages: [
        { role: "user", content: "Give the diagnostic statements for this ECG. Be concise.", ecgs: [ecg] },
      ],
      onToken: (t) => (streamed += t),
    });
    model.dispose();
    const statements = r.text.replace(/^Report: /, "").split(", ");
    expect(r.text.startsWith("Report: ")).toBe(true);
    expect(new Set(statements).size).toBe(statements.length);
    expect([r.finish, r.ids.length < 256]).toEqual(["stop", true]);
    expect(streamed).toBe(r.text);
  }, 60_000);
});
