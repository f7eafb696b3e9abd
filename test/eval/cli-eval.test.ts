/**
 * `anyecg eval`'s label-set and scorer options, run in-process on the runner fixture (real
 * sample records) with the constant baseline and the shipped model.
 */
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerEvalCommand } from "../../src/cli/eval.js";
import { dataPath, describeData, samplesDir } from "../data.js";

const fixture = join(import.meta.dirname, "fixtures", "runner.jsonl");
const modelDir = join(import.meta.dirname, "..", "..", "models", "anyecg-small");

/** Runs `anyecg eval <args> --json` and returns the metrics of its report rows. */
async function evalRows(...args: string[]): Promise<{ metric: string; value: number | null }[]> {
  const program = new Command().exitOverride();
  registerEvalCommand(program);
  const out: string[] = [];
  vi.spyOn(console, "log").mockImplementation((s: string) => void out.push(s));
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  await program.parseAsync(["eval", "--data", fixture, "--ecg-root", samplesDir, "--json", ...args], {
    from: "user",
  });
  const json = JSON.parse(out.join("\n")) as {
    rows: { task: string; metric: string; value: number | null }[];
  };
  return json.rows.filter((r) => r.task === "report");
}

afterEach(() => vi.restoreAllMocks());

describe("anyecg eval --labels / --scorer", () => {
  it("rejects unknown label sets and scorers, listing the known ones", async () => {
    await expect(evalRows("--baseline", "constant", "--labels", "ptbxl-super,ptbxl-all")).rejects.toThrow(
      /unknown label set "ptbxl-all" \(known: ptbxl-super, ptbxl-sub, ptbxl-form, ptbxl-rhythm, cinc2021, cinc2017-af, none\)/,
    );
    await expect(evalRows("--baseline", "constant", "--scorer", "x")).rejects.toThrow(/unknown scorer "x"/);
    await expect(
      evalRows("--baseline", "constant", "--scorer", "b", "--labels", "cinc2017-af"),
    ).rejects.toThrow(/scorer b is the model's likelihood: constant has none/);
  });
});

describeData("anyecg eval --labels / --scorer with PTB-XL's statement table", () => {
  const scp = ["--scp-statements", dataPath("ptbxl", "scp_statements.csv")];

  it("scores a baseline's report on the named sets with scorer (a) only", async () => {
    const rows = await evalRows("--baseline", "constant", "--labels", "ptbxl-super,ptbxl-rhythm", ...scp);
    expect(rows.map((r) => r.metric).filter((m) => m.startsWith("ptbxl"))).toEqual([
      "ptbxl-super AUC (a: statements)",
      "ptbxl-super F1 (a: statements)",
      "ptbxl-rhythm AUC (a: statements)",
      "ptbxl-rhythm F1 (a: statements)",
    ]);
    // the one report (NORM, sinus rhythm) answered right: F1 1 on the labels it has
    expect(rows.find((r) => r.metric === "ptbxl-rhythm F1 (a: statements)")!.value).toBe(1);
  });

  it("uses every PTB-XL set by default, and the model's likelihood with --scorer b", async () => {
    const byDefault = await evalRows("--baseline", "constant", ...scp);
    expect(byDefault.filter((r) => r.metric.endsWith("AUC (a: statements)")).map((r) => r.metric)).toEqual([
      "ptbxl-super AUC (a: statements)",
      "ptbxl-sub AUC (a: statements)",
      "ptbxl-form AUC (a: statements)",
      "ptbxl-rhythm AUC (a: statements)",
    ]);
    const b = await evalRows(
      "--model",
      modelDir,
      "--task",
      "report",
      "--labels",
      "ptbxl-super",
      "--scorer",
      "b",
      ...scp,
    );
    expect(b.map((r) => r.metric).filter((m) => m.startsWith("ptbxl"))).toEqual([
      "ptbxl-super AUC (b: likelihood)",
    ]);
  });
});
