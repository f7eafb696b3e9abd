import { describe, expect, it, afterAll } from "vitest";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import type { Ecg } from "../../src/ecg/record.js";
import { Rng } from "../../src/tensor/index.js";
import {
  AnyEcg,
  Tokenizer,
  ecgTokenCountForSamples,
  hfConfigFromLlama,
  tinyConfig,
  tokenTimeSpan,
} from "../../src/model/index.js";
import { beatNote } from "../../src/model/beat-notes.js";
import { recordNote } from "../../src/model/record-notes.js";
import { writeJson, writeParameters } from "../../src/model/checkpoint.js";
import { BEAT_CLASSES, trainBeatClassifier } from "../../src/analysis/beats.js";
import { FEATURE_NAMES } from "../../src/analysis/features.js";
import {
  RHYTHM_CLASS_NAMES,
  RHYTHM_CLASSES,
  RHYTHM_FEATURE_NAMES,
  trainRhythmClassifier,
} from "../../src/analysis/rhythm-classes.js";
import {
  DIAGNOSIS_CLASS_NAMES,
  DIAGNOSIS_FEATURE_NAMES,
  trainDiagnosisClassifier,
} from "../../src/analysis/diagnosis-classes.js";
import { samplesDir } from "../data.js";

const mitdb = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
const ptbxl = await readEcg(join(samplesDir, "ptbxl-00001_lr.hea"));

function tiled(ecg: Ecg, seconds: number): Ecg {
  const n = Math.round(seconds * ecg.fs);
  const signals = ecg.signals.map((s) => Float32Array.from({ length: n }, (_, i) => s[i % s.length]!));
  return { ...ecg, signals, annotations: [] };
}

