import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ClassicalPredictor, classicalTarget } from "../../src/eval/baselines/classical.js";
import { trainClassical, type ClassicalModel } from "../../src/train/classical.js";
import {
  constantAnswer,
  constantKeys,
  ConstantPredictor,
  fitConstant,
} from "../../src/eval/baselines/constant.js";
import { findingName } from "../../src/eval/baselines/findings.js";
import { beatIntervals, formatLocalizationAnswer } from "../../src/data/intervals.js";
import { readEcg } from "../../src/ecg/read.js";
import type { EvalExample } from "../../src/eval/examples.js";
import { scoreLocalizationAnswer } from "../../src/eval/metrics/iou.js";
import { dataDir, describeData, samplesDir } from "../data.js";

const qa = (question: string, answer: string, questionType?: string): EvalExample => ({
  question,
  answer,
  ecgPaths: ["x"],
  dataset: "ecgqa-ptbxl",
  task: "ecgqa",
  id: question,
  ...(questionType ? { questionType } : {}),
});

describe("constant baseline", () => {
  it("backs off from question type to question, masked question, first word, dataset", () => {
    const table = fitConstant([
      qa("Does this ECG show static noise in lead aVF?", "yes"),
      qa("Does this ECG show static noise in lead V2?", "yes"),
      qa("Does this ECG show left axis deviation?", "no"),
      qa("Does this ECG show sinus rhythm?", "no"),
      qa("Does this ECG show sinus bradycardia?", "no"),
      qa("Which leads show noise?", "none"),
    ]);
    // Masked leads: "lead aVL" was never seen, but "lead <lead>" was (yes twice).
    expect(constantAnswer(table, qa("Does this ECG show static noise in lead aVL?", ""))).toBe("yes");
    // First word: "does" questions are mostly "no" (3 of 5).
    expect(constantAnswer(table, qa("Does this ECG show ST elevation?", ""))).toBe("no");
    // Dataset majority: "no" (3) over "yes" (2) and "none" (1).
    expect(constantAnswer(table, qa("List the abnormal leads.", ""))).toBe("no");
    expect(constantKeys(qa("q", "", "single-verify"))[0]).toBe("ecgqa|ecgqa-ptbxl|type:single-verify");
  });

  it("answers localization with the finding's name, also when given as a WFDB code", async () => {
    const p = new ConstantPredictor();
    const ex: EvalExample = { ...qa("Where?", ""), task: "location", abnormalType: "A" };
    expect((await p.predict({ example: ex, ecgs: [], paths: [] })).answer).toBe(
      "No Atrial premature beat Found",
    );
    expect(findingName("Premature ventricular contraction")).toBe("Premature ventricular contraction");
    expect(classicalTarget("V")).toEqual({ kind: "beat", cls: "V" });
    expect(classicalTarget("P wave")).toBeNull();
  });
});

describeData("classical baseline (trained on MIT-BIH training records)", () => {
  let model: ClassicalModel;
  beforeAll(async () => {
    // A quick model: the first 5 minutes of five training records (never record 119).
    model = await trainClassical({
      dataDir,
      records: ["101", "106", "118", "207", "208"],
      maxSeconds: 300,
      gbt: { rounds: 30 },
      log: null,
    });
  }, 120_000);

  it("refuses validation records", async () => {
    await expect(trainClassical({ dataDir, records: ["119"], log: null })).rejects.toThrow(
      /not MIT-BIH training records: 119/,
    );
  });

  it("finds the premature ventricular contractions of the MIT-BIH 119 excerpt", async () => {
    const path = join(samplesDir, "mitdb-119-excerpt");
    const ecg = await readEcg(path + ".hea");
    const window = { start: 0, end: 3600 };
    const reference = formatLocalizationAnswer(
      "Premature ventricular contraction",
      beatIntervals(ecg.annotations, new Set(["V"]), window, ecg.fs, 3600),
    );
    expect(reference).toBe("Duration: 1.0s-2.8s, 3.7s-5.5s, 6.4s-8.3s, 9.2s-10.0s");
    const p = new ClassicalPredictor(model, new ConstantPredictor());
    const example: EvalExample = {
      question: "Where are the PVCs?",
      answer: reference,
      ecgPaths: ["mitdb-119-excerpt"],
      dataset: "mit_bih_arrhythmia",
      task: "location",
      abnormalType: "Premature ventricular contraction",
      ecgStart: 0,
      ecgEnd: 3600,
      id: "119-v",
    };
    const { answer } = await p.predict({ example, ecgs: [], paths: [path] });
    expect(scoreLocalizationAnswer(reference, answer).iou).toBeGreaterThan(0.8);
    // The same window has no atrial premature beats.
    const a = await p.predict({
      example: { ...example, abnormalType: "Atrial premature beat", answer: "" },
      ecgs: [],
      paths: [path],
    });
    expect(a.answer).toBe("No Atrial premature beat Found");
    // Findings it does not cover fall back to the constant answer.
    const w = await p.predict({ example: { ...example, abnormalType: "T wave" }, ecgs: [], paths: [path] });
    expect(w.answer).toBe("No T wave Found");
  });
});
