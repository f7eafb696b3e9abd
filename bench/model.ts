/**
 * `npm run bench -- model [--json] [--threads N]`: speed of the anyECG model in its shipping
 * configuration (config.ts: encoder 192 wide x 4 blocks, 0.5-s patches; decoder 256 wide x 6
 * layers, GQA 4/2 heads, vocabulary 4096; the shipped model's encoder features and beat
 * classifier when models/anyecg-small is there), with random weights (speed does not depend on
 * them): the time to prepare a 30-min 2-lead recording for the encoder (QRS detection and the
 * per-patch beat features),
 * encoder windows per second (12-lead and 2-lead 10-s windows), prompt tokens per second,
 * generated tokens per second, and the time to answer one question (32 generated tokens) about
 * a 10-s 12-lead ECG and about a 30-min 2-lead recording, encoder included; and one training
 * step's forward and backward pass on a batch of four 10-s 12-lead report conversations.
 * Targets on the 2-core machine: under 1 s and under 30 s.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readEcg } from "../src/ecg/read.js";
import type { Ecg } from "../src/ecg/record.js";
import { backward, engine, noGrad, randn, scope, Rng } from "../src/tensor/index.js";
import { countParameters } from "../src/nn/params.js";
import { AnyEcg, Tokenizer, shippingConfig, prepareEcg } from "../src/model/index.js";
import { BEAT_CLASSIFIER_FILE, readBeatClassifier, readJson } from "../src/model/checkpoint.js";
import { parseConfig } from "../src/model/config.js";
import type { BenchOptions } from "./run.js";
import { printTable, timeIt } from "./util.js";

const repo = join(import.meta.dirname, "..");

function tiled(ecg: Ecg, seconds: number): Ecg {
  const n = Math.round(seconds * ecg.fs);
  const signals = ecg.signals.map((s) => Float32Array.from({ length: n }, (_, i) => s[i % s.length]!));
  return { ...ecg, signals, annotations: [] };
}

export default async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const ti = opts.args.indexOf("--threads");
  if (ti >= 0) engine().setThreads(Number(opts.args[ti + 1]));
  const threads = engine().threads;
  // the shipped model's encoder settings and beat classifier (not its weights: speed does not depend on them)
  const shippedDir = join(repo, "models", "anyecg-small");
  const shippedConfig = join(shippedDir, "config.json");
  const shipped = existsSync(shippedConfig) ? parseConfig(readJson(shippedConfig), shippedConfig) : null;
  const config = { ...shippingConfig(4096), ...(shipped ? { encoder: shipped.encoder } : {}) };
  const corpus = readFileSync(join(repo, "README.md"), "utf8");
  const tok = Tokenizer.train([corpus], 2048);
  const model = new AnyEcg(config, tok, 1);
  const classifierFile = join(shippedDir, BEAT_CLASSIFIER_FILE);
  model.beatClassifier = shipped?.encoder.beatClasses ? readBeatClassifier(classifierFile) : null;
  model.lm.mergeLora();
  const ptbxl = await readEcg(join(repo, "samples", "ptbxl-00001_lr.hea"));
  const mitdb = await readEcg(join(repo, "samples", "mitdb-119-excerpt.hea"));

  // encoder throughput on a 320-s 12-lead and a 320-s 2-lead record (32 windows each)
  const enc = (e: Ecg) => {
    const p = prepareEcg(e, config.encoder, { beats: model.beatClassifier });
    return timeIt(() => noGrad(() => scope(() => void model.encoder.encode([p]))), 2);
  };
  const enc12 = await enc(tiled(ptbxl, 320));
  const enc2 = await enc(tiled(mitdb, 320));

  // decoder: a 512-token prompt, then 64 tokens one at a time
  const W = config.lm.width;
  const promptLen = 512;
  const steps = 64;
  let prefill = 0;
  let decode = 0;
  await timeIt(() => {
    noGrad(() =>
      scope(() => {
        const cache = model.lm.newCache();
        const x = randn([1, promptLen, W], new Rng(1), 0.02);
        let t = performance.now();
        model.lm.logits(model.lm.forward(x, cache));
        prefill = (performance.now() - t) / 1000;
        t = performance.now();
        for (let s = 0; s < steps; s++)
          scope(() => model.lm.logits(model.lm.forward(model.lm.embedIds([s + 5], [1, 1]), cache)));
        decode = (performance.now() - t) / 1000;
        cache.dispose();
      }),
    );
  }, 1);

  // end to end: one question, 32 answer tokens, a fresh Ecg object each time (encoder included)
  const question = [{ role: "user" as const, content: "What does this ECG show?" }];
  const answer = async (e: Ecg) => {
    let prompt = 0;
    const t = await timeIt(() => {
      const r = model.generate({ ecgs: [{ ...e }], messages: question, maxTokens: 32, minTokens: 32 });
      prompt = r.promptTokens;
    }, 2);
    return { ...t, prompt };
  };
  const prepare30min = await timeIt(() => void model.prepare({ ...tiled(mitdb, 1800) }), 2);
  const short = await answer(ptbxl);
  const long = await answer(tiled(mitdb, 1800));

  // one training step's forward and backward: 4 conversations, each a 10-s 12-lead ECG, a
  // question and a ~40-token report (the stage-1 shape)
  const reportText =
    "Report: Sinus rhythm, Left ventricular hypertrophy, Premature ventricular contraction, Non-specific ST-T changes in the lateral leads.";
  const batch = [0, 1, 2, 3].map(() => ({
    messages: [
      { role: "user" as const, content: "Write the report of this ECG.", ecgs: [{ ...ptbxl }] },
      { role: "assistant" as const, content: reportText },
    ],
  }));
  const trainStep = await timeIt(() => scope(() => backward(model.loss(batch))), 2);

  const result = {
    threads,
    config,
    parameters: {
      encoder: countParameters(model.encoder.parameters()),
      projector: countParameters(model.projector.parameters()),
      lm: countParameters(model.lm.parameters()),
    },
    encoderWindowsPerSecond12Lead: 32 / enc12.best,
    encoderWindowsPerSecond2Lead: 32 / enc2.best,
    promptTokensPerSecond: promptLen / prefill,
    generatedTokensPerSecond: steps / decode,
    prepare30min2LeadSeconds: prepare30min.best,
    answer10s12LeadSeconds: short.best,
    answer10s12LeadPromptTokens: short.prompt,
    answer30min2LeadSeconds: long.best,
    answer30min2LeadPromptTokens: long.prompt,
    trainStepSeconds4x10s12Lead: trainStep.best,
  };
  printTable(
    ["measure", "value", "target"],
    [
      ["threads", threads, ""],
      ["parameters (encoder / projector / LM)", `${result.parameters.encoder} / ${result.parameters.projector} / ${result.parameters.lm}`, ""], // prettier-ignore
      ["encoder windows/s, 12-lead 10 s", result.encoderWindowsPerSecond12Lead, ""],
      ["encoder windows/s, 2-lead 10 s", result.encoderWindowsPerSecond2Lead, ""],
      [`prompt tokens/s (${promptLen}-token prompt)`, result.promptTokensPerSecond, ""],
      ["generated tokens/s (KV cache)", result.generatedTokensPerSecond, ""],
      ["prepare a 30-min 2-lead ECG (s: QRS detection, beat features)", prepare30min.best, ""],
      [`answer, 10-s 12-lead ECG (s, ${short.prompt} prompt tokens + 32)`, short.best, "< 1"],
      [`answer, 30-min 2-lead ECG (s, ${long.prompt} prompt tokens + 32)`, long.best, "< 30"],
      ["train step fwd+bwd, 4 x (10-s 12-lead ECG + report) (s)", trainStep.best, ""],
    ],
  );
  model.dispose();
  return result;
}
