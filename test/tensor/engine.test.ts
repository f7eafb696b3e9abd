// Memory pool, scopes and inference mode.
import { describe, it, expect } from "vitest";
import * as T from "../../src/tensor/index.js";

describe("engine memory", () => {
  it("size classes cover the request with little waste", () => {
    for (const b of [1, 63, 64, 65, 1000, 1025, 4097, 123457, 1 << 24]) {
      const c = T.sizeClass(b);
      expect(c).toBeGreaterThanOrEqual(b);
      expect(c % 64).toBe(0);
      expect(c).toBeLessThanOrEqual(Math.max(64, b * 1.25 + 64));
    }
  });

  it("steps of varying length reuse larger free blocks instead of growing the heap", () => {
    // Bucketed training batches change the sequence length every step: each length's
    // activations fall in other size classes. The heap must stay near the largest step's need.
    const rng = new T.Rng(2);
    const w = new T.Parameter([64, 64], "w");
    w.data.set(T.randn([64, 64], rng).data);
    const step = (rows: number) =>
      T.scope(() => {
        const x = T.randn([rows, 64], rng);
        const loss = T.mean(T.square(T.relu(T.linear(T.relu(T.linear(x, w)), w))));
        T.backward(loss);
        return loss.item();
      });
    step(4096);
    const peak = T.engine().stats().heapBytes;
    for (let i = 0; i < 40; i++) step(256 + ((i * 977) % 3800));
    expect(T.engine().stats().heapBytes).toBeLessThanOrEqual(peak * 1.5);
  });

  it("freed neighbours merge: two freed 1 MiB blocks serve one 2 MiB request without growing the heap", () => {
    const e = T.engine();
    const mib = 1 << 20;
    const a = e.alloc(mib);
    const b = e.alloc(mib);
    const guard = e.alloc(64); // keeps a and b off the top of the heap
    expect(b).toBe(a + T.sizeClass(mib));
    e.release(a);
    e.release(b);
    const heap = e.stats().heapBytes;
    const c = e.alloc(2 * mib);
    expect(c).toBe(a);
    expect(e.stats().heapBytes).toBe(heap);
    e.release(c);
    e.release(guard);
    expect(e.stats().heapBytes).toBeLessThan(heap);
  });

  it("a repeated training step reuses pooled memory (no growth after warm-up)", () => {
    const rng = new T.Rng(1);
    const w = new T.Parameter([32, 16], "w");
    w.data.set(T.randn([32, 16], rng).data);
    const x = T.randn([8, 16], rng).keep();
    const step = () =>
      T.scope(() => {
        const loss = T.mean(T.square(T.relu(T.linear(x, w))));
        T.backward(loss);
        return loss.item();
      });
    step();
    const before = T.engine().stats();
    for (let i = 0; i < 5; i++) step();
    const after = T.engine().stats();
    expect(after.heapBytes).toBe(before.heapBytes);
    expect(after.inUse).toBe(before.inUse);
    x.dispose();
    w.dispose();
  });

  it("scope releases what it does not return; dispose is idempotent", () => {
    const e = T.engine();
    const start = e.stats().inUse;
    const kept = T.scope(() => {
      T.zeros([100]);
      return T.ones([10]);
    });
    expect(kept.toArray()).toEqual(new Array(10).fill(1));
    kept.dispose();
    kept.dispose();
    expect(e.stats().inUse).toBe(start);
    expect(() => kept.data).toThrow(/after dispose/);
  });

  it("noGrad records nothing on the tape", () => {
    T.scope(() => {
      const w = T.ones([4, 4], true);
      const y = T.noGrad(() => T.linear(T.ones([2, 4]), w));
      expect(T.tapeLength()).toBe(0);
      expect(y.requiresGrad).toBe(false);
      expect(() => T.backward(T.sum(y))).toThrow(/does not depend/);
    });
  });

  it("gradients accumulate over several backward passes", () => {
    T.scope(() => {
      const w = new T.Parameter([3], "w");
      w.data.set([1, 2, 3]);
      T.backward(T.sum(T.square(w)));
      T.backward(T.sum(T.square(w)));
      expect(w.grad!.toArray()).toEqual([4, 8, 12]);
      w.zeroGrad();
      T.backward(T.sum(w));
      expect(w.grad!.toArray()).toEqual([1, 1, 1]);
      w.dispose();
    });
  });
});
