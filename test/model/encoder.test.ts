import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readEcg } from "../../src/ecg/read.js";
import type { Ecg } from "../../src/ecg/record.js";
import { InputError } from "../../src/errors.js";
import { Rng, noGrad, scope } from "../../src/tensor/index.js";
import { shippingConfig, tinyConfig, parseConfig } from "../../src/model/config.js";
import { ecgTokenCount } from "../../src/model/ecg-tokens.js";
import { prepareEcg, type PreparedEcg } from "../../src/model/preprocess.js";
import { EcgEncoder } from "../../src/model/encoder.js";
import { samplesDir } from "../data.js";

const mitdb = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
const ptbxl = await readEcg(join(samplesDir, "ptbxl-00001_lr.hea"));

/** The record repeated to `seconds` (cut at the end). */
function tiled(ecg: Ecg, seconds: number): Ecg {
  const n = Math.round(seconds * ecg.fs);
  const signals = ecg.signals.map((s) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = s[i % s.length]!;
    return out;
  });
  return { ...ecg, signals, annotations: [] };
}

const config = tinyConfig(300);
const encoder = new EcgEncoder(config, new Rng(3));

function encode(ps: PreparedEcg[]): { values: Float32Array; counts: number[] } {
  return noGrad(() =>
    scope(() => {
      const { tokens, counts } = encoder.encode(ps);
      return { values: tokens.data.slice(), counts };
    }),
  );
}

