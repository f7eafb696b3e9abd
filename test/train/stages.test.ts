// The stages end to end on real examples with the tiny configs: tokenizer, text pretraining,
// contrastive encoder pretraining, a multimodal stage whose loss falls, and a multimodal run
// stopped mid-stage and resumed that ends bit-identical to an uninterrupted one.
import { beforeAll, afterAll, it, expect } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeData, dataDir } from "../data.js";
import { buildDataset } from "../../src/data/build.js";
import { loadStageConfig, type StageConfig } from "../../src/train/config.js";
import { runStage, startingModel, textQuestion } from "../../src/train/stages.js";
import { readExamples } from "../../src/train/examples.js";
import { readLog } from "../../src/train/loop.js";
import { readSafetensors } from "../../src/nn/safetensors.js";
import { AnyEcg } from "../../src/model/anyecg.js";
import { DENSE_FINDINGS, DenseLabelModel, DenseWindowSampler, denseItem } from "../../src/train/dense.js";
import { EcgLoader } from "../../src/train/examples.js";
import { loadMitdb } from "../../src/data/sources/mitdb.js";
import { loadCpsc2021 } from "../../src/data/sources/cpsc2021.js";
import { noGrad, scope } from "../../src/tensor/index.js";
import { EncoderProbePredictor } from "../../src/eval/baselines/encoder-probe.js";
import type { EvalExample } from "../../src/eval/examples.js";
import { readEcg } from "../../src/ecg/read.js";

const runs = mkdtempSync(join(tmpdir(), "anyecg-stages-"));
const quiet = { progress: null };

function cfg(stage: string, patch: Partial<StageConfig> = {}): StageConfig {
  return { ...loadStageConfig(`configs/tiny/${stage}.json`, { runs, data: dataDir }), ...patch };
}

function meanLoss(out: string, from: number, to: number): number {
  const steps = readLog(join(out, "log.jsonl")).filter((e) => e.loss !== undefined);
  const part = steps.slice(from, to);
  return part.reduce((s, e) => s + e.loss!, 0) / part.length;
}

/** Whether a tensor of the stage's model equals the stage-0b model's, bit for bit. */
function unchangedFromText(out: string): (name: string) => boolean {
  const before = readSafetensors(join(runs, "tiny-stage0-text", "model", "model.safetensors")).tensors;
  const after = readSafetensors(join(out, "model", "model.safetensors")).tensors;
  return (name) => Array.from(before.get(name)!.data).every((v, i) => v === after.get(name)!.data[i]);
}

