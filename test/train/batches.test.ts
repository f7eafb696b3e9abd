// Length bucketing and seeded shuffling: deterministic, complete, and less padding than random.
import { describe, it, expect } from "vitest";
import { BatchStream, paddingShare, planEpoch } from "../../src/train/batches.js";
import { Rng } from "../../src/data/rng.js";

const rng = new Rng(7);
const lengths = Array.from({ length: 500 }, () => 20 + Math.floor(rng.next() * 400));

describe("batches", () => {
  it("cover every example once per epoch and are the same for the same seed", () => {
    const a = planEpoch(lengths, 0, { batchSize: 8, seed: 1 });
    const b = planEpoch(lengths, 0, { batchSize: 8, seed: 1 });
    expect(a).toEqual(b);
    expect(a.flat().sort((x, y) => x - y)).toEqual(lengths.map((_, i) => i));
    expect(a.length).toBe(Math.ceil(500 / 8));
    expect(planEpoch(lengths, 1, { batchSize: 8, seed: 1 })).not.toEqual(a);
    expect(planEpoch(lengths, 0, { batchSize: 8, seed: 2 })).not.toEqual(a);
  });

  it("bucketing pads far less than unsorted batches", () => {
    const bucketed = paddingShare(lengths, planEpoch(lengths, 0, { batchSize: 8, seed: 1 }));
    const order = new Rng(1).shuffle(lengths.map((_, i) => i));
    const random = Array.from({ length: Math.ceil(500 / 8) }, (_, b) => order.slice(b * 8, b * 8 + 8));
    const unsorted = paddingShare(lengths, random);
    expect(bucketed).toBeLessThan(0.1);
    expect(unsorted).toBeGreaterThan(0.3);
  });

  it("the stream addresses batches across epochs by number", () => {
    const s = new BatchStream(lengths, { batchSize: 8, seed: 3 });
    const n = s.perEpoch;
    const e1 = planEpoch(lengths, 1, { batchSize: 8, seed: 3 });
    expect(s.batch(n + 5)).toEqual(e1[5]);
    expect(s.batch(2)).toEqual(planEpoch(lengths, 0, { batchSize: 8, seed: 3 })[2]);
    expect(new BatchStream(lengths, { batchSize: 8, seed: 3 }).batch(n + 5)).toEqual(e1[5]);
    expect(s.position(n + 5)).toEqual({ epoch: 1, index: 5 });
  });
});
