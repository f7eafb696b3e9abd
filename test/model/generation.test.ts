import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import { InputError } from "../../src/errors.js";
import { Rng } from "../../src/tensor/index.js";
import { AnyEcg, Tokenizer, argmax, sampleToken, tinyConfig } from "../../src/model/index.js";
import { samplesDir } from "../data.js";

describe("sampling", () => {
  const logits = Float32Array.from([0.1, 2, 1.9, -3, 0]);

  it("is greedy at temperature 0 and with a tiny top-p", () => {
    const rng = new Rng(1);
    expect(argmax(logits)).toBe(1);
    expect(sampleToken(logits, {}, rng)).toBe(1);
    for (let i = 0; i < 20; i++) expect(sampleToken(logits, { temperature: 1, topP: 1e-6 }, rng)).toBe(1);
  });

  it("samples by probability at temperature 1 and only inside the nucleus", () => {
    const rng = new Rng(2);
    const counts = new Array<number>(5).fill(0);
    const n = 4000;
    for (let i = 0; i < n; i++) counts[sampleToken(logits, { temperature: 1 }, rng)]!++;
    const z = [...logits].reduce((a, v) => a + Math.exp(v), 0);
    counts.forEach((c, i) => expect(Math.abs(c / n - Math.exp(logits[i]!) / z)).toBeLessThan(0.03));
    // top-p 0.8: tokens 1 and 2 hold ~0.82 of the mass, so 0, 3 and 4 never come out
    for (let i = 0; i < 500; i++)
      expect([1, 2]).toContain(sampleToken(logits, { temperature: 1, topP: 0.8 }, rng));
  });
});

describe("chat", async () => {
  const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
  const tok = Tokenizer.train(["What does this ECG show? Sinus rhythm with premature beats."], 256 + 9 + 20);
  const model = new AnyEcg(tinyConfig(tok.vocabSize), tok, 3);
  const messages = [{ role: "user" as const, content: "What does this ECG show?" }];

  it("ends a localization answer that goes back in time at its last interval in order", () => {
    // the model is made to write a looping answer by forcing each next byte through onLogits
    const loop = "Duration: 1.0s-2.5s, 4.0s-5.0s, 1.0s-2.5s, 4.0s-5.0s, 1.0s-2.5s";
    const byteTok = new AnyEcg(tinyConfig(256 + 9), Tokenizer.train([], 256 + 9), 3);
    const bytes = [...Buffer.from(loop)];
    let i = 0;
    const pieces: string[] = [];
    const r = byteTok.generate({
      ecgs: [ecg],
      messages,
      maxTokens: bytes.length,
      onLogits: (l) => {
        l.fill(-Infinity);
        l[byteTok.tokenizer.encode(String.fromCharCode(bytes[i++]!))[0]!] = 0;
      },
      onToken: (t) => pieces.push(t),
    });
    expect(r.text).toBe("Duration: 1.0s-2.5s, 4.0s-5.0s");
    expect(r.finish).toBe("stop");
    expect(pieces.join("")).toBe(r.text); // the repeated interval was never streamed
    byteTok.dispose();
  });

  it("streams the same text it returns, stops at maxTokens, and encodes each ECG once", async () => {
    const pieces: string[] = [];
    const encode = model.encodeEcgs.bind(model);
    let encoded = 0;
    model.encodeEcgs = (e) => {
      encoded += e.length;
      return encode(e);
    };
    const r = model.generate({
      ecgs: [ecg],
      messages,
      maxTokens: 5,
      minTokens: 5,
      onToken: (t) => pieces.push(t),
    });
    expect(r.ids.length).toBe(5);
    expect(r.finish).toBe("length");
    expect(pieces.join("")).toBe(r.text);
    const answer = await model.chat({ ecgs: [ecg], messages: [...messages, { role: "assistant", content: r.text }, { role: "user", content: "And?" }] }); // prettier-ignore
    expect(typeof answer).toBe("string");
    expect(encoded).toBe(1); // the second turn reused the first turn's encoding
    model.encodeEcgs = encode;
  });

  it("chat yields between tokens and stops when its signal aborts", async () => {
    const ac = new AbortController();
    let n = 0;
    const pending = model.chat({
      ecgs: [ecg],
      messages,
      maxTokens: 50,
      minTokens: 50,
      signal: ac.signal,
      onToken: () => n++,
    });
    setImmediate(() => ac.abort(new Error("client went away")));
    await expect(pending).rejects.toThrow("client went away");
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(50);
  });

  it("samples reproducibly with a seed", () => {
    const o = { ecgs: [ecg], messages, maxTokens: 6, minTokens: 6, temperature: 1, topP: 0.9, seed: 4 };
    expect(model.generate(o).ids).toEqual(model.generate(o).ids);
  });

  it("rejects ECGs without a user message, and prompts past maxPositions", () => {
    expect(() => model.generate({ ecgs: [ecg], messages: [{ role: "system", content: "Hi" }] })).toThrow(
      /user message/,
    );
    const long = "word ".repeat(2000);
    expect(() => model.generate({ messages: [{ role: "user", content: long }] })).toThrow(/maxPositions/);
  });

  it("names the folder when a checkpoint is missing", async () => {
    await expect(AnyEcg.load(join(samplesDir, "no-such-model"))).rejects.toThrow(InputError);
  });
});
