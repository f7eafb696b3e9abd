// `anyecg ask` end to end: a tiny model overfit (in the test) to one localization answer about
// the shipped 119 excerpt, saved as a checkpoint folder, then asked through the real CLI.
import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { scope, backward } from "../../src/tensor/index.js";
import { AdamW } from "../../src/nn/adamw.js";
import { zeroGrad } from "../../src/nn/params.js";
import { AnyEcg, Tokenizer, tinyConfig } from "../../src/model/index.js";
import { samplesDir } from "../data.js";

const cli = ["--import", "tsx", join(import.meta.dirname, "../../src/cli/main.ts")];
const run = (...args: string[]) => spawnSync(process.execPath, [...cli, ...args], { encoding: "utf8" });
const ecgFile = join(samplesDir, "mitdb-119-excerpt.hea");
const question = "Locate the premature ventricular contractions";
const answer = "Duration: 0.7s-1.9s, 3.5s-4.7s";
const dir = mkdtempSync(join(tmpdir(), "anyecg-ask-"));
const modelDir = join(dir, "model");

beforeAll(async () => {
  const ecg = await readEcg(ecgFile);
  const tok = Tokenizer.train([`${question} ${answer}`], 256 + 9 + 30);
  const model = new AnyEcg(tinyConfig(tok.vocabSize), tok, 3);
  const batch = [
    {
      messages: [
        { role: "user" as const, content: question, ecgs: [ecg] },
        { role: "assistant" as const, content: answer },
      ],
    },
  ];
  const params = model.parameters();
  const opt = new AdamW(params, { lr: 3e-3, weightDecay: 0 });
  for (let step = 0; step < 200; step++) {
    zeroGrad(params);
    const loss = scope(() => {
      const l = model.loss(batch);
      backward(l);
      return l.item();
    });
    opt.step();
    if (loss < 0.01) break;
  }
  opt.dispose();
  await model.save(modelDir);
  model.dispose();
});

describe("anyecg ask", () => {
  it("answers with the intervals as JSON and draws them on the waveform", () => {
    const plot = join(dir, "answer.svg");
    const r = run("ask", ecgFile, question, "--model", modelDir, "--json", "--plot", plot);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.answer).toBe(answer);
    expect(out.intervals).toEqual([
      { start: 0.7, end: 1.9 },
      { start: 3.5, end: 4.7 },
    ]);
    expect(out.ecgs[0]).toMatchObject({ name: "mitdb-119-excerpt", fs: 360, durationSeconds: 10 });
    expect(out.ecgs[0].recordFindings).toBeUndefined(); // this model reads no record classifiers
    const svg = readFileSync(plot, "utf8");
    // Each interval is highlighted on both leads of the strip: 4 bands, the first 1.2 s = 30 mm wide.
    expect(svg.match(/fill="#3b82f6"/g)).toHaveLength(4);
    expect(svg).toContain('width="30"');
  });

  it("prints the plain answer without --json", () => {
    const r = run("ask", ecgFile, question, "--model", modelDir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(answer);
  });

  it("says what is wrong: no ECG, a missing model folder, an unreadable ECG", () => {
    const noEcg = run("ask", question, "--model", modelDir);
    expect(noEcg.status).toBe(1);
    expect(noEcg.stderr).toMatch(/at least one ECG file and a question/);
    const noModel = run("ask", ecgFile, question, "--model", join(dir, "nope"));
    expect(noModel.status).toBe(1);
    expect(noModel.stderr).toMatch(/nope: model folder not found/);
    const badEcg = run("ask", join(dir, "missing.hea"), question, "--model", modelDir);
    expect(badEcg.status).toBe(1);
    expect(badEcg.stderr).toContain("missing");
  });

  it("lets the shipped model's beat tool answer PVC questions, and says so; --no-tools does not", () => {
    const shipped = join(import.meta.dirname, "..", "..", "models", "anyecg-small");
    const tool = JSON.parse(run("ask", ecgFile, "Where are the PVCs?", "--model", shipped, "--json").stdout);
    expect(tool.tool).toBe("classical beat analysis");
    expect(tool.intervals.length).toBeGreaterThan(2);
    const plain = run("ask", ecgFile, "Where are the PVCs?", "--model", shipped);
    expect(plain.stderr).toMatch(/answered by the classical beat analysis/);
    const alone = run("ask", ecgFile, "Where are the PVCs?", "--model", shipped, "--json", "--no-tools");
    expect(JSON.parse(alone.stdout).tool).toBeUndefined();
    // whether there are any: the excerpt's four PVCs, found by the tool (the model alone said no)
    const any = JSON.parse(run("ask", ecgFile, "Are there premature ventricular contractions in this ECG?", "--model", shipped, "--json").stdout); // prettier-ignore
    expect([any.answer, any.tool]).toEqual(["yes", "classical beat analysis"]);
    // sinus rhythm with PVCs: the rhythm classifier reads no AF (the model alone said yes)
    const af = JSON.parse(run("ask", ecgFile, "Is there atrial fibrillation?", "--model", shipped, "--json").stdout); // prettier-ignore
    expect([af.answer, af.tool]).toEqual(["no", "classical beat analysis"]);
  });

  it("with the shipped model, --json gives what its record classifiers read on each ECG", () => {
    const shipped = join(import.meta.dirname, "..", "..", "models", "anyecg-small");
    const ptbxl = join(samplesDir, "ptbxl-00001_lr.hea");
    const r = run("ask", ecgFile, ptbxl, "Compare these ECGs.", "--model", shipped, "--json");
    expect(r.status, r.stderr).toBe(0);
    const [mitdb, twelve] = JSON.parse(r.stdout).ecgs as { recordFindings: { name: string; p: number }[] }[];
    const rhythms = ["Normal sinus rhythm", "Atrial fibrillation", "Other rhythm", "Noisy recording"];
    const diagnoses = [
      "Normal ECG",
      "Myocardial infarction",
      "ST/T change",
      "Conduction disturbance",
      "Hypertrophy",
    ];
    // two leads: the rhythm classes only; twelve: the diagnostic superclasses too
    expect(mitdb!.recordFindings.map((f) => f.name)).toEqual(rhythms);
    expect(twelve!.recordFindings.map((f) => f.name)).toEqual([...rhythms, ...diagnoses]);
    for (const e of [mitdb!, twelve!]) {
      expect(e.recordFindings.slice(0, 4).reduce((s, f) => s + f.p, 0)).toBeCloseTo(1, 2);
      expect(e.recordFindings.every((f) => f.p >= 0 && f.p <= 1)).toBe(true);
    }
  });
});
