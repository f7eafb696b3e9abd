/**
 * Stage 0c: the ECG encoder pretrained contrastively against report/label text with the sigmoid
 * loss (siglip.ts), as the paper pretrains its encoder on ECG-report pairs.
 *
 * The text tower (a decision, since we have no pretrained text encoder): the stage-0b language
 * model, frozen, mean-pooled over the text's tokens, then a trainable linear head. The LM has
 * just learned the tasks' language, so its pooled states separate the statements; frozen, each
 * distinct text is embedded once (cached) and the step costs only the encoder. The ECG side is
 * the encoder's joined CLS token (the mean of its windows' CLS) through its own linear head.
 * Only the encoder is kept afterwards: the heads live in the stage's training state.
 */
import type { EcgEncoder } from "../model/encoder.js";
import type { Llama } from "../model/llama.js";
import type { PreparedEcg } from "../model/preprocess.js";
import type { Tokenizer } from "../model/tokenizer.js";
import { RowPlanBuilder, sparseRows } from "../nn/layers.js";
import { Rng, noGrad, scope, tensor, type Parameter, type Tensor } from "../tensor/index.js";
import type { TrainableModel } from "./loop.js";
import { matchLabels, SiglipHead } from "./siglip.js";

/** A batch of (ECG, text) pairs. */
export interface PairBatch {
  ecgs: PreparedEcg[];
  texts: string[];
}

export class ContrastiveModel implements TrainableModel<PairBatch> {
  readonly head: SiglipHead;
  private readonly textCache = new Map<string, Float32Array>();

  constructor(
    readonly encoder: EcgEncoder,
    readonly lm: Llama,
    readonly tokenizer: Tokenizer,
    seed = 1,
  ) {
    const w = lm.config.width;
    this.head = new SiglipHead(encoder.c.width, w, w, new Rng(seed));
  }

  /** Encoder and heads (the LM stays frozen and is not part of the state). */
  parameters(): Parameter[] {
    return [...this.encoder.parameters(), ...this.head.parameters()];
  }

  /** Mean of the frozen LM's final hidden states over the text's tokens (cached per text). */
  textFeature(text: string): Float32Array {
    let f = this.textCache.get(text);
    if (!f) {
      const ids = [this.tokenizer.specialId("<|begin_of_text|>"), ...this.tokenizer.encode(text)];
      const W = this.lm.config.width;
      const h = noGrad(() =>
        scope(() => this.lm.forward(this.lm.embedIds(ids, [1, ids.length])).data.slice()),
      );
      f = new Float32Array(W);
      for (let t = 0; t < ids.length; t++) for (let j = 0; j < W; j++) f[j]! += h[t * W + j]! / ids.length;
      this.textCache.set(text, f);
    }
    return f;
  }

  /** CLS features [B, encoder width]: the first joined token of each ECG. */
  ecgFeatures(ecgs: readonly PreparedEcg[]): Tensor {
    const { tokens, counts } = this.encoder.encode(ecgs);
    const plan = new RowPlanBuilder();
    let row = 0;
    for (const c of counts) {
      plan.add(row);
      plan.endRow();
      row += c;
    }
    return sparseRows(tokens, plan.build());
  }

  loss(b: PairBatch): Tensor {
    if (b.ecgs.length !== b.texts.length || b.ecgs.length < 2)
      throw new RangeError("contrastive loss: needs at least 2 pairs");
    const W = this.lm.config.width;
    const txt = new Float32Array(b.texts.length * W);
    b.texts.forEach((t, i) => txt.set(this.textFeature(t), i * W));
    return this.head.loss(this.ecgFeatures(b.ecgs), tensor(txt, [b.texts.length, W]), matchLabels(b.texts));
  }
}
