/**
 * The anyECG model's configuration: one JSON-serialisable object, stored as `config.json` in a
 * checkpoint folder. Sizes of the three parts (ECG encoder, projector, language model), the
 * token budget for long recordings, and the LoRA adapters.
 *
 * The shipped size (`shippingConfig`) is chosen to train in about 3 hours on a 2-core machine:
 * at ~20 GFLOP/s that is ~2e14 FLOP, i.e. ~6 M language-model tokens for a ~6 M-parameter
 * decoder (6 FLOP per parameter per token), plus the encoder's windows. A wider or deeper model
 * would see too few tokens to learn the tasks' language; a bigger pretrained Llama-style
 * backbone still loads through `AnyEcg.fromLlama`.
 */

export interface EncoderConfig {
  /** Sampling rate the encoder reads, Hz (the paper: 100). */
  sampleRate: number;
  /** Window length in seconds (the paper: 10). */
  windowSeconds: number;
  /** Samples per patch (50 = 0.5 s at 100 Hz; the paper's 2-s patches are 200). */
  patchSamples: number;
  /** Token width. */
  width: number;
  /** Number of transformer blocks. */
  depth: number;
  heads: number;
  /** Hidden width of each block's MLP. */
  mlpWidth: number;
  /**
   * LayerNorm on the patch embeddings, before the lead and position embeddings are added
   * (default false, the plain ViT). Scaled ECG patches are small (a 0.5-s patch of a [-1, 1]
   * window has an RMS of 0.2-0.3), so at the usual init the signal enters the residual stream
   * at a few hundredths, and the learned embeddings and biases soon outgrow it: trained that
   * way, our encoder's output stopped depending on the ECG (measured: the same tokens for
   * different records). The norm gives the signal unit scale from the first step.
   */
  patchNorm?: boolean;
  /**
   * Names of the findings the encoder scores on each of its time tokens (default none). The
   * encoder then has a findings head (trained by the labels stage, 0d), and each token reaches
   * the projector with its findings' probabilities appended: the language model gets the
   * encoder's calibrated per-token evidence explicitly rather than having to find it again in
   * 192 features where the time embedding dominates (measured: in the previous shipped model
   * the ECG moved a projected token by 4 % of its norm, and the model answered presence
   * questions at chance even on its training records).
   */
  findings?: string[];
  /**
   * Beat-timing features of each patch (rhythm.ts: prematurity, pauses, rate, irregularity from
   * our QRS detector) added to its tokens through a linear embedding (default false).
   */
  rhythm?: boolean;
  /**
   * Three more beat-timing features per patch, of the rhythm of the 20 s around it (rhythm.ts:
   * how many successive intervals change, the typical change, how many intervals are regular),
   * which tell atrial fibrillation from premature beats (default false; needs `rhythm`).
   */
  rhythmContext?: boolean;
  /**
   * Beat-shape features of each patch (morphology.ts: QRS width, difference from the window's
   * median beat) added to its tokens through a linear embedding (default false).
   */
  morphology?: boolean;
  /**
   * Beat-class probabilities of each patch (morphology.ts: the classical beat classifier's N L R
   * S V F P over the patch's beats) added through a linear embedding (default false). The model
   * then carries the classifier (`beat-classifier.json` in its folder).
   */
  beatClasses?: boolean;
}

export interface LlamaConfig {
  vocabSize: number;
  /** Hidden width (Hugging Face: hidden_size). */
  width: number;
  layers: number;
  heads: number;
  /** Key/value heads (grouped-query attention when fewer than `heads`). */
  kvHeads: number;
  /** SwiGLU hidden width (intermediate_size). */
  ffnWidth: number;
  ropeTheta: number;
  /** Longest sequence (prompt + answer) the model accepts. */
  maxPositions: number;
  normEps: number;
  /** The output projection is the token embedding (no separate lm_head). */
  tieEmbeddings: boolean;
  /**
   * Smeared keys (llama.ts): each key mixes in a learnt share of the previous position's key,
   * which lets the model copy from its prompt early in training. Not a Hugging Face Llama
   * option (default false).
   */
  smearedKeys?: boolean;
}

export interface LoraConfig {
  /** Rank (0 disables LoRA). */
  r: number;
  alpha: number;
  /** Projections that get adapters: any of q, k, v, o, gate, up, down. */
  targets: LoraTarget[];
}

export type LoraTarget = "q" | "k" | "v" | "o" | "gate" | "up" | "down";

