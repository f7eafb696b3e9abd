// The hand-off of ops to the worker threads when threads wake late: more threads than this
// machine has cores, and consecutive ops with different chunk counts. A thread that woke for
// an op that the others had already finished once claimed a chunk of the next op through the
// old op's ticket while the next op's fields were being written, so that chunk ran twice (a
// packed product's last rows came out 1.5 times too large under load). Every op here adds
// x = 1 to y, so any chunk run twice or skipped shows in y.
import { describe, it, expect, afterAll } from "vitest";
import * as T from "../../src/tensor/index.js";

const e = T.engine();
const initial = e.threads;
afterAll(() => e.setThreads(initial));

describe("engine op hand-off", () => {
  it("runs every chunk exactly once when ops of different chunk counts follow each other", () => {
    e.setThreads(6);
    const n = 24 * e.minParallelWork; // enough work for 24 chunks
    const ops = 3000;
    const y = T.scope(() => {
      const x = T.tensor(new Float32Array(n).fill(1), [n]);
      const acc = T.tensor(new Float32Array(n), [n]);
      for (let i = 0; i < ops; i++) e.runSplit("axpby", n, i % 2 ? 24 : 6, x.ptr, acc.ptr, n, 1, 1);
      return acc.toArray() as number[];
    });
    const wrong = y.findIndex((v) => v !== ops);
    expect(wrong === -1 ? null : { index: wrong, value: y[wrong] }).toBeNull();
  });
});