const tok = Tokenizer.train(
  [
    "What does this ECG show? Report: Premature ventricular contraction. Report: Sinus rhythm, Normal ECG",
    "Which ECG shows premature beats? The first ECG. The second ECG. ECG 1: ECG 2:",
  ],
  256 + 9 + 40,
);

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "anyecg-model-"));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Gives every LoRA B matrix random values, so adapters change the output. */
function randomizeLora(m: AnyEcg, seed: number): void {
  const rng = new Rng(seed);
  for (const l of m.lm.loraLayers()) {
    const d = l.b!.data;
    for (let i = 0; i < d.length; i++) d[i] = rng.normal() * 0.05;
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("AnyEcg", () => {
  const model = new AnyEcg(tinyConfig(tok.vocabSize), tok, 7);
  randomizeLora(model, 1);
  const question = { role: "user" as const, content: "What does this ECG show?" };

  it("generates with a KV cache exactly what step-by-step full recomputation gives", () => {
    const opts = { ecgs: [ptbxl, mitdb], messages: [question], maxTokens: 6 };
    const stepLogits: Float32Array[] = [];
    const out = model.generate({ ...opts, onLogits: (l) => stepLogits.push(l.slice()) });
    expect(out.ids.length).toBeGreaterThan(2);
    const V = tok.vocabSize;
    out.ids.forEach((id, k) => {
      const full = model.promptLogits(opts, out.ids.slice(0, k));
      const last = full.subarray(full.length - V);
      expect(maxDiff(stepLogits[k]!, last)).toBeLessThan(1e-3);
      let best = 0;
      for (let i = 1; i < V; i++) if (last[i]! > last[best]!) best = i;
      expect(id).toBe(best);
    });
    // greedy is deterministic, and the text is the decoded ids
    expect(model.generate(opts).ids).toEqual(out.ids);
    expect(out.text).toBe(tok.decode(out.ids, { skipSpecial: true }));
  });

  it("gives two ECGs in one message distinct, ordered blocks", () => {
    const long = tiled(mitdb, 47);
    const r = model.renderConversation([{ ...question, ecgs: [ptbxl, long] }], true);
    expect(r.spans.map((s) => s.length)).toEqual([21, 48]);
    expect(r.spans[0]!.start + 21).toBeLessThan(r.spans[1]!.start);
    const text = tok.decode(r.ids);
    expect(text).toContain(`ECG 1: <|ecg_start|>${"<|ecg|>".repeat(21)}<|ecg_end|>\nECG 2: <|ecg_start|>`);
    // the ECGs' tokens, not just their count, reach the model: swapping them changes the logits
    const a = model.promptLogits({ messages: [{ ...question, ecgs: [ptbxl, mitdb] }] });
    const b = model.promptLogits({ messages: [{ ...question, ecgs: [mitdb, ptbxl] }] });
    expect(maxDiff(a, b)).toBeGreaterThan(1e-3);
  });

  it("saves and loads its checkpoint folder (F32 exactly, BF16 closely), LoRA adapters included", async () => {
    const opts = { ecgs: [mitdb], messages: [question] };
    const ref = model.promptLogits(opts);
    const dir = tempDir();
    model.save(dir);
    const loaded = await AnyEcg.load(dir);
    expect(loaded.lm.loraLayers().every((l) => l.merged)).toBe(true);
    expect(maxDiff(loaded.promptLogits(opts), ref)).toBeLessThan(1e-4);
    loaded.dispose();
    const half = tempDir();
    model.save(half, { dtype: "BF16" });
    const small = await AnyEcg.load(half);
    expect(maxDiff(small.promptLogits(opts), ref)).toBeLessThan(0.1);
    small.dispose();
  });

  it("with smeared keys, saves and loads them with the same logits", async () => {
    const cfg = tinyConfig(tok.vocabSize);
    const smeared = new AnyEcg({ ...cfg, lm: { ...cfg.lm, smearedKeys: true } }, tok, 6);
    for (const l of smeared.lm.layers) l.smear!.data.forEach((_, i, d) => (d[i] = Math.cos(i)));
    const opts = { ecgs: [mitdb], messages: [question] };
    const dir = tempDir();
    smeared.save(dir);
    const loaded = await AnyEcg.load(dir);
    expect(loaded.config.lm.smearedKeys).toBe(true);
    expect(maxDiff(loaded.promptLogits(opts), smeared.promptLogits(opts))).toBeLessThan(1e-4);
    loaded.dispose();
    smeared.dispose();
  });

  it("time words add to each time token the embedding of its whole seconds, kept on save", async () => {
    const dir = tempDir();
    model.save(dir);
    const plain = await AnyEcg.load(dir);
    const timed = await AnyEcg.load(dir, { switchOn: { timeWords: true } });
    const ecg = timed.prepare(tiled(mitdb, 25)); // past 10 s: two-digit seconds
    const a = plain.encodeEcgs([ecg]).data;
    const b = timed.encodeEcgs([ecg]).data;
    const W = timed.config.lm.width;
    const rows = ecgTokenCountForSamples(ecg.samples, timed.config);
    expect(b.length).toBe(rows * W);
    expect(maxDiff(b.subarray(0, W), a.subarray(0, W))).toBe(0); // CLS: no time
    for (const i of [0, 3, rows - 2]) {
      const seconds = Math.floor(tokenTimeSpan(i, ecg.samples, timed.config).start);
      const ids = tok.encode(String(seconds));
      const e = timed.lm.embedIds(ids).data;
      const want = Float32Array.from({ length: W }, (_, j) => {
        let s = 0;
        for (let k = 0; k < ids.length; k++) s += e[k * W + j]!;
        return a[(i + 1) * W + j]! + s / ids.length;
      });
      expect(maxDiff(b.subarray((i + 1) * W, (i + 2) * W), want)).toBeLessThan(1e-5);
    }
    const again = tempDir();
    timed.save(again);
    expect((await AnyEcg.load(again)).config.timeWords).toBe(true);
    plain.dispose();
    timed.dispose();
  });

  it("finding words add to each token its findings' name embeddings, weighted by their probabilities", () => {
    const names = ["Premature ventricular contraction", "Sinus rhythm"];
    const base = tinyConfig(tok.vocabSize);
    const config = { ...base, encoder: { ...base.encoder, findings: names }, findingsSummary: true };
    const plain = new AnyEcg(config, tok, 7);
    const worded = new AnyEcg({ ...config, findingWords: true }, tok, 7);
    // a confident head: PVC near 0.95 and sinus near 0.5 on every row, so the weights are scaled
    for (const m of [plain, worded]) m.encoder.findings!.bias!.data.set([3, 0]);
    const ecg = worded.prepare(mitdb);
    const a = plain.encodeEcgs([ecg]).data;
    const b = worded.encodeEcgs([ecg]).data;
    const features = worded.projectorInput([ecg]).features;
    const [rows, D] = features.shape as [number, number];
    const W = worded.config.lm.width;
    const nameEmbedding = names.map((n) => {
      const ids = [...tok.encode(` ${n}`), ...tok.encode(` ${n.toLowerCase()}`)];
      const e = worded.lm.embedIds(ids).data;
      return Float32Array.from({ length: W }, (_, j) => ids.reduce((s, _, k) => s + e[k * W + j]!, 0) / ids.length); // prettier-ignore
    });
    for (const r of [0, 1, rows - 1]) {
      const p = [features.data[r * D + D - 2]!, features.data[r * D + D - 1]!];
      expect(p[0]! + p[1]!).toBeGreaterThan(1);
      const want = Float32Array.from({ length: W }, (_, j) => {
        const words = (p[0]! * nameEmbedding[0]![j]! + p[1]! * nameEmbedding[1]![j]!) / (p[0]! + p[1]!);
        return a[r * W + j]! + words;
      });
      expect(maxDiff(b.subarray(r * W, (r + 1) * W), want)).toBeLessThan(1e-5);
    }
    expect(() => new AnyEcg({ ...base, findingWords: true }, tok, 7)).toThrow(/findingWords needs/);
    plain.dispose();
    worded.dispose();
  });

  it("with beat classes, needs its beat classifier and keeps it on save", async () => {
    // a classifier learned from synthetic rows: the class is set by the first feature
    const rng = new Rng(3);
    const X = Array.from({ length: 300 }, () => Float64Array.from(FEATURE_NAMES, () => rng.normal()));
    const y = X.map((x) => (x[0]! > 0.5 ? BEAT_CLASSES.indexOf("V") : 0));
    const cfg = tinyConfig(tok.vocabSize);
    const withClasses = new AnyEcg({ ...cfg, encoder: { ...cfg.encoder, beatClasses: true } }, tok, 5);
    expect(() => withClasses.prepare(mitdb)).toThrow(/no beat classifier/);
    withClasses.beatClassifier = trainBeatClassifier({ X, y }, ["synthetic"], { rounds: 5 });
    const opts = { ecgs: [mitdb], messages: [question] };
    const ref = withClasses.promptLogits(opts);
    const dir = tempDir();
    withClasses.save(dir);
    expect(existsSync(join(dir, "beat-classifier.json"))).toBe(true);
    const loaded = await AnyEcg.load(dir);
    expect(loaded.beatClassifier).toEqual(withClasses.beatClassifier);
    expect(maxDiff(loaded.promptLogits(opts), ref)).toBeLessThan(1e-4);
    loaded.dispose();
    withClasses.dispose();
    writeFileSync(join(dir, "beat-classifier.json"), '{"kind": "something else"}');
    await expect(AnyEcg.load(dir)).rejects.toThrow(/beat-classifier\.json.*not a beat classifier/);
  });

  it("with the record summary, each ECG's first row carries the findings its record classifiers read, and they are saved", async () => {
    // classifiers learned from synthetic rows: AF when feature 5 is high, MI when feature 10 is
    const rng = new Rng(4);
    const rows = (names: readonly string[]) => Array.from({ length: 400 }, () => Float64Array.from(names, () => rng.next())); // prettier-ignore
    const X = rows(RHYTHM_FEATURE_NAMES);
    const rhythms = trainRhythmClassifier(X, X.map((x) => (x[5]! > 0.5 ? RHYTHM_CLASSES.indexOf("A") : 0)), "synthetic"); // prettier-ignore
    const D = rows(DIAGNOSIS_FEATURE_NAMES);
    const diagnoses = trainDiagnosisClassifier(D, D.map((x) => new Set(x[10]! > 0.5 ? ["MI" as const] : [])), "synthetic"); // prettier-ignore
    const base = tinyConfig(tok.vocabSize);
    const rhythmNames: string[] = Object.values(RHYTHM_CLASS_NAMES);
    const diagnosisNames: string[] = Object.values(DIAGNOSIS_CLASS_NAMES);
    const findings = ["Premature ventricular contraction", ...rhythmNames, ...diagnosisNames];
    const config = { ...base, encoder: { ...base.encoder, findings }, findingsSummary: true };
    const plain = new AnyEcg(config, tok, 7);
    const summed = new AnyEcg({ ...config, recordSummary: true }, tok, 7);
    expect(() => summed.prepare(mitdb)).toThrow(/no record classifiers/);
    summed.recordClassifiers = { rhythms, diagnoses };
    const ecgs = [summed.prepare(mitdb), summed.prepare(ptbxl)]; // 2 leads, then 12
    // the rhythm classifier reads any ECG, the diagnosis classifier only a 12-lead one
    expect(ecgs.map((e) => e.recordFindings!.map((f) => f.name))).toEqual([rhythmNames, [...rhythmNames, ...diagnosisNames]]); // prettier-ignore
    const a = plain.projectorInput(ecgs);
    const b = summed.projectorInput(ecgs);
    const [n, width] = b.features.shape as [number, number];
    const column = (name: string) => width - findings.length + findings.indexOf(name);
    const first = a.starts.flatMap((start, r) => (Number.isNaN(start) ? [r] : []));
    expect(first).toHaveLength(2);
    for (let r = 0; r < n; r++) {
      const row = (t: typeof a) => t.features.data.subarray(r * width, (r + 1) * width);
      const k = first.indexOf(r);
      const replaced = new Map(k < 0 ? [] : ecgs[k]!.recordFindings!.map((f) => [column(f.name), f.p]));
      row(b).forEach((v, c) => expect(v).toBe(Math.fround(replaced.get(c) ?? row(a)[c]!)));
    }
    // record notes: the same findings as text after each ECG block
    const noted = new AnyEcg({ ...config, recordNotes: true }, tok, 7);
    noted.recordClassifiers = summed.recordClassifiers;
    const text = tok.decode(noted.renderConversation([{ ...question, ecgs: [mitdb, ptbxl] }]).ids);
    const notes = [mitdb, ptbxl].map((e) => recordNote(noted.prepare(e).recordFindings!));
    expect(notes[0]).toMatch(
      /^Record: (Normal sinus rhythm|Atrial fibrillation|Other rhythm|Noisy recording)$/,
    );
    for (const note of notes) expect(text).toContain(`<|ecg_end|> ${note}\n`);
    noted.dispose();
    const dir = tempDir();
    summed.save(dir);
    const loaded = await AnyEcg.load(dir);
    expect(loaded.recordClassifiers).toEqual(summed.recordClassifiers);
    expect(() => new AnyEcg({ ...config, findingsSummary: false, recordSummary: true }, tok, 7)).toThrow(/recordSummary needs findingsSummary/); // prettier-ignore
    for (const m of [plain, summed, loaded]) m.dispose();
    writeFileSync(join(dir, "record-classifiers.json"), '{"rhythms": {"kind": "something else"}}');
    await expect(AnyEcg.load(dir)).rejects.toThrow(/record-classifiers\.json.*not a rhythm classifier/);
  });

  it("with beat notes, writes each ECG's note after its block, from its own beats", () => {
    const rng = new Rng(3);
    const X = Array.from({ length: 300 }, () => Float64Array.from(FEATURE_NAMES, () => rng.normal()));
    const y = X.map((x) => (x[0]! > 0.5 ? BEAT_CLASSES.indexOf("V") : 0));
    const cfg = tinyConfig(tok.vocabSize);
    const encoder = { ...cfg.encoder, beatClasses: true };
    const noted = new AnyEcg({ ...cfg, encoder, beatNotes: true }, tok, 5);
    noted.beatClassifier = trainBeatClassifier({ X, y }, ["synthetic"], { rounds: 5 });
    const p = noted.prepare(mitdb);
    const note = beatNote(p.labelledBeats!, p.samples / cfg.encoder.sampleRate);
    expect(note).toMatch(/^Beats: /);
    const text = tok.decode(noted.renderConversation([{ ...question, ecgs: [mitdb] }]).ids);
    expect(text).toContain(`<|ecg_end|> ${note}\n`);
    expect(() => new AnyEcg({ ...cfg, beatNotes: true }, tok, 5)).toThrow(/beatNotes needs/);
    noted.dispose();
  });

  it("loads a Hugging Face-named Llama folder (sharded) as the backbone with the same logits", async () => {
    const native = new AnyEcg(tinyConfig(tok.vocabSize), tok, 11);
    randomizeLora(native, 2);
    native.lm.mergeLora(); // the exported backbone carries the merged adapters
    const dir = tempDir();
    writeJson(join(dir, "config.json"), hfConfigFromLlama(native.config.lm));
    tok.save(join(dir, "tokenizer.json"));
    const adapters = new Set(native.lm.loraLayers().flatMap((l) => l.adapterParameters()));
    const lmParams = native.lm.parameters().filter((p) => !adapters.has(p));
    const half = Math.floor(lmParams.length / 2);
    writeParameters(join(dir, "model-00001-of-00002.safetensors"), lmParams.slice(0, half));
    writeParameters(join(dir, "model-00002-of-00002.safetensors"), lmParams.slice(half));
    const map: Record<string, string> = {};
    lmParams.forEach((p, i) => (map[p.name] = `model-0000${i < half ? 1 : 2}-of-00002.safetensors`));
    writeJson(join(dir, "model.safetensors.index.json"), { metadata: {}, weight_map: map });
    const hf = await AnyEcg.load(dir);
    expect(hf.config.lm).toEqual(native.config.lm);
    const textOnly = { messages: [question] };
    expect(maxDiff(hf.promptLogits(textOnly), native.promptLogits(textOnly))).toBeLessThan(1e-4);
    hf.dispose();
    native.dispose();
  });
});
