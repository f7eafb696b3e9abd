/**
 * The ECG encoder: a ViT over 10-s windows at 100 Hz, and the joining of windows into the tokens
 * handed to the language model.
 *
 * Per window (the paper's ingredients):
 * - each present lead is cut into patches of `patchSamples` samples; a patch's token is a linear
 *   map of its samples plus a learned lead embedding plus a learned patch-position embedding;
 * - a CLS token (its own lead and position embedding rows);
 * - pre-norm transformer blocks (LayerNorm, multi-head attention, LayerNorm, GELU MLP).
 *
 * The improvement on the paper's zero-filled leads: absent leads and patches made only of the
 * last window's padding get no token at all. Since every token carries its lead and position in
 * its embedding, attention does not depend on token order, so a window's real tokens are packed
 * first (CLS, then patch-major: patch 0 of each present lead, patch 1, ...) and the engine's
 * key-length mask hides the batch padding after them. Changing an absent lead's samples, or the
 * padding, therefore changes nothing, and a 1-lead window costs 1/12 of a 12-lead one.
 *
 * Joining (see ecg-tokens.ts for the counts): per window, the tokens of one time patch are
 * averaged over the present leads (one token per 0.5 s instead of one per lead and patch); the
 * windows' CLS tokens are averaged into the ECG's first token; the time tokens follow in time
 * order, averaged in groups of g consecutive patches when the token budget requires. A fixed
 * sinusoidal embedding of each token's centre time in seconds (resolution 0.1 s, periods from
 * 0.6 s to ~1.7 h) is added, so the language model knows where in a long recording every token
 * sits (the paper's per-window time embedding, made per token so pooled tokens keep it).
 *
 * Rhythm, morphology and beat classes (our additions, `rhythm`, `morphology` and `beatClasses` in
 * the config): each patch's beat-timing features (rhythm.ts), beat-shape features and beat-class
 * probabilities (morphology.ts) enter through linear embeddings added to the tokens of that
 * patch in every lead.
 *
 * Findings (our addition, `findings` in the config): a linear head scores every token for the
 * beat types and rhythms the labels stage (0d) teaches, and `withFindings` appends their
 * probabilities to the tokens for the projector.
 */
import { Parameter, Rng, Tensor, add, attentionQKV, concat, gelu, tensor } from "../tensor/index.js";
import { sigmoid } from "../nn/losses.js";
import {
  Embedding,
  LayerNorm,
  Linear,
  RowPlanBuilder,
  sparseRows,
  type HasParameters,
  type RowPlan,
} from "../nn/layers.js";
import { patchesPerWindow, windowSamples, type AnyEcgConfig, type EncoderConfig } from "./config.js";
import { patchTokenCount, poolGroup, tokenTimeSpan } from "./ecg-tokens.js";
import { BEAT_CLASS_FEATURES, MORPHOLOGY_FEATURES } from "./morphology.js";
import { RHYTHM_CONTEXT_FEATURES, RHYTHM_FEATURES } from "./rhythm.js";
import type { PreparedEcg } from "./preprocess.js";

const LEADS = 12;

/**
 * The findings head's initial bias: the log-odds of a rare finding (2 % of tokens). Started at 0,
 * every logit is wrong by the same amount at first, and that one shared error drives the whole
 * gradient: it pushes every token's features the same way, and within ten steps the encoder's
 * output no longer depends on its input (measured), a collapse it does not climb out of. Started
 * at the prior, the first gradients are the per-token differences (as for the focal loss's
 * detector heads).
 */
const PRIOR_LOGIT = Math.log(0.02 / 0.98);

/** Most tokens encoded in one batch (bounds the attention matrices' memory). */
const CHUNK_TOKENS = 8192;

class Block implements HasParameters {
  readonly norm1: LayerNorm;
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly norm2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(
    name: string,
    private readonly c: EncoderConfig,
    rng: Rng,
  ) {
    const D = c.width;
    this.norm1 = new LayerNorm(`${name}.norm1`, D, 1e-6);
    this.qkv = new Linear(`${name}.attn.qkv`, D, 3 * D, { bias: true, rng });
    this.proj = new Linear(`${name}.attn.proj`, D, D, { bias: true, rng });
    this.norm2 = new LayerNorm(`${name}.norm2`, D, 1e-6);
    this.fc1 = new Linear(`${name}.mlp.fc1`, D, c.mlpWidth, { bias: true, rng });
    this.fc2 = new Linear(`${name}.mlp.fc2`, c.mlpWidth, D, { bias: true, rng });
  }
  forward(x: Tensor, keyLengths: number[]): Tensor {
    const a = attentionQKV(this.qkv.forward(this.norm1.forward(x)), { heads: this.c.heads, keyLengths });
    x = add(x, this.proj.forward(a));
    return add(x, this.fc2.forward(gelu(this.fc1.forward(this.norm2.forward(x)))));
  }
  parameters(): Parameter[] {
    return [this.norm1, this.qkv, this.proj, this.norm2, this.fc1, this.fc2].flatMap((m) => m.parameters());
  }
}