describe("token counts", () => {
  it("follow the documented scheme for 10 s, 47 s and 30 min", () => {
    const c = shippingConfig();
    expect(ecgTokenCount(10, c)).toBe(21);
    expect(ecgTokenCount(47, c)).toBe(95);
    expect(ecgTokenCount(1800, c)).toBe(451);
    expect(ecgTokenCount(0.3, c)).toBe(2);
    expect(ecgTokenCount(24 * 3600, c)).toBeLessThanOrEqual(c.tokenBudget);
  });

  it("config.json round-trips and bad sizes are rejected", () => {
    const c = shippingConfig();
    expect(parseConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
    expect(() => parseConfig({ ...c, encoder: { ...c.encoder, patchSamples: 300 } })).toThrow(/patches/);
    expect(() => parseConfig({ ...c, timeWords: "yes" })).toThrow(/timeWords must be true or false/);
    expect(parseConfig({ ...c, timeWords: true }).timeWords).toBe(true);
  });
});

describe("preprocess", () => {
  it("maps MIT-BIH's MLII and V1 onto the standard slots at 100 Hz, scaled to [-1, 1]", () => {
    const p = prepareEcg(mitdb, config.encoder);
    expect([...p.mask]).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect(p.samples).toBe(1000);
    expect(p.windows).toBe(1);
    const ii = p.leads[1]!;
    expect(Math.min(...ii)).toBeCloseTo(-1, 5);
    expect(Math.max(...ii)).toBeCloseTo(1, 5);
    expect(p.leads[0]).toBeNull();
  });

  it("keeps all 12 PTB-XL leads and pads the last window of a 47-s record", () => {
    expect([...prepareEcg(ptbxl, config.encoder).mask]).toEqual(new Array(12).fill(1));
    const p = prepareEcg(tiled(ptbxl, 47), config.encoder);
    expect(p.windows).toBe(5);
    expect(p.samples).toBe(4700);
    expect(p.leads[1]!.subarray(4700).every((v) => v === 0)).toBe(true);
  });

  it("places a Holter CM5 channel on V5 and rejects records without any ECG lead", () => {
    const holter = { ...mitdb, leads: ["CM5", "Pleth"] };
    expect([...prepareEcg(holter, config.encoder).mask]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    const none = { ...mitdb, leads: ["Pleth", "Resp"] };
    expect(() => prepareEcg(none, config.encoder)).toThrow(InputError);
    expect(() =>
      prepareEcg({ ...mitdb, signals: [new Float32Array(0), new Float32Array(0)] }, config.encoder),
    ).toThrow(/no samples/);
  });
});

describe("encoder", () => {
  it("encodes 10 s, 47 s and 30 min into the token counts ecgTokenCount gives", () => {
    const ecgs = [tiled(ptbxl, 10), tiled(ptbxl, 47), tiled(mitdb, 1800)];
    const ps = ecgs.map((e) => prepareEcg(e, config.encoder));
    const { values, counts } = encode(ps);
    expect(counts).toEqual([10, 47, 1800].map((s) => ecgTokenCount(s, config)));
    expect(counts).toEqual([21, 48, 64]); // 47 s and 30 min are pooled into the tiny budget of 64
    expect(values.length).toBe(counts.reduce((a, b) => a + b) * config.encoder.width);
    expect(values.every(Number.isFinite)).toBe(true);
  });

  it("ignores absent leads and window padding: changing their samples changes nothing", () => {
    const p = prepareEcg(tiled(mitdb, 14), config.encoder); // leads II and V1, 2 windows, 6 s of padding
    const base = encode([p]).values;
    const rng = new Rng(5);
    const noisy = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
    const absent = { ...p, leads: p.leads.map((l, i) => (i === 0 ? noisy(p.windows * 1000) : l)) };
    expect(encode([absent]).values).toEqual(base);
    const padded = p.leads.map((l) => l && l.slice());
    padded[1]!.set(noisy(600), 1400);
    expect(encode([{ ...p, leads: padded }]).values).toEqual(base);
    // and a present lead's samples do matter
    const changed = p.leads.map((l) => l && l.slice());
    changed[6]!.set(noisy(100), 300);
    expect(encode([{ ...p, leads: changed }]).values).not.toEqual(base);
  });

  it("with patchNorm: normalised patch embeddings, absent leads still change nothing, a present lead does", () => {
    const pn = new EcgEncoder({ ...config, encoder: { ...config.encoder, patchNorm: true } }, new Rng(3));
    expect(pn.parameters().map((q) => q.name)).toContain("encoder.patch_norm.weight");
    expect(encoder.parameters().map((q) => q.name)).not.toContain("encoder.patch_norm.weight");
    const run = tokensOf(pn);
    const p = prepareEcg(mitdb, config.encoder);
    const base = run(p);
    const absent = { ...p, leads: p.leads.map((l, i) => (i === 0 ? new Float32Array(1000).fill(3) : l)) };
    expect(run(absent)).toEqual(base);
    const changed = p.leads.map((l) => l && l.slice());
    changed[1]!.fill(0.5, 200, 300);
    expect(run({ ...p, leads: changed })).not.toEqual(base);
  });

  it("encodes each ECG independently of the others in the batch", () => {
    const a = prepareEcg(ptbxl, config.encoder);
    const b = prepareEcg(mitdb, config.encoder);
    const both = encode([a, b]);
    const alone = encode([b]);
    const w = config.encoder.width;
    const tail = both.values.subarray(both.counts[0]! * w);
    alone.values.forEach((v, i) => expect(tail[i]).toBeCloseTo(v, 4));
    // the same ECG given twice (encoded once) gives the same tokens twice
    const twice = encode([b, a, b]);
    expect(twice.counts).toEqual([alone.counts[0], both.counts[0], alone.counts[0]]);
    const n = alone.values.length;
    twice.values.subarray(0, n).forEach((v, i) => expect(v).toBeCloseTo(alone.values[i]!, 4));
    expect(twice.values.subarray(twice.values.length - n)).toEqual(twice.values.subarray(0, n));
  });
});

describe("findings head", () => {
  const names = ["Premature ventricular contraction", "Atrial fibrillation", "Paced beat"];
  const withHead = parseConfig({ ...config, encoder: { ...config.encoder, findings: names } });

  it("appends each token's finding probabilities (sigmoid of the head's logits) for the projector", () => {
    const enc = new EcgEncoder(withHead, new Rng(3));
    expect(enc.outputWidth).toBe(withHead.encoder.width + names.length);
    const { tokens, logits, joined } = noGrad(() =>
      scope(() => {
        const t = enc.encode([prepareEcg(mitdb, withHead.encoder)]).tokens;
        return {
          tokens: t.data.slice(),
          logits: enc.findingLogits(t).data.slice(),
          joined: enc.withFindings(t).data.slice(),
        };
      }),
    );
    const W = withHead.encoder.width;
    const K = names.length;
    const rows = tokens.length / W;
    expect(joined.length).toBe(rows * (W + K));
    for (let r = 0; r < rows; r++) {
      expect(Array.from(joined.subarray(r * (W + K), r * (W + K) + W))).toEqual(
        Array.from(tokens.subarray(r * W, (r + 1) * W)),
      );
      for (let k = 0; k < K; k++)
        expect(joined[r * (W + K) + W + k]).toBeCloseTo(1 / (1 + Math.exp(-logits[r * K + k]!)), 5);
    }
    // the head starts at the prior of a rare finding: every probability near 2 %
    expect(Math.max(...joined.filter((_, i) => i % (W + K) >= W))).toBeLessThan(0.1);
  });

  it("with the findings summary, each ECG's CLS row carries the mean probabilities of its time rows", () => {
    const enc = new EcgEncoder(withHead, new Rng(3));
    const ecgs = [prepareEcg(mitdb, withHead.encoder), prepareEcg(ptbxl, withHead.encoder)];
    const { plain, summary, starts } = noGrad(() =>
      scope(() => {
        const { tokens: t, starts } = enc.encode(ecgs);
        return { plain: enc.withFindings(t).data.slice(), summary: enc.withFindings(t, starts).data.slice(), starts }; // prettier-ignore
      }),
    );
    const D = withHead.encoder.width + names.length;
    const cls = starts.flatMap((s, i) => (Number.isNaN(s) ? [i] : []));
    expect(cls.length).toBe(2);
    for (const [n, c] of cls.entries()) {
      const end = cls[n + 1] ?? starts.length;
      for (let j = 0; j < D; j++) {
        let mean = 0;
        for (let r = c + 1; r < end; r++) mean += plain[r * D + j]! / (end - c - 1);
        // the CLS token itself stays; its findings become its ECG's mean
        expect(summary[c * D + j]).toBeCloseTo(j < withHead.encoder.width ? plain[c * D + j]! : mean, 5);
      }
    }
    for (let r = 0; r < starts.length; r++)
      if (!cls.includes(r)) expect(Array.from(summary.subarray(r * D, (r + 1) * D))).toEqual(Array.from(plain.subarray(r * D, (r + 1) * D))); // prettier-ignore
  });

  it("an encoder without findings passes its tokens unchanged; duplicate names are refused", () => {
    expect(encoder.outputWidth).toBe(config.encoder.width);
    expect(() => encoder.findingLogits(encoder.posEmbed.weight)).toThrow(/names no findings/);
    expect(() => parseConfig({ ...config, encoder: { ...config.encoder, findings: ["AF", "AF"] } })).toThrow(
      /"AF" twice/,
    );
  });
});

/** Runs an encoder on one prepared ECG: its joined tokens, copied out of the engine's memory. */
function tokensOf(enc: EcgEncoder): (q: PreparedEcg) => Float32Array {
  return (q) => noGrad(() => scope(() => enc.encode([q]).tokens.data.slice()));
}

describe("rhythm features", () => {
  const withRhythm = parseConfig({ ...config, encoder: { ...config.encoder, rhythm: true } });

  it("enter the tokens: other beat timings, other tokens; an ECG prepared without them is refused", () => {
    const enc = new EcgEncoder(withRhythm, new Rng(3));
    const p = prepareEcg(mitdb, withRhythm.encoder);
    expect(p.rhythm!.length).toBe(20 * 7);
    const run = tokensOf(enc);
    const a = run(p);
    const shifted = run({ ...p, rhythm: p.rhythm!.map((v, i) => (i % 7 === 4 ? v + 1 : v)) });
    expect(a.some((v, i) => v !== shifted[i])).toBe(true);
    expect(Array.from(run(p))).toEqual(Array.from(a));
    expect(() => run(prepareEcg(mitdb, config.encoder))).toThrow(/prepared without rhythm features/);
  });

  it("with the rhythm context, read ten per patch; seven are refused, and the context needs the rhythm", () => {
    const wide = parseConfig({ ...withRhythm, encoder: { ...withRhythm.encoder, rhythmContext: true } });
    const enc = new EcgEncoder(wide, new Rng(3));
    const p = prepareEcg(mitdb, wide.encoder);
    expect(p.rhythm!.length).toBe(20 * 10);
    const run = tokensOf(enc);
    const a = run(p);
    const changed = run({ ...p, rhythm: p.rhythm!.map((v, i) => (i % 10 === 7 ? v + 1 : v)) });
    expect(a.some((v, i) => v !== changed[i])).toBe(true);
    expect(() => run(prepareEcg(mitdb, withRhythm.encoder))).toThrow(/7 rhythm features per patch, the encoder reads 10/); // prettier-ignore
    expect(() => parseConfig({ ...config, encoder: { ...config.encoder, rhythmContext: true } })).toThrow(
      /rhythmContext needs encoder.rhythm/,
    );
  });
});

describe("morphology features", () => {
  const both = parseConfig({ ...config, encoder: { ...config.encoder, rhythm: true, morphology: true } });

  it("enter the tokens beside the rhythm features; an ECG prepared without them is refused", () => {
    const enc = new EcgEncoder(both, new Rng(3));
    expect(enc.parameters().map((p) => p.name)).toContain("encoder.morph_embed.weight");
    const p = prepareEcg(mitdb, both.encoder);
    expect(p.morphology!.length).toBe(20 * 6);
    expect(p.morphology!.some((v) => v !== 0)).toBe(true);
    const run = tokensOf(enc);
    const a = run(p);
    const wider = run({ ...p, morphology: p.morphology!.map((v, i) => (i % 6 === 0 ? v + 1 : v)) });
    expect(a.some((v, i) => v !== wider[i])).toBe(true);
    const withRhythmOnly = prepareEcg(mitdb, { ...both.encoder, morphology: false });
    expect(() => run(withRhythmOnly)).toThrow(/prepared without morphology features/);
  });
});
