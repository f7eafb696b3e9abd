// Multi-thread results equal single-thread results bitwise (work is split by rows, columns or
// (batch, head) units, and every sum keeps its order), and the workers never keep the process
// alive.
import { describe, it, expect, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as T from "../../src/tensor/index.js";

const e = T.engine();
const initial = e.threads;
const initialMin = e.minParallelWork;
afterAll(() => {
  e.setThreads(initial);
  e.minParallelWork = initialMin;
});

/** A graph touching every parallel kernel; returns outputs and gradients as plain arrays. */
function run(threads: number): number[][] {
  e.setThreads(threads);
  e.minParallelWork = 1; // split even the small kernels
  const rng = new T.Rng(3);
  return T.scope(() => {
    const [B, Tn, D, H, V] = [3, 37, 44, 4, 301];
    const x = T.randn([B, Tn, D], rng, 1, true);
    const wqkv = T.randn([3 * D, D], rng, 0.2, true);
    const w1 = T.randn([2 * D + 3, D], rng, 0.2, true);
    const w2 = T.randn([V, 2 * D + 3], rng, 0.2, true);
    const g = T.randn([D], rng, 1, true);
    const b = T.randn([D], rng, 1, true);
    const table = T.randn([V, D], rng, 1, true);
    const ids = Array.from({ length: B * Tn }, (_, i) => (i * 7) % V);
    const h = T.add(T.layerNorm(x, g, b), T.embedding(table, ids, [B, Tn]));
    const qkv = T.linear(h, wqkv);
    const a = T.attentionQKV(qkv, { heads: H, causal: true, keyLengths: [37, 20, 5] });
    const r = T.rope(T.rmsNorm(T.add(a, h)), { heads: 2 });
    const m = T.gelu(T.linear(r, w1));
    const logits = T.linear(T.softmax(m), w2);
    const targets = ids.map((v, i) => (i % 5 === 0 ? -100 : (v * 3) % V));
    const loss = T.add(T.softmaxCrossEntropy(logits, targets), T.mean(T.square(m)));
    T.backward(loss);
    const big = T.matmul(T.randn([300, 260], rng), T.randn([250, 260], rng), { transB: true });
    return [loss, logits, big, x.grad!, wqkv.grad!, w1.grad!, w2.grad!, g.grad!, b.grad!, table.grad!].map(
      (t) => t.toArray(),
    );
  });
}

describe("threads", () => {
  it("two threads give bitwise the same results as one", () => {
    const one = run(1);
    const two = run(2);
    expect(two.length).toBe(one.length);
    one.forEach((a, i) => {
      expect(a.every(Number.isFinite), `result ${i} finite`).toBe(true);
      expect(two[i], `result ${i}`).toEqual(a);
    });
  });

  it("worker threads do not keep the process alive", () => {
    const engineUrl = new URL("../../src/tensor/index.ts", import.meta.url).href;
    const code = `import * as T from ${JSON.stringify(engineUrl)};
      T.engine().setThreads(2);
      const y = T.matmul(T.ones([256, 256]), T.ones([256, 256]));
      console.log(y.data[0]);`;
    const tsx = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));
    const p = spawnSync(process.execPath, [tsx, "--eval", code], { encoding: "utf8", timeout: 60_000 });
    expect(p.error).toBeUndefined();
    expect(p.status).toBe(0);
    expect(p.stdout.trim()).toBe("256");
  });
});