/** One window to encode: which ECG, which window, its present leads and real patches. */
interface WindowJob {
  ecg: PreparedEcg;
  w: number;
  leads: number[];
  patches: number;
}

function tokensOf(j: WindowJob): number {
  return 1 + j.leads.length * j.patches;
}

export class EcgEncoder implements HasParameters {
  readonly patchEmbed: Linear;
  /** Optional LayerNorm of the patch embeddings (`patchNorm` in the config). */
  readonly patchNorm: LayerNorm | null;
  /** Rows 0-11: the standard leads; row 12: CLS. */
  readonly leadEmbed: Embedding;
  /** Rows 0..P-1: patch positions in the window; row P: CLS. */
  readonly posEmbed: Embedding;
  /** Beat-timing features -> token (`rhythm` in the config), or null. */
  readonly rhythmEmbed: Linear | null;
  /** Beat-shape features -> token (`morphology` in the config), or null. */
  readonly morphEmbed: Linear | null;
  /** Beat-class probabilities -> token (`beatClasses` in the config), or null. */
  readonly classEmbed: Linear | null;
  readonly blocks: Block[];
  readonly norm: LayerNorm;
  /** Per-token findings head (`findings` in the config), or null. */
  readonly findings: Linear | null;
  readonly c: EncoderConfig;

  constructor(
    readonly config: AnyEcgConfig,
    rng: Rng,
  ) {
    const c = (this.c = config.encoder);
    const P = patchesPerWindow(c);
    this.patchEmbed = new Linear("encoder.patch_embed", c.patchSamples, c.width, { bias: true, rng });
    this.patchNorm = c.patchNorm ? new LayerNorm("encoder.patch_norm", c.width, 1e-6) : null;
    this.leadEmbed = new Embedding("encoder.lead_embed", LEADS + 1, c.width, { rng });
    this.posEmbed = new Embedding("encoder.pos_embed", P + 1, c.width, { rng });
    // unit-scale init: the features start as strong as the normalised patch embedding
    const embed = (name: string, n: number): Linear =>
      new Linear(name, n, c.width, { rng, std: 1 / Math.sqrt(n) });
    this.rhythmEmbed = c.rhythm ? embed("encoder.rhythm_embed", rhythmWidth(c)) : null;
    this.morphEmbed = c.morphology ? embed("encoder.morph_embed", MORPHOLOGY_FEATURES) : null;
    this.classEmbed = c.beatClasses ? embed("encoder.class_embed", BEAT_CLASS_FEATURES) : null;
    this.blocks = Array.from({ length: c.depth }, (_, i) => new Block(`encoder.blocks.${i}`, c, rng));
    this.norm = new LayerNorm("encoder.norm", c.width, 1e-6);
    const K = c.findings?.length ?? 0;
    this.findings = K > 0 ? new Linear("encoder.findings", c.width, K, { bias: true, rng }) : null;
    this.findings?.bias!.data.fill(PRIOR_LOGIT);
  }

  parameters(): Parameter[] {
    const parts = [this.patchEmbed, this.patchNorm, this.leadEmbed, this.posEmbed, this.rhythmEmbed, this.morphEmbed, this.classEmbed, ...this.blocks, this.norm]; // prettier-ignore
    return [...parts, this.findings].flatMap((m) => m?.parameters() ?? []);
  }

  /** Width of the projector's input: the token width plus one probability per finding. */
  get outputWidth(): number {
    return this.c.width + (this.c.findings?.length ?? 0);
  }

  /** Finding logits [rows, findings] of encoded tokens [rows, width]. */
  findingLogits(tokens: Tensor): Tensor {
    if (!this.findings) throw new RangeError("encoder: the config names no findings (encoder.findings)");
    return this.findings.forward(tokens);
  }

  /**
   * The projector's input: tokens [rows, width] with their findings' probabilities appended.
   * With `summaryStarts` (the rows' start times from `encode`, NaN for each ECG's CLS row), a CLS
   * row gets the mean probabilities of its ECG's time rows instead (config `findingsSummary`).
   */
  withFindings(tokens: Tensor, summaryStarts: readonly number[] | null = null): Tensor {
    if (!this.findings) return tokens;
    const p = sigmoid(this.findings.forward(tokens));
    return concat([tokens, summaryStarts ? sparseRows(p, clsMeanPlan(summaryStarts)) : p], 1);
  }

