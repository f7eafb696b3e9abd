/**
 * Checkpoint folders.
 *
 * anyECG's own folder: `config.json` (AnyEcgConfig), `tokenizer.json` (Hugging Face format),
 * `model.safetensors` (every base parameter: "encoder.*", "projector.*" and the language model
 * under Hugging Face's Llama names), and, when LoRA adapters exist, `adapter_model.safetensors`
 * (PEFT names: "...q_proj.lora_A.weight"). F16/BF16 storage is an option for shipping.
 *
 * A Hugging Face Llama folder (`config.json` with model_type "llama", `tokenizer.json`,
 * `model.safetensors` or shards listed in `model.safetensors.index.json`) loads as the backbone:
 * its tensors already have our names and layouts (Linear weights [out, in]; RoPE in the
 * rotate-half layout, which the engine uses), so nothing is permuted.
 */
import { existsSync, mkdirSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { InputError, readInputTextSync } from "../errors.js";
import type { Parameter } from "../tensor/index.js";
import {
  openSafetensors,
  writeSafetensors,
  type SafetensorsInput,
  type SafetensorsReader,
  type SafetensorsWriteDtype,
} from "../nn/safetensors.js";
import type { LlamaConfig } from "./config.js";
import { parseBeatClassifier, type BeatClassifier } from "../analysis/beats.js";
import { parseRecordClassifiers, type RecordClassifiers } from "../analysis/record-classifiers.js";

/** The beat classifier's file in a checkpoint folder (models with `encoder.beatClasses`). */
export const BEAT_CLASSIFIER_FILE = "beat-classifier.json";

/** The record classifiers' file in a checkpoint folder (models with `recordSummary`). */
export const RECORD_CLASSIFIERS_FILE = "record-classifiers.json";

/** Reads a JSON file with `parse`; anything else is an InputError naming the file. */
function readChecked<T>(path: string, parse: (json: unknown) => T): T {
  try {
    return parse(readJson(path));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(path, (e as Error).message);
  }
}

/** Reads a checkpoint's beat classifier; anything else is an InputError naming the file. */
export function readBeatClassifier(path: string): BeatClassifier {
  return readChecked(path, parseBeatClassifier);
}

/** Reads a checkpoint's record classifiers; anything else is an InputError naming the file. */
export function readRecordClassifiers(path: string): RecordClassifiers {
  return readChecked(path, parseRecordClassifiers);
}

/** Reads a JSON file; missing or malformed files are InputError naming the file. */
export function readJson(path: string): unknown {
  const text = readInputTextSync(path);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError(path, `not valid JSON: ${(e as Error).message}`);
  }
}

/** Writes JSON through a temporary file (never a half-written config). */
export function writeJson(path: string, value: unknown, indent = 2): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, indent) + "\n");
  renameSync(tmp, path);
}

/** Writes parameters (by their names) as safetensors. */
export function writeParameters(
  path: string,
  params: readonly Parameter[],
  dtype: SafetensorsWriteDtype = "F32",
  metadata?: Record<string, string>,
): void {
  const tensors: Record<string, SafetensorsInput> = {};
  for (const p of params) {
    if (tensors[p.name]) throw new Error(`checkpoint: two parameters named ${p.name}`);
    tensors[p.name] = { shape: [...p.shape], data: p.data.slice(), dtype };
  }
  writeSafetensors(path, tensors, metadata);
}

/** Tensors of a checkpoint, possibly sharded: name -> reader holding it. */
export interface WeightSource {
  file: string;
  names: string[];
  read(name: string): { shape: number[]; data: Float32Array };
  has(name: string): boolean;
  close(): void;
}

/** Opens `model.safetensors`, or the shards of `model.safetensors.index.json`, in `dir`. */
export function openWeights(dir: string, base = "model"): WeightSource {
  const single = join(dir, `${base}.safetensors`);
  const index = join(dir, `${base}.safetensors.index.json`);
  if (existsSync(single)) return fromReaders(single, [openSafetensors(single)]);
  if (!existsSync(index))
    throw new InputError(dir, `neither ${base}.safetensors nor ${base}.safetensors.index.json`);
  const map = (readJson(index) as { weight_map?: Record<string, string> }).weight_map;
  if (!map || typeof map !== "object") throw new InputError(index, "no weight_map");
  const shards = [...new Set(Object.values(map))];
  for (const s of shards)
    if (typeof s !== "string" || s.includes("/") || s.includes("\\"))
      throw new InputError(index, `bad shard name ${JSON.stringify(s)}`);
  return fromReaders(
    index,
    shards.map((s) => openSafetensors(join(dir, s))),
  );
}

