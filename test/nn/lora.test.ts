import { describe, expect, it } from "vitest";
import { Rng, backward, noGrad, randn, scope, sum } from "../../src/tensor/index.js";
import { LoraLinear } from "../../src/nn/lora.js";

function setRandom(p: { data: Float32Array }, rng: Rng): void {
  const d = p.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.normal() * 0.3;
}

describe("LoRA", () => {
  it("adds (alpha / r) B A x, merges into W and unmerges back", () => {
    const rng = new Rng(2);
    const lin = new LoraLinear("l", 6, 5, rng);
    const w0 = lin.weight.data.slice();
    lin.addAdapter({ r: 2, alpha: 4, rng });
    setRandom(lin.b!, rng); // B starts at zero; make the update visible
    const x = randn([3, 6], rng).keep();
    const run = () => noGrad(() => scope(() => lin.forward(x).data.slice()));
    const y = run();
    // reference: x W^T + 2 * x A^T B^T
    const [a, b, w] = [lin.a!.data, lin.b!.data, w0];
    const xd = x.data;
    for (let i = 0; i < 3; i++)
      for (let o = 0; o < 5; o++) {
        let ref = 0;
        for (let k = 0; k < 6; k++) ref += xd[i * 6 + k]! * w[o * 6 + k]!;
        for (let r = 0; r < 2; r++) {
          let ax = 0;
          for (let k = 0; k < 6; k++) ax += xd[i * 6 + k]! * a[r * 6 + k]!;
          ref += 2 * b[o * 2 + r]! * ax;
        }
        expect(y[i * 5 + o]).toBeCloseTo(ref, 5);
      }
    lin.merge();
    expect(lin.merged).toBe(true);
    const merged = run();
    merged.forEach((v, i) => expect(v).toBeCloseTo(y[i]!, 5));
    expect(lin.weight.data).not.toEqual(w0);
    lin.unmerge();
    lin.weight.data.forEach((v, i) => expect(v).toBeCloseTo(w0[i]!, 6));
    x.dispose();
  });

  it("starts as the base layer and trains only the adapter when the base is frozen", () => {
    const rng = new Rng(4);
    const lin = new LoraLinear("l", 4, 3, rng);
    const x = randn([2, 4], rng).keep();
    const base = noGrad(() => scope(() => lin.forward(x).data.slice()));
    lin.addAdapter({ r: 2, alpha: 16, rng });
    expect(noGrad(() => scope(() => lin.forward(x).data.slice()))).toEqual(base);
    lin.weight.frozen = true;
    scope(() => backward(sum(lin.forward(x))));
    expect(lin.weight.grad).toBeNull();
    expect(lin.b!.gradValid).toBe(true);
    expect(lin.b!.grad!.data.some((v) => v !== 0)).toBe(true);
    expect(lin.parameters().map((p) => p.name)).toEqual(["l.weight", "l.lora_A.weight", "l.lora_B.weight"]);
    x.dispose();
  });
});