  /** The per-patch feature sets the config switches on, with their embeddings. */
  private patchFeatures(): { embed: Linear; width: number; of: (e: PreparedEcg) => Float32Array }[] {
    const out = [];
    if (this.rhythmEmbed)
      out.push({ embed: this.rhythmEmbed, width: rhythmWidth(this.c), of: (e: PreparedEcg) => featuresOf(e, "rhythm", rhythmWidth(this.c), this.c) }); // prettier-ignore
    if (this.morphEmbed)
      out.push({ embed: this.morphEmbed, width: MORPHOLOGY_FEATURES, of: (e: PreparedEcg) => featuresOf(e, "morphology", MORPHOLOGY_FEATURES, this.c) }); // prettier-ignore
    if (this.classEmbed)
      out.push({ embed: this.classEmbed, width: BEAT_CLASS_FEATURES, of: (e: PreparedEcg) => featuresOf(e, "beatClasses", BEAT_CLASS_FEATURES, this.c) }); // prettier-ignore
    return out;
  }

  /**
   * Encodes one batch of windows: returns [B, Tmax, width]; window b's real tokens are rows
   * [0, tokensOf(job b)) in the packed order of the module comment.
   */
  private encodeBatch(jobs: WindowJob[]): Tensor {
    const c = this.c;
    const P = patchesPerWindow(c);
    const ps = c.patchSamples;
    const W = windowSamples(c);
    const lengths = jobs.map(tokensOf);
    const T = Math.max(...lengths);
    const B = jobs.length;
    const patches = new Float32Array(B * T * ps);
    const features = this.patchFeatures().map((f) => ({ ...f, rows: new Float32Array(B * T * f.width) }));
    const leadIds = new Int32Array(B * T).fill(LEADS);
    const posIds = new Int32Array(B * T).fill(P);
    jobs.forEach((j, b) => {
      let row = b * T + 1;
      for (let p = 0; p < j.patches; p++)
        for (const l of j.leads) {
          const src = j.ecg.leads[l]!;
          patches.set(src.subarray(j.w * W + p * ps, j.w * W + (p + 1) * ps), row * ps);
          for (const f of features) {
            const F = f.width;
            f.rows.set(f.of(j.ecg).subarray((j.w * P + p) * F, (j.w * P + p + 1) * F), row * F);
          }
          leadIds[row] = l;
          posIds[row] = p;
          row++;
        }
    });
    let x = this.patchEmbed.forward(tensor(patches, [B, T, ps]));
    if (this.patchNorm) x = this.patchNorm.forward(x);
    x = add(x, this.leadEmbed.forward(leadIds, [B, T]));
    x = add(x, this.posEmbed.forward(posIds, [B, T]));
    for (const f of features) x = add(x, f.embed.forward(tensor(f.rows, [B, T, f.width])));
    for (const blk of this.blocks) x = blk.forward(x, lengths);
    return this.norm.forward(x);
  }

  /**
   * Encodes ECGs into their joined tokens (encoder width, before the projector), all ECGs'
   * tokens one after another: returns the tensor [sum of counts, width], each ECG's count and
   * each row's start time in its ECG (s; NaN for the CLS rows).
   */
  encode(ecgs: readonly PreparedEcg[]): { tokens: Tensor; counts: number[]; starts: number[] } {
    const c = this.c;
    // an ECG given twice (a training batch reusing a record) is encoded once
    const unique = [...new Set(ecgs)];
    const jobs = unique.flatMap((e) => this.windowJobs(e));
    // stage 1, per batch of windows: [CLS, fused patch tokens...] per window
    const fused: Tensor[] = [];
    for (const batch of batches(jobs)) {
      const out = this.encodeBatch(batch);
      fused.push(sparseRows(out, fuseLeadsPlan(batch, out.shape[1]!)));
    }
    const all = fused.length === 1 ? fused[0]! : concat(fused, 0);
    // where each unique ECG's rows are in `all`: its windows' CLS rows and its patch rows in time order
    const rowsOf = new Map<PreparedEcg, { cls: number[]; patches: number[] }>();
    let row = 0;
    for (const j of jobs) {
      let r = rowsOf.get(j.ecg);
      if (!r) rowsOf.set(j.ecg, (r = { cls: [], patches: [] }));
      r.cls.push(row);
      for (let p = 0; p < j.patches; p++) r.patches.push(row + 1 + p);
      row += 1 + j.patches;
    }
    // stage 2, per ECG: mean CLS, then time groups, plus the time embedding
    const plan = new RowPlanBuilder();
    const counts: number[] = [];
    const times: number[] = [];
    const starts: number[] = [];
    for (const e of ecgs) {
      const start = plan.rows;
      const { cls, patches } = rowsOf.get(e)!;
      for (const r of cls) plan.add(r, 1 / cls.length);
      plan.endRow();
      times.push(NaN);
      starts.push(NaN);
      const n = patchTokenCount(e.samples, c);
      if (n !== patches.length) throw new Error("encoder: patch count mismatch");
      const g = poolGroup(n, this.config.tokenBudget);
      for (let i = 0; i * g < n; i++) {
        const group = patches.slice(i * g, (i + 1) * g);
        for (const r of group) plan.add(r, 1 / group.length);
        plan.endRow();
        const span = tokenTimeSpan(i, e.samples, this.config);
        times.push((span.start + span.end) / 2);
        starts.push(span.start);
      }
      counts.push(plan.rows - start);
    }
    const joined = sparseRows(all, plan.build());
    return { tokens: add(joined, timeEmbedding(times, c.width)), counts, starts };
  }

