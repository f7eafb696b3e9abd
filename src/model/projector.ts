/** The projector (the paper's): Linear, GELU, Linear from the encoder's width into the LM's. */
import { Parameter, Rng, Tensor, gelu } from "../tensor/index.js";
import { Linear, type HasParameters } from "../nn/layers.js";

export class Projector implements HasParameters {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(inWidth: number, hidden: number, outWidth: number, rng: Rng) {
    this.fc1 = new Linear("projector.fc1", inWidth, hidden, { bias: true, rng });
    this.fc2 = new Linear("projector.fc2", hidden, outWidth, { bias: true, rng });
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(gelu(this.fc1.forward(x)));
  }
  parameters(): Parameter[] {
    return [...this.fc1.parameters(), ...this.fc2.parameters()];
  }
}
