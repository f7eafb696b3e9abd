// AdamW against a float64 reference, decay groups, freezing, clipping and the schedule.
import { describe, it, expect } from "vitest";
import * as T from "../../src/tensor/index.js";
import { AdamW } from "../../src/nn/adamw.js";
import { clipGradNorm, gradNorm } from "../../src/nn/clip.js";
import { cosineLr } from "../../src/nn/schedule.js";
import { parameter, zeroGrad, countParameters } from "../../src/nn/params.js";

describe("AdamW", () => {
  it("matches a float64 reference over several steps, with and without decay", () => {
    const rng = new T.Rng(5);
    const w = parameter([7], "w", { rng, std: 1 });
    const b = parameter([3], "b", { rng, std: 1, decay: false });
    const ref = [Float64Array.from(w.data), Float64Array.from(b.data)];
    const m = ref.map((r) => new Float64Array(r.length));
    const v = ref.map((r) => new Float64Array(r.length));
    const opt = new AdamW([w, b], { lr: 0.1, weightDecay: 0.3 });
    for (let t = 1; t <= 4; t++) {
      zeroGrad([w, b]);
      T.scope(() => T.backward(T.add(T.sum(T.square(w)), T.sum(T.mul(b, T.tensor([1, -2, 3]))))));
      const grads = [Float64Array.from(w.grad!.data), Float64Array.from(b.grad!.data)];
      opt.step();
      ref.forEach((p, k) => {
        const wd = k === 0 ? 0.3 : 0;
        for (let i = 0; i < p.length; i++) {
          const g = grads[k]![i]!;
          m[k]![i] = 0.9 * m[k]![i]! + 0.1 * g;
          v[k]![i] = 0.999 * v[k]![i]! + 0.001 * g * g;
          const mh = m[k]![i]! / (1 - 0.9 ** t);
          const vh = v[k]![i]! / (1 - 0.999 ** t);
          p[i] = p[i]! - 0.1 * wd * p[i]! - (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
        }
      });
      [w, b].forEach((p, k) => p.data.forEach((x, i) => expect(x).toBeCloseTo(ref[k]![i]!, 5)));
    }
    opt.dispose();
    w.dispose();
    b.dispose();
  });

  it("skips frozen parameters and parameters without a gradient", () => {
    const a = parameter([4], "a", { init: "ones" });
    const c = parameter([4], "c", { init: "ones" });
    c.frozen = true;
    const opt = new AdamW([a, c], { lr: 0.5 });
    opt.step(); // no gradients yet
    expect(a.toArray()).toEqual([1, 1, 1, 1]);
    T.scope(() => T.backward(T.sum(T.mul(a, c))));
    expect(c.grad).toBeNull();
    opt.step();
    expect(a.data[0]).toBeLessThan(1);
    expect(c.toArray()).toEqual([1, 1, 1, 1]);
    expect(countParameters([a, c])).toBe(8);
    expect(countParameters([a, c], true)).toBe(4);
    a.dispose();
    c.dispose();
  });
});

describe("gradient clipping", () => {
  it("scales the global norm down to the limit and reports the norm before", () => {
    const a = parameter([3], "a", { init: "zeros" });
    const b = parameter([2], "b", { init: "zeros" });
    T.scope(() =>
      T.backward(T.add(T.sum(T.mul(a, T.tensor([3, 0, 4]))), T.sum(T.mul(b, T.tensor([0, 12]))))),
    );
    expect(gradNorm([a, b])).toBeCloseTo(13, 5);
    expect(clipGradNorm([a, b], 1)).toBeCloseTo(13, 5);
    expect(gradNorm([a, b])).toBeCloseTo(1, 4);
    expect(a.grad!.data[2]! / b.grad!.data[1]!).toBeCloseTo(4 / 12, 5);
    expect(clipGradNorm([a, b], 5)).toBeCloseTo(1, 4); // under the limit: unchanged
    a.dispose();
    b.dispose();
  });
});

describe("cosine schedule", () => {
  it("warms up linearly, peaks, then decays to the minimum", () => {
    const s = { peak: 1e-3, warmup: 10, total: 110, min: 1e-5 };
    expect(cosineLr(s, 0)).toBeCloseTo(1e-4, 10);
    expect(cosineLr(s, 9)).toBeCloseTo(1e-3, 10);
    expect(cosineLr(s, 10)).toBeCloseTo(1e-3, 10);
    expect(cosineLr(s, 60)).toBeCloseTo((1e-3 + 1e-5) / 2, 10);
    expect(cosineLr(s, 110)).toBeCloseTo(1e-5, 10);
    expect(cosineLr(s, 500)).toBeCloseTo(1e-5, 10);
    for (let t = 11; t < 110; t++) expect(cosineLr(s, t)).toBeLessThanOrEqual(cosineLr(s, t - 1));
  });
});