  /** The windows of one ECG, with its present leads and each window's real patches. */
  private windowJobs(e: PreparedEcg): WindowJob[] {
    const c = this.c;
    const P = patchesPerWindow(c);
    const W = windowSamples(c);
    const leads = [...e.mask.keys()].filter((l) => e.mask[l] === 1 && e.leads[l]);
    if (leads.length === 0) throw new RangeError(`encoder: ECG ${e.name} has no present lead`);
    return Array.from({ length: e.windows }, (_, w) => ({
      ecg: e,
      w,
      leads,
      patches: Math.min(P, Math.ceil(Math.min(W, e.samples - w * W) / c.patchSamples)),
    }));
  }
}

/** Beat-timing features per patch of an encoder config. */
function rhythmWidth(c: EncoderConfig): number {
  return c.rhythmContext ? RHYTHM_CONTEXT_FEATURES : RHYTHM_FEATURES;
}

/** An ECG's per-patch features of one kind, checked to be there and `width` wide. */
function featuresOf(
  e: PreparedEcg,
  kind: "rhythm" | "morphology" | "beatClasses",
  width: number,
  c: EncoderConfig,
): Float32Array {
  const f = e[kind];
  if (!f)
    throw new RangeError(
      `encoder: ECG ${e.name} was prepared without ${kind} features (encoder.${kind} is on)`,
    );
  if (f.length !== e.windows * patchesPerWindow(c) * width)
    throw new RangeError(
      `encoder: ECG ${e.name} was prepared with ${f.length / (e.windows * patchesPerWindow(c))} ${kind} features per patch, the encoder reads ${width}`,
    );
  return f;
}

/** Consecutive windows in batches of at most CHUNK_TOKENS padded tokens. */
function batches(jobs: WindowJob[]): WindowJob[][] {
  const out: WindowJob[][] = [];
  let cur: WindowJob[] = [];
  let tmax = 0;
  for (const j of jobs) {
    const t = Math.max(tmax, tokensOf(j));
    if (cur.length > 0 && t * (cur.length + 1) > CHUNK_TOKENS) {
      out.push(cur);
      cur = [];
      tmax = 0;
    }
    cur.push(j);
    tmax = Math.max(tmax, tokensOf(j));
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Stage-1 plan: per window, its CLS row, then each real patch's mean over the present leads. */
function fuseLeadsPlan(batch: WindowJob[], T: number): RowPlan {
  const plan = new RowPlanBuilder();
  batch.forEach((j, b) => {
    plan.add(b * T);
    plan.endRow();
    const L = j.leads.length;
    for (let p = 0; p < j.patches; p++) {
      for (let l = 0; l < L; l++) plan.add(b * T + 1 + p * L + l, 1 / L);
      plan.endRow();
    }
  });
  return plan.build();
}

/**
 * Sinusoidal embedding of times in seconds (NaN: zeros, for the CLS token): first half sines,
 * second half cosines of t / 0.1 s / 10000^(2i/width).
 */
export function timeEmbedding(times: readonly number[], width: number): Tensor {
  const half = Math.floor(width / 2);
  const out = new Float32Array(times.length * width);
  times.forEach((t, r) => {
    if (Number.isNaN(t)) return;
    for (let i = 0; i < half; i++) {
      const a = (t / 0.1) * Math.pow(10000, (-2 * i) / width);
      out[r * width + i] = Math.sin(a);
      out[r * width + half + i] = Math.cos(a);
    }
  });
  return tensor(out, [times.length, width]);
}

/** Row plan: each CLS row (start NaN) the mean of the time rows that follow it, the others themselves. */
function clsMeanPlan(starts: readonly number[]): RowPlan {
  const plan = new RowPlanBuilder();
  for (let i = 0; i < starts.length; i++) {
    if (Number.isNaN(starts[i]!)) {
      let end = i + 1;
      while (end < starts.length && !Number.isNaN(starts[end]!)) end++;
      for (let j = i + 1; j < end; j++) plan.add(j, 1 / (end - i - 1));
    } else plan.add(i);
    plan.endRow();
  }
  return plan.build();
}
