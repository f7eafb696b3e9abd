import { describe, it } from "vitest";
import { Rng } from "../../src/tensor/index.js";
import { sigmoid } from "../../src/nn/losses.js";
import { gradCheck, randomData } from "../tensor/gradcheck.js";

describe("sigmoid", () => {
  it("matches 1 / (1 + e^-z) and its finite-difference gradient, large logits included", () => {
    const z = randomData(12, new Rng(4)).map((v) => 6 * v);
    z[0] = 30;
    z[1] = -30;
    const ref = ([x]: Float64Array[]) => x!.map((v) => 1 / (1 + Math.exp(-v)));
    gradCheck([{ data: z, shape: [3, 4] }], ([x]) => sigmoid(x!), ref);
  });
});
