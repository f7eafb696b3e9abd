import { describe, expect, it } from "vitest";
import { Rng, tensor } from "../../src/tensor/index.js";
import { RowPlanBuilder, sparseRows } from "../../src/nn/layers.js";
import { gradCheck, randomData } from "../tensor/gradcheck.js";

describe("sparseRows", () => {
  // 3 output rows from 5 input rows of width 4: a mean, a gather, an empty row, a repeated index
  const b = new RowPlanBuilder();
  b.add(0, 0.5);
  b.add(3, 0.5);
  b.endRow();
  b.add(4);
  b.add(4, 2);
  b.endRow();
  b.endRow();
  const plan = b.build();

  const ref = ([x]: Float64Array[]) => {
    const out = new Float64Array(3 * 4);
    for (let s = 0; s < 3; s++)
      for (let k = plan.offsets[s]!; k < plan.offsets[s + 1]!; k++)
        for (let j = 0; j < 4; j++) out[s * 4 + j]! += plan.weight[k]! * x![plan.index[k]! * 4 + j]!;
    return out;
  };

  it("matches a reference forward and its finite-difference gradient", () => {
    gradCheck([{ data: randomData(20, new Rng(1)), shape: [5, 4] }], ([x]) => sparseRows(x!, plan), ref);
  });

  it("rejects indices outside the input", () => {
    const bad = new RowPlanBuilder();
    bad.add(9);
    bad.endRow();
    expect(() => sparseRows(tensor(new Float32Array(8), [2, 4]), bad.build())).toThrow(/not in/);
  });
});