export interface AnyEcgConfig {
  encoder: EncoderConfig;
  /** Projector hidden width (Linear encoder.width -> hidden, GELU, Linear hidden -> LM width). */
  projectorWidth: number;
  lm: LlamaConfig;
  /**
   * Most LM tokens one ECG may take (CLS included). Longer recordings are average-pooled in
   * time (see encoder.ts) so that a recording of hours still fits.
   */
  tokenBudget: number;
  lora: LoraConfig;
  /**
   * An RMS norm on the projector's output (projector.ts), its gain started at the scale of the
   * LM's word embeddings by the stage that starts the projector (default false).
   */
  projectorNorm?: boolean;
  /**
   * Time words (anyecg.ts): each ECG time token also carries the language model's embedding of
   * the whole seconds it starts at, so answers can copy their times. Adds no weights.
   */
  timeWords?: boolean;
  /**
   * Each ECG's first token (its CLS) carries the mean of its time tokens' findings
   * probabilities instead of the head's output on the CLS token itself, which the labels stage
   * never trains (encoder.ts `withFindings`): a record-level summary the language model finds in
   * one place, for the statements about the whole ECG. Adds no weights.
   */
  findingsSummary?: boolean;
  /**
   * Finding words (anyecg.ts): each ECG token also carries the language model's embedding of
   * the names of the findings the encoder's head sees in it, weighted by their probabilities, so
   * statements and questions find the tokens that carry their words. Needs encoder.findings.
   * Adds no weights.
   */
  findingWords?: boolean;
  /**
   * Beat notes (beat-notes.ts): after each ECG block the prompt lists where the classical beat
   * classifier puts that ECG's abnormal beats, in the answers' interval format, for the answers
   * to copy or overrule. Needs encoder.beatClasses. Adds no weights.
   */
  beatNotes?: boolean;
  /**
   * Record summary: each ECG's first token carries, for the findings the model's classical
   * record classifiers read (rhythms on any ECG, PTB-XL's diagnostic superclasses on 12-lead
   * ones; src/analysis/record-classifiers.ts, shipped as record-classifiers.json), their
   * whole-record probabilities where the findings summary put the mean of the encoder's tokens.
   * Why: on the validation recordings those classifiers find AF at F1 83 and the superclasses
   * at macro AUC 91, the reports written from the encoder's evidence at 67-71 and 68. Needs
   * findingsSummary; findings the head does not name are left out. Adds no weights.
   */
  recordSummary?: boolean;
  /**
   * Record notes (record-notes.ts): after each ECG block the prompt names, in the reports' own
   * words, what the record classifiers read on the whole ECG (its likeliest rhythm, the
   * diagnoses they find likely), for the reports to copy or overrule. Needs the record
   * classifiers (record-classifiers.json). Adds no weights.
   */
  recordNotes?: boolean;
}

/** The config flags that add no weights, so a stage may switch them on for a saved checkpoint. */
export const MODEL_SWITCHES = ["timeWords", "findingsSummary", "findingWords", "beatNotes", "recordSummary", "recordNotes"] as const; // prettier-ignore
export type ModelSwitches = Partial<Pick<AnyEcgConfig, (typeof MODEL_SWITCHES)[number]>>;

/** The size meant for shipping: see the module comment for why. */
export function shippingConfig(vocabSize = 4096): AnyEcgConfig {
  return {
    encoder: {
      sampleRate: 100,
      windowSeconds: 10,
      patchSamples: 50,
      width: 192,
      depth: 4,
      heads: 3,
      mlpWidth: 768,
    },
    projectorWidth: 512,
    lm: {
      vocabSize,
      width: 256,
      layers: 6,
      heads: 4,
      kvHeads: 2,
      ffnWidth: 768,
      ropeTheta: 10000,
      maxPositions: 2048,
      normEps: 1e-5,
      tieEmbeddings: true,
    },
    tokenBudget: 512,
    lora: { r: 8, alpha: 16, targets: ["q", "k"] },
  };
}

/** A very small model for tests and smoke runs. */
export function tinyConfig(vocabSize: number): AnyEcgConfig {
  return {
    encoder: {
      sampleRate: 100,
      windowSeconds: 10,
      patchSamples: 50,
      width: 32,
      depth: 1,
      heads: 2,
      mlpWidth: 64,
    },
    projectorWidth: 64,
    lm: {
      vocabSize,
      width: 64,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      ffnWidth: 128,
      ropeTheta: 10000,
      maxPositions: 1024,
      normEps: 1e-5,
      tieEmbeddings: true,
    },
    tokenBudget: 64,
    lora: { r: 4, alpha: 8, targets: ["q", "k"] },
  };
}

/** Patches per window (windowSeconds * sampleRate / patchSamples). */
export function patchesPerWindow(c: EncoderConfig): number {
  return (c.windowSeconds * c.sampleRate) / c.patchSamples;
}

