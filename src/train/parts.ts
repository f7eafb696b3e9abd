/**
 * Which parameters a stage trains, as its config lists them. The paper: 1 encoder + projector
 * (LM frozen), 2-3 + LoRA adapters. The shipped recipe (configs/anyecg-small): 0b the language
 * model, 0d the encoder, 1 the projector, 2-4 projector + the whole (small, ours) LM, with the
 * encoder frozen after 0d. Everything not listed is frozen (no gradient, no update, no optimizer
 * memory).
 */
import type { Parameter } from "../tensor/index.js";
import type { TrainablePart } from "./config.js";

/** The structure freezing needs (AnyEcg has it). */
export interface ModelParts {
  encoder: { parameters(): Parameter[] };
  projector: { parameters(): Parameter[] };
  lm: { parameters(): Parameter[]; loraLayers(): { adapterParameters(): Parameter[] }[] };
  parameters(): Parameter[];
}

/** The parameters of each part (LM parameters exclude the LoRA adapters). */
export function partParameters(m: ModelParts, part: TrainablePart): Parameter[] {
  const adapters = new Set(m.lm.loraLayers().flatMap((l) => l.adapterParameters()));
  switch (part) {
    case "encoder":
      return m.encoder.parameters();
    case "projector":
      return m.projector.parameters();
    case "lora":
      return [...adapters];
    case "lm":
      return m.lm.parameters().filter((p) => !adapters.has(p));
  }
}

/** Freezes everything, then unfreezes the listed parts; returns the number of trained scalars. */
export function setTrainable(m: ModelParts, parts: readonly TrainablePart[]): number {
  for (const p of m.parameters()) p.frozen = true;
  let n = 0;
  for (const part of parts)
    for (const p of partParameters(m, part)) {
      if (p.frozen) n += p.size;
      p.frozen = false;
    }
  if (parts.includes("lora") && partParameters(m, "lora").length === 0)
    throw new RangeError("trainable lists lora, but the model has no LoRA adapters (lora.r is 0)");
  return n;
}