describeData("training stages on real examples", () => {
  beforeAll(async () => {
    const ds = join(runs, "tiny-dataset");
    await buildDataset({ dataDir, outDir: ds, seed: 0, sources: ["ptbxl", "mitdb", "cinc2017"], limit: 3 });
    // a small build puts every record on the training side: validate on a few of its lines
    const lines = readFileSync(join(ds, "train.jsonl"), "utf8").trim().split("\n");
    writeFileSync(join(ds, "valid.jsonl"), lines.filter((_, i) => i % 20 === 0).join("\n") + "\n");
    await runStage(cfg("stage0-tokenizer"), quiet);
  });
  afterAll(() => rmSync(runs, { recursive: true, force: true }));

  it("stage 0a writes a tokenizer trained on the dataset's text", () => {
    const r = JSON.parse(readFileSync(join(runs, "tiny-stage0-tokenizer", "result.json"), "utf8"));
    expect(r.vocabSize).toBe(600);
    expect(r.tokensPerAnswer).toBeGreaterThan(1);
    expect(existsSync(join(runs, "tiny-stage0-tokenizer", "tokenizer.json"))).toBe(true);
  });

  it("stage 0b: text pretraining lowers the loss, keeps the best model, draws the SVG", async () => {
    const c = cfg("stage0-text", { steps: 16, evalEvery: 8 });
    const r = await runStage(c, quiet);
    expect(r.loop!.step).toBe(16);
    expect(meanLoss(c.out, 13, 16)).toBeLessThan(meanLoss(c.out, 0, 3) - 0.5);
    expect(r.loop!.bestValid).not.toBeNull();
    expect(readFileSync(join(c.out, "loss.svg"), "utf8")).toContain("<svg");
    const m = await AnyEcg.load(join(c.out, "model"), { merge: false });
    expect(m.tokenizer.vocabSize).toBe(600);
    m.dispose();
  });

  it("a text stage puts a notes model's beat notes before its localization questions only", async () => {
    const tiny = JSON.parse(readFileSync("configs/tiny/model.json", "utf8"));
    const modelFile = join(runs, "notes-model.json");
    writeFileSync(modelFile, JSON.stringify({ ...tiny, beatNotes: true, encoder: { ...tiny.encoder, beatClasses: true } })); // prettier-ignore
    const c = cfg("stage0-text", {
      model: modelFile,
      beatClassifier: "models/anyecg-small/beat-classifier.json",
    });
    const model = await startingModel(c);
    const plain = await startingModel(cfg("stage0-text"));
    const examples = readExamples(join(c.dataset, "train.jsonl"));
    const loc = examples.find((e) => e.task === "location" && e.dataset === "mit_bih_arrhythmia")!;
    const report = examples.find((e) => e.task === "report")!;
    const loader = new EcgLoader(dataDir);
    const q = await textQuestion(loc, model, loader);
    const [ecg] = await loader.load(loc);
    const rendered = model.tokenizer.decode(model.renderConversation([{ role: "user", content: loc.question, ecgs: [ecg!] }]).ids); // prettier-ignore
    const note = rendered.match(/<\|ecg_end\|> (Beats: [^\n]*)\n/)![1]!;
    // the note the ECG stages write after the ECG block, in the label's place of the block
    expect(q).toBe(`ECG 1: ${note}\n${loc.question}`);
    expect(await textQuestion(report, model, loader)).toBe(report.question);
    expect(await textQuestion(loc, plain, loader)).toBe(loc.question);
    const drilled = { ...cfg("stage0-text"), out: join(runs, "drills-without-notes"), noteDrills: 10 };
    await expect(runStage(drilled, quiet)).rejects.toThrow(/noteDrills needs a model with beat notes/);
    model.save(join(runs, "notes-model"));
    model.dispose();
    plain.dispose();
  });

  it("stage 0c: contrastive pretraining runs on (ECG, report) pairs and changes only the encoder", async () => {
    const c = cfg("stage0-encoder", { init: join(runs, "tiny-stage0-text", "model") });
    const r = await runStage(c, quiet);
    expect(r.loop!.step).toBe(6);
    expect(Number.isFinite(r.loop!.lastLoss)).toBe(true);
    const same = unchangedFromText(c.out);
    expect(same("model.embed_tokens.weight")).toBe(true);
    expect(same("projector.fc1.weight")).toBe(true);
    expect(same("encoder.patch_embed.weight")).toBe(false);
  });

  it("stage 0d: the labels stage lowers its loss on MIT-BIH windows, changes only the encoder, keeps its head", async () => {
    const c = cfg("stage0-labels", {
      init: join(runs, "tiny-stage0-text", "model"),
      steps: 12,
      evalEvery: 6,
    });
    const r = await runStage(c, quiet);
    expect(r.loop!.step).toBe(12);
    // the trained encoder and head fit training windows better than the starting ones (same
    // windows: the stage's own batches are drawn afresh and too noisy to compare over 12 steps)
    const records = (await loadMitdb(dataDir)).filter((rec) => rec.split === "train");
    const loader = new EcgLoader(dataDir);
    const windowLoss = async (dir: string): Promise<number> => {
      const m = await AnyEcg.load(dir, { merge: false });
      const dm = new DenseLabelModel(m.encoder);
      const windows = new DenseWindowSampler([{ records, share: 1 }], 10, c.seed).batch(3, 16);
      const items = await Promise.all(windows.map((w) => denseItem(loader, w, m)));
      const loss = noGrad(() => scope(() => dm.loss(items).item()));
      m.dispose();
      return loss;
    };
    const trained = await windowLoss(join(c.out, "model"));
    expect(trained).toBeLessThan(await windowLoss(join(runs, "tiny-stage0-text", "model")));
    const same = unchangedFromText(c.out);
    expect(same("model.embed_tokens.weight")).toBe(true);
    expect(same("encoder.patch_embed.weight")).toBe(false);
    const weights = readSafetensors(join(c.out, "model", "model.safetensors")).tensors;
    const width = weights.get("encoder.norm.weight")!.shape[0];
    expect(weights.get("encoder.findings.weight")!.shape).toEqual([DENSE_FINDINGS.length, width]);
    expect(same("encoder.findings.weight")).toBe(false);
    // the encoder probe reads the stage's model back and answers in the localization format
    const fallback = { name: "none", needsEcgs: false, predict: async () => ({ answer: "fallback" }) };
    const probe = await EncoderProbePredictor.load(join(c.out, "model"), fallback);
    const ecg = await readEcg(join(dataDir, "mitdb", "119"), { from: 0, to: 10 });
    const example = {
      id: "x",
      task: "location",
      dataset: "mit_bih_arrhythmia",
      question: "q",
      answer: "a",
      ecgPaths: [],
    };
    const asked = (abnormalType: string) =>
      probe.predict({ example: { ...example, abnormalType } as EvalExample, ecgs: [ecg], paths: [] });
    expect((await asked("Premature ventricular contraction")).answer).toMatch(
      /^(Duration: \d+\.\ds-\d+\.\ds(, \d+\.\ds-\d+\.\ds)*|No Premature ventricular contraction Found)$/,
    );
    expect((await asked("P wave")).answer).toBe("fallback");
    // the window's presence score: intervals exactly when some token's logit is above 0
    const pvc = probe.maxLogit(ecg, "Premature ventricular contraction")!;
    expect(Number.isFinite(pvc)).toBe(true);
    expect((await asked("Premature ventricular contraction")).answer.startsWith("Duration")).toBe(pvc > 0);
    expect(probe.maxLogit(ecg, "P wave")).toBeNull();
  });

  const mm = (out: string): StageConfig =>
    cfg("stage2", {
      init: join(runs, "tiny-stage0-text", "model"),
      out: join(runs, out),
      trainable: ["encoder", "projector", "lora"],
      steps: 10,
      lr: 0.003,
      evalEvery: 5,
      saveEvery: 3,
    });

  it("a multimodal stage's loss falls on real ECG examples", async () => {
    const c = mm("mm-full");
    const r = await runStage(c, quiet);
    expect(r.loop!.step).toBe(10);
    expect(meanLoss(c.out, 7, 10)).toBeLessThan(meanLoss(c.out, 0, 3));
  });

  it("a multimodal stage of a notes model trains on its note drills beside its ECG examples", async () => {
    const notes = { init: join(runs, "notes-model"), trainable: ["projector", "lm"] as const, steps: 2 };
    const without = await runStage({ ...mm("mm-notes"), ...notes, trainable: [...notes.trainable] }, quiet);
    const drilled = { ...mm("mm-drills"), ...notes, trainable: [...notes.trainable], noteDrills: 30 };
    const r = await runStage(drilled, quiet);
    expect(r.examples! - without.examples!).toBe(30);
    expect(r.loop!.step).toBe(2);
  });

  it("a labels term adds the labels loss of its windows to the chat loss and trains the findings head", async () => {
    const c = { ...mm("mm-labels"), steps: 3, labels: { weight: 0.5, batchSize: 4 } };
    await runStage(c, quiet);
    // step 1 is computed at the initial weights: the chat loss of mm-full's step 1 plus half the
    // labels loss of the first training windows (MIT-BIH then CPSC 2021 training records)
    const first = (out: string): number => readLog(join(out, "log.jsonl")).find((e) => e.step === 1)!.loss!;
    const records = [...(await loadMitdb(dataDir)), ...(await loadCpsc2021(dataDir))].filter(
      (r) => r.split === "train",
    );
    const init = await AnyEcg.load(c.init!, { merge: false });
    const loader = new EcgLoader(dataDir);
    const windows = new DenseWindowSampler([{ records, share: 1 }], 10, c.seed).batch(0, 4);
    const items = await Promise.all(windows.map((w) => denseItem(loader, w, init)));
    const labels = noGrad(() => scope(() => new DenseLabelModel(init.encoder).loss(items).item()));
    init.dispose();
    expect(first(c.out)).toBeCloseTo(first(join(runs, "mm-full")) + 0.5 * labels, 4);
    const before = readSafetensors(join(c.init!, "model.safetensors")).tensors.get(
      "encoder.findings.weight",
    )!;
    const after = readSafetensors(join(c.out, "model", "model.safetensors")).tensors.get(
      "encoder.findings.weight",
    )!;
    expect(Buffer.compare(Buffer.from(before.raw), Buffer.from(after.raw))).not.toBe(0);
    await expect(
      runStage({ ...c, out: join(runs, "mm-labels-frozen"), trainable: ["projector"] }, quiet),
    ).rejects.toThrow(/labels term needs the encoder/);
  });

  it("a multimodal run stopped mid-stage and resumed ends with bit-identical weights", async () => {
    const c = mm("mm-resumed");
    mkdirSync(c.out, { recursive: true });
    const first = await runStage(c, { ...quiet, stopAtStep: 4 });
    expect(first.loop).toMatchObject({ step: 4, stopped: true });
    // resumed, stopped again after the validation at step 5, then an aborted signal (the state
    // is saved and nothing moves); interruption points are fixed so the test is the same under load
    const second = await runStage(c, { ...quiet, resume: true, stopAtStep: 7 });
    expect(second.loop).toMatchObject({ step: 7, stopped: true });
    const ctl = new AbortController();
    ctl.abort();
    const third = await runStage(c, { ...quiet, resume: true, signal: ctl.signal });
    expect(third.loop).toMatchObject({ step: 7, stopped: true });
    const done = await runStage(c, { ...quiet, resume: true });
    expect(done.loop!.step).toBe(10);
    const a = readSafetensors(join(runs, "mm-full", "state.safetensors")).tensors;
    const b = readSafetensors(join(c.out, "state.safetensors")).tensors;
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, t] of a) expect(Buffer.compare(Buffer.from(t.raw), Buffer.from(b.get(k)!.raw))).toBe(0);
  });
});