function fromReaders(file: string, readers: SafetensorsReader[]): WeightSource {
  const owner = new Map<string, SafetensorsReader>();
  for (const r of readers) for (const n of r.names) owner.set(n, r);
  return {
    file,
    names: [...owner.keys()],
    has: (n) => owner.has(n),
    read(n) {
      const r = owner.get(n);
      if (!r) throw new InputError(file, `no tensor named "${n}"`);
      return r.read(n);
    },
    close: () => readers.forEach((r) => r.close()),
  };
}

export interface LoadOptions {
  /** Parameters that may be absent from the file (they keep their initial values). */
  optional?: (name: string) => boolean;
  /** Embedding-like tables whose file version may have fewer rows (a grown vocabulary). */
  growable?: ReadonlySet<string>;
}

/**
 * Copies tensors into parameters of the same names; shapes must match (except growable tables:
 * new rows are set to the mean of the loaded ones, the usual start for added tokens).
 */
export function loadParameters(
  src: WeightSource,
  params: readonly Parameter[],
  opts: LoadOptions = {},
): void {
  for (const p of params) {
    if (!src.has(p.name)) {
      if (opts.optional?.(p.name)) continue;
      throw new InputError(src.file, `missing tensor "${p.name}"`);
    }
    const t = src.read(p.name);
    const same = t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i]);
    const grown =
      opts.growable?.has(p.name) &&
      t.shape.length === 2 &&
      t.shape[1] === p.shape[1] &&
      t.shape[0]! <= p.shape[0]!;
    if (!same && !grown)
      throw new InputError(src.file, `tensor "${p.name}" is [${t.shape}], the model needs [${p.shape}]`);
    const d = p.data;
    d.set(t.data);
    if (!same) fillMeanRows(d, t.shape[0]!, p.shape[0]!, p.shape[1]!);
  }
}

function fillMeanRows(d: Float32Array, have: number, rows: number, width: number): void {
  const mean = new Float64Array(width);
  for (let r = 0; r < have; r++) for (let j = 0; j < width; j++) mean[j]! += d[r * width + j]! / have;
  for (let r = have; r < rows; r++) for (let j = 0; j < width; j++) d[r * width + j] = mean[j]!;
}

/** The fields of a Hugging Face LlamaConfig that we use. */
interface HfLlamaConfig {
  model_type?: string;
  hidden_size?: number;
  intermediate_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  num_key_value_heads?: number;
  rms_norm_eps?: number;
  rope_theta?: number;
  rope_scaling?: unknown;
  vocab_size?: number;
  max_position_embeddings?: number;
  tie_word_embeddings?: boolean;
  head_dim?: number;
  attention_bias?: boolean;
  mlp_bias?: boolean;
}

/** True when a parsed config.json is a Hugging Face model config rather than anyECG's. */
export function isHfConfig(json: unknown): boolean {
  return !!json && typeof json === "object" && "model_type" in json;
}

/** Our LlamaConfig from a Hugging Face Llama config.json. */
export function llamaConfigFromHf(json: unknown, file: string, maxPositions?: number): LlamaConfig {
  const h = json as HfLlamaConfig;
  if (h.model_type !== "llama")
    throw new InputError(file, `model_type ${JSON.stringify(h.model_type)} is not supported (only "llama")`);
  const need = (k: keyof HfLlamaConfig): number => {
    const v = h[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
      throw new InputError(file, `${k} must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  if (h.rope_scaling != null)
    throw new InputError(file, "rope_scaling is not supported by the engine's RoPE (plain rope_theta only)");
  if (h.attention_bias || h.mlp_bias) throw new InputError(file, "attention_bias/mlp_bias are not supported");
  const width = need("hidden_size");
  const heads = need("num_attention_heads");
  if (h.head_dim !== undefined && h.head_dim * heads !== width)
    throw new InputError(file, "head_dim * num_attention_heads must equal hidden_size");
  return {
    vocabSize: need("vocab_size"),
    width,
    layers: need("num_hidden_layers"),
    heads,
    kvHeads: h.num_key_value_heads ?? heads,
    ffnWidth: need("intermediate_size"),
    ropeTheta: h.rope_theta ?? 10000,
    maxPositions: maxPositions ?? h.max_position_embeddings ?? 2048,
    normEps: h.rms_norm_eps ?? 1e-6,
    tieEmbeddings: h.tie_word_embeddings ?? false,
  };
}

/** A Hugging Face config.json for our language model (to export the backbone). */
export function hfConfigFromLlama(c: LlamaConfig): Record<string, unknown> {
  if (c.smearedKeys)
    throw new RangeError("config: a language model with smeared keys is not a Hugging Face Llama");
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    hidden_size: c.width,
    intermediate_size: c.ffnWidth,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    num_key_value_heads: c.kvHeads,
    hidden_act: "silu",
    rms_norm_eps: c.normEps,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.maxPositions,
    tie_word_embeddings: c.tieEmbeddings,
    torch_dtype: "float32",
  };
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
