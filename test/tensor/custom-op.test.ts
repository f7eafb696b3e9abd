// The public API for layers: prefix views of growing buffers (KV caches) and custom ops recorded
// with needsGrad / record / gradSlot, checked against float64 references and finite differences.
import { describe, it, expect } from "vitest";
import * as T from "../../src/tensor/index.js";
import { gradCheck, randomData } from "./gradcheck.js";

const rng = new T.Rng(5);
const inp = (shape: number[]) => ({
  data: randomData(
    shape.reduce((a, b) => a * b, 1),
    rng,
  ),
  shape,
});

/** A custom op written the documented way: y = x * x * c (elementwise), in TypeScript. */
function cubeLike(x: T.Tensor, c: number): T.Tensor {
  const out = T.Tensor.empty(x.shape);
  const xd = x.data;
  const od = out.data;
  for (let i = 0; i < od.length; i++) od[i] = xd[i]! * xd[i]! * c;
  if (T.needsGrad(x))
    T.record(out, (g) => {
      const slot = T.gradSlot(x);
      if (!slot) return;
      const gx = slot.grad.data;
      const gd = g.data;
      const xs = x.data;
      for (let i = 0; i < gx.length; i++) gx[i] = slot.beta * gx[i]! + 2 * c * xs[i]! * gd[i]!;
    });
  return out;
}

describe("prefixView", () => {
  it("views the first n positions of a [1, cap, width] buffer, gradients into those rows", () => {
    const [cap, W, n] = [7, 5, 4];
    gradCheck(
      [inp([1, cap, W])],
      ([x]) => T.prefixView(x!, 1, n),
      ([x]) => x!.slice(0, n * W),
    );
  });

  it("adds to an existing gradient and leaves the rows past n untouched", () => {
    T.scope(() => {
      const x = T.tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2], true);
      // x is used whole (gradient 1 everywhere) and through a 2-row prefix (gradient +3)
      const loss = T.add(T.sum(x), T.sum(T.scale(T.prefixView(x, 0, 2), 3)));
      T.backward(loss);
      expect(Array.from(x.grad!.data)).toEqual([4, 4, 4, 4, 1, 1]);
    });
  });

  it("shares memory with the buffer and rejects bad arguments", () => {
    T.scope(() => {
      const buf = T.zeros([1, 6, 3]);
      const v = T.prefixView(buf, 1, 2);
      expect(v.shape).toEqual([1, 2, 3]);
      buf.data[4] = 9;
      expect(v.data[4]).toBe(9);
      expect(() => T.prefixView(buf, 1, 7)).toThrow(/positions/);
      expect(() => T.prefixView(T.zeros([2, 3]), 1, 1)).toThrow(/must be 1/);
      expect(() => T.prefixView(buf, 3, 1)).toThrow(/no axis/);
    });
  });
});

describe("custom ops", () => {
  it("a TypeScript op recorded with record/gradSlot passes the finite-difference check", () => {
    gradCheck(
      [inp([3, 5])],
      ([x]) => T.add(cubeLike(x!, 0.5), cubeLike(x!, 0.5)),
      ([x]) => x!.map((v) => v * v),
    );
  });

  it("records nothing without gradients", () => {
    T.noGrad(() =>
      T.scope(() => {
        const before = T.tapeLength();
        cubeLike(T.randn([4], rng, 1, true), 2);
        expect(T.tapeLength()).toBe(before);
      }),
    );
  });
});