/** Samples per window at the encoder's rate. */
export function windowSamples(c: EncoderConfig): number {
  return c.windowSeconds * c.sampleRate;
}

function positiveInt(where: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
    throw new RangeError(`config: ${where} must be a positive integer, got ${JSON.stringify(v)}`);
}

/** Throws a RangeError naming the first inconsistent field. */
export function validateConfig(c: AnyEcgConfig): void {
  const e = c.encoder;
  for (const k of [
    "sampleRate",
    "windowSeconds",
    "patchSamples",
    "width",
    "depth",
    "heads",
    "mlpWidth",
  ] as const)
    positiveInt(`encoder.${k}`, e[k]);
  if (windowSamples(e) % e.patchSamples !== 0)
    throw new RangeError(`config: a ${windowSamples(e)}-sample window does not split into ${e.patchSamples}-sample patches`); // prettier-ignore
  if (e.width % e.heads !== 0)
    throw new RangeError(`config: encoder.width ${e.width} not divisible by heads`);
  if (e.findings !== undefined) {
    if (!Array.isArray(e.findings) || e.findings.some((f) => typeof f !== "string" || f.trim() === ""))
      throw new RangeError("config: encoder.findings must be a list of finding names");
    const dup = e.findings.find((f, i) => e.findings!.indexOf(f) !== i);
    if (dup !== undefined)
      throw new RangeError(`config: encoder.findings names ${JSON.stringify(dup)} twice`);
  }
  positiveInt("projectorWidth", c.projectorWidth);
  const l = c.lm;
  for (const k of ["vocabSize", "width", "layers", "heads", "kvHeads", "ffnWidth", "maxPositions"] as const)
    positiveInt(`lm.${k}`, l[k]);
  if (l.width % l.heads !== 0 || ((l.width / l.heads) & 1) !== 0)
    throw new RangeError(`config: lm.width ${l.width} does not split into ${l.heads} even-sized heads`);
  if (l.heads % l.kvHeads !== 0) throw new RangeError(`config: lm.heads must be a multiple of lm.kvHeads`);
  if (!(l.ropeTheta > 0) || !(l.normEps > 0))
    throw new RangeError("config: lm.ropeTheta and lm.normEps must be > 0");
  if (l.smearedKeys !== undefined && typeof l.smearedKeys !== "boolean")
    throw new RangeError("config: lm.smearedKeys must be true or false");
  positiveInt("tokenBudget", c.tokenBudget);
  if (c.tokenBudget < 2)
    throw new RangeError("config: tokenBudget must be at least 2 (CLS + one patch token)");
  if (!Number.isInteger(c.lora.r) || c.lora.r < 0) throw new RangeError("config: lora.r must be >= 0");
  const ok = new Set(["q", "k", "v", "o", "gate", "up", "down"]);
  for (const t of c.lora.targets) if (!ok.has(t)) throw new RangeError(`config: unknown LoRA target ${t}`);
  for (const k of ["projectorNorm", ...MODEL_SWITCHES] as const)
    if (c[k] !== undefined && typeof c[k] !== "boolean")
      throw new RangeError(`config: ${k} must be true or false`);
  if (e.rhythmContext && !e.rhythm)
    throw new RangeError("config: encoder.rhythmContext needs encoder.rhythm");
  if (c.beatNotes && !e.beatClasses)
    throw new RangeError("config: beatNotes needs the beat classifier's classes (encoder.beatClasses)");
  if (c.findingWords && !c.encoder.findings?.length)
    throw new RangeError("config: findingWords needs the encoder's findings (encoder.findings)");
  if (c.recordSummary && !c.findingsSummary)
    throw new RangeError("config: recordSummary needs findingsSummary (the first token's findings)");
}

/** Parses and checks a config.json object (missing optional parts take the shipping defaults). */
export function parseConfig(json: unknown, file = "config.json"): AnyEcgConfig {
  if (!json || typeof json !== "object") throw new RangeError(`${file}: not a JSON object`);
  const o = json as Partial<AnyEcgConfig>;
  const d = shippingConfig(o.lm?.vocabSize ?? 4096);
  const c: AnyEcgConfig = {
    encoder: { ...d.encoder, ...o.encoder },
    projectorWidth: o.projectorWidth ?? d.projectorWidth,
    lm: { ...d.lm, ...o.lm },
    tokenBudget: o.tokenBudget ?? d.tokenBudget,
    lora: { ...d.lora, ...o.lora },
    ...(o.projectorNorm !== undefined ? { projectorNorm: o.projectorNorm } : {}),
    ...Object.fromEntries(MODEL_SWITCHES.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])),
  };
  validateConfig(c);
  return c;
}
