import { describe, expect, it } from "vitest";
import { Projector } from "../../src/model/projector.js";
import { Rng, noGrad, scope, tensor } from "../../src/tensor/index.js";

describe("projector", () => {
  it("standardizeInput makes it compute on (x - mean) / std, as the same projector would", () => {
    const a = new Projector(3, 8, 4, new Rng(1));
    const b = new Projector(3, 8, 4, new Rng(1));
    const mean = Float32Array.from([1, -2, 0.5]);
    const std = Float32Array.from([2, 0.5, 1]);
    b.standardizeInput(mean, std);
    const x = Float32Array.from([0.3, -1, 2, 4, 0, -0.5]);
    const z = x.map((v, i) => (v - mean[i % 3]!) / std[i % 3]!);
    const run = (p: Projector, v: Float32Array): number[] =>
      noGrad(() => scope(() => Array.from(p.forward(tensor(v, [2, 3])).data)));
    const want = run(a, z);
    run(b, x).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    expect(() => b.standardizeInput(new Float32Array(2), std)).toThrow(/2 means and 3 scales for 3 inputs/);
  });
});
