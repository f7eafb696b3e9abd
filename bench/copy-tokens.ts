/**
 * `npm run bench -- copy-tokens [--steps 400] [--json]`: how fast does a small Llama learn to
 * copy a note's times into an answer, with times written digit by digit (as our tokenizer
 * writes `0.9s`: `0`,`.`,`9`,`s`) against one token per time (0.1-s steps)? A synthetic task
 * on our engine, the same for both: a note names two of five findings with one to three
 * intervals each, then asks for one of them; the loss is on the answer's tokens only. Reported:
 * the share of the answers' time tokens predicted right on 200 held-out sequences after each
 * quarter of the steps (chance: 10 % for a digit, 1 % for a time token), with plain and smeared
 * keys (src/model/llama.ts). It measures the tokenization, not anyecg's model.
 */
import { AdamW } from "../src/nn/adamw.js";
import { clipGradNorm } from "../src/nn/clip.js";
import { zeroGrad } from "../src/nn/params.js";
import { Llama } from "../src/model/llama.js";
import { argmax } from "../src/model/sampling.js";
import type { LlamaConfig } from "../src/model/config.js";
import { Rng } from "../src/data/rng.js";
import { Rng as InitRng, backward, noGrad, scope, softmaxCrossEntropy } from "../src/tensor/index.js";
import type { BenchOptions } from "./run.js";
import { arg, printTable } from "./util.js";

type Times = "digits" | "time tokens";

/** The vocabulary: specials, five finding names, digits and marks, and 100 time tokens. */
const SPECIAL = ["<pad>", "Note:", "Ask:", "Answer:", ";", ",", "<end>"];
const NAMES = ["PVC", "APB", "Bigeminy", "Trigeminy", "VT"];
const MARKS = [..."0123456789", ".", "s", "-"];
const VOCAB = [...SPECIAL, ...NAMES, ...MARKS, ...Array.from({ length: 100 }, (_, i) => `t${i}`)];
const ID = new Map(VOCAB.map((w, i) => [w, i]));
const id = (w: string): number => ID.get(w)!;

/** An interval's tokens: `0.9s-2.8s` digit by digit, or two time tokens around `-`. */
function intervalTokens(a: number, b: number, times: Times): number[] {
  if (times === "time tokens") return [id(`t${a}`), id("-"), id(`t${b}`)];
  const t = (x: number): number[] => [id(String(Math.floor(x / 10))), id("."), id(String(x % 10)), id("s")];
  return [...t(a), id("-"), ...t(b)];
}

/** One sequence and the index where its answer starts (times in tenths of a second, 0-99). */
function sequence(rng: Rng, times: Times): { ids: number[]; answerFrom: number } {
  const names = rng.shuffle(NAMES).slice(0, 2);
  const found = names.map((n) => {
    const k = rng.int(1, 3);
    const cuts = Array.from({ length: 2 * k }, () => rng.int(0, 99)).sort((x, y) => x - y);
    const ivs: [number, number][] = [];
    for (let i = 0; i < k; i++)
      if (cuts[2 * i + 1]! > cuts[2 * i]!) ivs.push([cuts[2 * i]!, cuts[2 * i + 1]!]);
    if (ivs.length === 0) ivs.push([10, 20]);
    return { n, ivs };
  });
  const list = (ivs: [number, number][]): number[] =>
    ivs.flatMap(([a, b], i) => [...(i ? [id(",")] : []), ...intervalTokens(a, b, times)]);
  const note = found.flatMap((f, i) => [...(i ? [id(";")] : []), id(f.n), ...list(f.ivs)]);
  const asked = rng.pick(found);
  const prompt = [id("Note:"), ...note, id("Ask:"), id(asked.n), id("Answer:")];
  return { ids: [...prompt, ...list(asked.ivs), id("<end>")], answerFrom: prompt.length };
}

/** Tokens that carry a time: digits, or time tokens. */
const TIME_TOKEN = new Set(VOCAB.flatMap((w, i) => (/^(\d|t\d+)$/.test(w) ? [i] : [])));

/**
 * Share of the answers' time tokens (digits or time tokens) predicted right, each given the
 * answer's tokens before it (teacher forcing): exact answers need all of them right, and stay
 * at 0 long after the copy has started.
 */
function timeTokenAccuracy(lm: Llama, seqs: readonly { ids: number[]; answerFrom: number }[]): number {
  return noGrad(() =>
    scope(() => {
      const T = Math.max(...seqs.map((s) => s.ids.length));
      const ids = new Int32Array(seqs.length * T);
      seqs.forEach((s, b) => ids.set(s.ids, b * T));
      const logits = lm.logits(lm.forward(lm.embedIds(ids, [seqs.length, T]))).data;
      const V = VOCAB.length;
      let right = 0;
      let total = 0;
      seqs.forEach((s, b) => {
        for (let t = s.answerFrom; t < s.ids.length; t++) {
          if (!TIME_TOKEN.has(s.ids[t]!)) continue;
          const row = (b * T + t - 1) * V;
          const best = argmax(logits.subarray(row, row + V));
          total++;
          if (best === s.ids[t]) right++;
        }
      });
      return (100 * right) / total;
    }),
  );
}

function train(times: Times, smearedKeys: boolean, steps: number): number[] {
  const config: LlamaConfig = {
    vocabSize: VOCAB.length,
    width: 128,
    layers: 2,
    heads: 4,
    kvHeads: 4,
    ffnWidth: 256,
    ropeTheta: 10000,
    maxPositions: 256,
    normEps: 1e-5,
    tieEmbeddings: true,
    smearedKeys,
  };
  const lm = new Llama(config, new InitRng(1));
  const params = lm.parameters();
  const opt = new AdamW(params, { lr: 3e-3, weightDecay: 0 });
  const rng = new Rng(2);
  const held = Array.from({ length: 200 }, (_, i) => sequence(Rng.for(3, i), times));
  const accuracy: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const batch = Array.from({ length: 32 }, () => sequence(rng, times));
    const T = Math.max(...batch.map((s) => s.ids.length));
    const ids = new Int32Array(batch.length * T);
    const targets = new Int32Array(batch.length * T).fill(-100);
    batch.forEach((s, b) => {
      ids.set(s.ids, b * T);
      for (let t = s.answerFrom - 1; t < s.ids.length - 1; t++) targets[b * T + t] = s.ids[t + 1]!;
    });
    zeroGrad(params);
    scope(() => backward(softmaxCrossEntropy(lm.logits(lm.forward(lm.embedIds(ids, [batch.length, T]))), targets))); // prettier-ignore
    clipGradNorm(params, 1);
    opt.step();
    if (step % Math.max(1, Math.floor(steps / 4)) === 0) accuracy.push(timeTokenAccuracy(lm, held));
  }
  opt.dispose();
  for (const p of params) p.dispose();
  return accuracy;
}

export default async function copyTokens(opts: BenchOptions): Promise<Record<string, unknown>> {
  const steps = Number(arg(opts.args, "--steps") ?? 400);
  const rows: (string | number)[][] = [];
  const result: Record<string, number[]> = {};
  for (const times of ["digits", "time tokens"] as const)
    for (const smeared of [false, true]) {
      const accuracy = train(times, smeared, steps);
      const name = `${times}${smeared ? ", smeared keys" : ""}`;
      result[name] = accuracy;
      rows.push([name, ...accuracy.map((e) => e.toFixed(1))]);
    }
  const quarters = [1, 2, 3, 4].map((q) => `after ${Math.round((q * steps) / 4)} steps`);
  printTable(["times written as", ...quarters], rows);
  return { steps, timeTokenAccuracy: result };
}
