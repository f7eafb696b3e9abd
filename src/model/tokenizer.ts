/**
 * Byte-level BPE tokenizer (GPT-2 / Llama 3 style), trained on our own corpus and stored as a
 * Hugging Face `tokenizer.json`, so a Llama-3-style `tokenizer.json` from the Hub loads too.
 *
 * Pipeline: split out added (special) tokens -> optional Unicode normalization -> pre-tokenize
 * with a regex (Llama 3's split pattern by default) -> map each pre-token's UTF-8 bytes to the
 * 256 printable "byte-level" characters -> apply merges by rank. Results are cached per pre-token,
 * which makes repeated words (most of a corpus) a single map lookup.
 *
 * Special tokens are only recognized in text when `allowSpecial` is set: user text that happens to
 * contain "<|ecg|>" must not inject an ECG placeholder. The chat template adds special tokens by id.
 */
import { renameSync, writeFileSync } from "node:fs";
import { InputError, readInputTextSync } from "../errors.js";
import { learnMerges, MAX_BPE_SYMBOLS, type BpeWord } from "./bpe-train.js";

/** The special tokens of anyECG's chat format, in id order after the learned vocabulary. */
export const SPECIAL_TOKENS = [
  "<|begin_of_text|>",
  "<|end_of_text|>",
  "<|start_header_id|>",
  "<|end_header_id|>",
  "<|eot_id|>",
  "<|ecg_start|>",
  "<|ecg_end|>",
  "<|ecg|>",
  "<|pad|>",
] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

/** Llama 3's pre-tokenizer regex, as written in its tokenizer.json (Rust/Oniguruma syntax). */
export const LLAMA3_PATTERN = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
/** GPT-2's pre-tokenizer regex (what a ByteLevel pre-tokenizer with use_regex applies). */
export const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

// ---------------------------------------------------------------------------------------------
// byte-level alphabet

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards. */
function buildByteMaps(): { toChar: string[]; toByte: Map<string, number> } {
  const toChar: string[] = new Array<string>(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    toChar[b] = String.fromCharCode(printable ? b : 256 + next++);
  }
  return { toChar, toByte: new Map(toChar.map((c, b) => [c, b])) };
}
const BYTE_MAPS = buildByteMaps();
export const BYTE_TO_CHAR: readonly string[] = BYTE_MAPS.toChar;

const utf8 = new TextEncoder();

/** A string's UTF-8 bytes written in the byte-level alphabet ("Ġ" for space, ...). */
export function toByteLevel(text: string): string {
  let s = "";
  for (const b of utf8.encode(text)) s += BYTE_TO_CHAR[b]!;
  return s;
}

// ---------------------------------------------------------------------------------------------
// regex translation

/**
 * Translates a Hugging Face (Rust `regex`/Oniguruma) pattern to a JavaScript regex with the `u`
 * flag: `(?i:...)` groups (unsupported before Node 23) become explicit case classes, possessive
 * quantifiers lose their `+`, and escapes of punctuation that `u` mode rejects lose their `\`.
 */
export function hfPatternToRegExp(pattern: string): RegExp {
  let out = "";
  let inClass = false;
  let prevAtom = false; // the previous token can take a quantifier
  let prevQuant = false; // the previous token was a quantifier
  const caseless: number[] = []; // group depths of open (?i: groups
  let depth = 0;
  // Characters that may be escaped under the `u` flag (plus "-" inside a class).
  const escapable = new Set("^$\\.*+?()[]{}|/".split(""));
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const ci = caseless.length > 0;
    if (c === "\\") {
      const n = pattern[i + 1] ?? "";
      const close = pattern.indexOf("}", i);
      if ((n === "p" || n === "P") && pattern[i + 2] === "{" && close > 0) {
        out += pattern.slice(i, close + 1); // \p{L}: the same in JavaScript with `u`
        i = close;
      } else if (n === "x" && pattern[i + 2] === "{" && close > 0) {
        out += `\\u{${pattern.slice(i + 3, close)}}`; // \x{HHHH} is Rust's code-point escape
        i = close;
      } else {
        const keep = /[0-9A-Za-z]/.test(n) || escapable.has(n) || (inClass && n === "-");
        out += keep ? `\\${n}` : n; // \# \' \- are identity escapes that `u` mode rejects
        i += 1;
      }
      prevAtom = !inClass;
      prevQuant = false;
      continue;
    }
    if (inClass) {
      if (c === "]") {
        inClass = false;
        prevAtom = true;
        out += c;
      } else if (ci && /[A-Za-z]/.test(c) && pattern[i - 1] !== "-" && pattern[i + 1] !== "-") {
        out += c.toLowerCase() + c.toUpperCase(); // a letter in a class of a (?i:) group; ranges stay as written
      } else out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "^") out += pattern[++i];
      prevQuant = false;
      continue;
    }
    if (c === "(") {
      depth++;
      if (pattern.startsWith("(?i:", i)) {
        caseless.push(depth);
        out += "(?:";
        i += 3;
      } else out += c;
      prevAtom = false;
      prevQuant = false;
      continue;
    }
    if (c === ")") {
      if (caseless[caseless.length - 1] === depth) caseless.pop();
      depth--;
      out += c;
      prevAtom = true;
      prevQuant = false;
      continue;
    }
    if (c === "?" || c === "*" || c === "+" || c === "{") {
      if (c === "+" && prevQuant) {
        prevQuant = false; // possessive: JavaScript has none; the greedy form matches the same here
        continue;
      }
      if (c === "{") {
        const m = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
        if (m && prevAtom) {
          out += m[0];
          i += m[0].length - 1;
          prevAtom = false;
          prevQuant = true;
          continue;
        }
      } else if (prevAtom || (c === "?" && prevQuant)) {
        out += c;
        prevQuant = prevAtom; // "??" (lazy) is not followed by a possessive "+"
        prevAtom = false;
        continue;
      }
    }
    if (c === "{" || c === "}")
      out += `\\${c}`; // a literal brace must be escaped under `u`
    else out += ci && /[A-Za-z]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
    prevAtom = c !== "|" && c !== "^" && c !== "$";
    prevQuant = false;
  }
  return new RegExp(out, "gu");
}

// ---------------------------------------------------------------------------------------------
// merge ranks

/**
 * (left id, right id) -> merge rank, open addressing over typed arrays. A Map keyed by
 * `a * 2^21 + b` works but its keys are heap numbers, which made loading Llama-size merge lists
 * and the inner merge loop several times slower.
 */
class PairRanks {
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly rank: Int32Array;
  private readonly mask: number;

  constructor(capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.left = new Int32Array(size).fill(-1);
    this.right = new Int32Array(size);
    this.rank = new Int32Array(size);
    this.mask = size - 1;
  }

  private slot(a: number, b: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x632be5ab, 0x85ebca77)) & this.mask;
  }

  /** Keeps the first (lowest) rank given for a pair. */
  set(a: number, b: number, rank: number): void {
    let h = this.slot(a, b);
    while (this.left[h] !== -1) {
      if (this.left[h] === a && this.right[h] === b) return;
      h = (h + 1) & this.mask;
    }
    this.left[h] = a;
    this.right[h] = b;
    this.rank[h] = rank;
  }

  /** The rank of (a, b), or -1. */
  get(a: number, b: number): number {
    let h = this.slot(a, b);
    for (;;) {
      const l = this.left[h]!;
      if (l === -1) return -1;
      if (l === a && this.right[h] === b) return this.rank[h]!;
      h = (h + 1) & this.mask;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hugging Face tokenizer.json types

/** One entry of `added_tokens` in a tokenizer.json. */
export interface HfAddedToken {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

/** The parts of a Hugging Face tokenizer.json this module reads and writes. */
export interface HfTokenizerJson {
  version?: string;
  truncation?: unknown;
  padding?: unknown;
  added_tokens?: HfAddedToken[];
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  post_processor?: unknown;
  decoder?: unknown;
  model: {
    type?: string;
    vocab: Record<string, number>;
    merges: Array<string | [string, string]>;
    ignore_merges?: boolean;
    byte_fallback?: boolean;
    [k: string]: unknown;
  };
}

type Stage =
  | { kind: "split"; re: RegExp; removeMatches: boolean }
  | { kind: "bytelevel"; addPrefixSpace: boolean; re: RegExp | null };

function defaultPreTokenizer(pattern: string): unknown {
  return {
    type: "Sequence",
    pretokenizers: [
      { type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false },
      { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  };
}
const BYTELEVEL_DECODER = { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true };

function parseStages(file: string, cfg: unknown): Stage[] {
  if (cfg === null || cfg === undefined) return [];
  const o = cfg as Record<string, unknown>;
  switch (o.type) {
    case "Sequence": {
      if (!Array.isArray(o.pretokenizers))
        throw new InputError(file, "pre_tokenizer Sequence without a pretokenizers list");
      return o.pretokenizers.flatMap((p) => parseStages(file, p));
    }
    case "ByteLevel":
      return [
        {
          kind: "bytelevel",
          addPrefixSpace: o.add_prefix_space === true,
          re: o.use_regex === false ? null : hfPatternToRegExp(GPT2_PATTERN),
        },
      ];
    case "Split": {
      const pat = o.pattern as { Regex?: unknown; String?: unknown } | undefined;
      let source: string;
      if (typeof pat?.Regex === "string") source = pat.Regex;
      else if (typeof pat?.String === "string") source = pat.String.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
      else throw new InputError(file, "pre_tokenizer Split without a Regex or String pattern");
      if (o.invert === true)
        throw new InputError(file, "pre_tokenizer Split with invert: true is not supported");
      if (o.behavior !== "Isolated" && o.behavior !== "Removed") {
        throw new InputError(
          file,
          `pre_tokenizer Split behavior ${JSON.stringify(o.behavior)} is not supported (Isolated, Removed)`,
        );
      }
      let re: RegExp;
      try {
        re = hfPatternToRegExp(source);
      } catch (e) {
        throw new InputError(
          file,
          `pre_tokenizer Split pattern cannot be translated: ${(e as Error).message}`,
        );
      }
      return [{ kind: "split", re, removeMatches: o.behavior === "Removed" }];
    }
    default:
      throw new InputError(file, `pre_tokenizer type ${JSON.stringify(o.type)} is not supported`);
  }
}

function parseNormalizer(file: string, cfg: unknown): Array<"NFC" | "NFD" | "NFKC" | "NFKD"> {
  if (cfg === null || cfg === undefined) return [];
  const o = cfg as Record<string, unknown>;
  if (o.type === "Sequence" && Array.isArray(o.normalizers))
    return o.normalizers.flatMap((n) => parseNormalizer(file, n));
  if (o.type === "NFC" || o.type === "NFD" || o.type === "NFKC" || o.type === "NFKD") return [o.type];
  throw new InputError(file, `normalizer type ${JSON.stringify(o.type)} is not supported`);
}

function checkDecoder(file: string, cfg: unknown): void {
  const o = cfg as Record<string, unknown> | null | undefined;
  if (o?.type === "ByteLevel") return;
  if (
    o?.type === "Sequence" &&
    Array.isArray(o.decoders) &&
    o.decoders.every((d) => (d as { type?: unknown }).type === "ByteLevel")
  )
    return;
  throw new InputError(
    file,
    `decoder ${JSON.stringify(o?.type ?? null)} is not supported: only byte-level BPE tokenizers load`,
  );
}

// ---------------------------------------------------------------------------------------------
// the tokenizer

export interface EncodeOptions {
  /** Recognize special tokens written in the text (default false: they are encoded as text). */
  allowSpecial?: boolean;
}

export interface DecodeOptions {
  /** Leave special tokens out of the text (default false). */
  skipSpecial?: boolean;
}

export interface TrainOptions {
  /** Pairs seen fewer times than this are never merged (default 2). */
  minFrequency?: number;
  /** Added after the learned vocabulary, in this order (default SPECIAL_TOKENS). */
  specialTokens?: readonly string[];
  /** Pre-tokenizer regex in Hugging Face syntax (default LLAMA3_PATTERN). */
  pattern?: string;
  onProgress?: (merges: number, of: number) => void;
}

const CACHE_LIMIT = 100_000;
/** Pre-tokens longer than this (UTF-16 units) are cut into pieces for training. */
const MAX_TRAIN_WORD = 256;

export class Tokenizer {
  /**
   * Pre-tokens longer than this many bytes are merged with a heap (O(n log n)) instead of the
   * repeated scan (fast for words, quadratic on a long run of letters or punctuation).
   */
  static heapThreshold = 128;

  private readonly tokenToId = new Map<string, number>();
  private readonly idToToken: Array<string | undefined> = [];
  private readonly specialIds = new Set<number>();
  private readonly added: HfAddedToken[];
  private readonly mergeRank: PairRanks;
  private readonly mergeTo: Int32Array;
  private readonly mergePairs: Array<[string, string]>;
  private readonly byteIds = new Int32Array(256);
  private readonly stages: Stage[];
  private readonly normalizers: Array<"NFC" | "NFD" | "NFKC" | "NFKD">;
  private readonly ignoreMerges: boolean;
  private readonly json: Omit<HfTokenizerJson, "model" | "added_tokens">;
  private readonly cache = new Map<string, number[]>();
  private readonly idBytes: Array<Uint8Array | undefined> = [];
  private specialRe: RegExp | null = null;
  private addedRe: RegExp | null = null;

  private constructor(json: HfTokenizerJson, file: string) {
    const model = json.model;
    if (typeof model !== "object" || model === null) throw new InputError(file, "no model section");
    if (model.type !== undefined && model.type !== "BPE")
      throw new InputError(file, `model type ${JSON.stringify(model.type)} is not BPE`);
    if (model.byte_fallback === true)
      throw new InputError(file, "byte_fallback BPE (SentencePiece style) is not supported");
    for (const k of ["continuing_subword_prefix", "end_of_word_suffix"]) {
      if (model[k] !== undefined && model[k] !== null && model[k] !== "")
        throw new InputError(file, `model ${k} is not supported`);
    }
    if (typeof model.vocab !== "object" || model.vocab === null)
      throw new InputError(file, "model.vocab is not an object");
    for (const [tok, id] of Object.entries(model.vocab)) this.setToken(file, tok, id);
    this.added = (json.added_tokens ?? []).map((t, i) => {
      if (typeof t?.content !== "string" || t.content === "")
        throw new InputError(file, `added_tokens[${i}] has no content`);
      const existing = this.tokenToId.get(t.content);
      if (existing !== undefined && existing !== t.id) {
        throw new InputError(
          file,
          `added token ${JSON.stringify(t.content)} has id ${t.id} but the vocab says ${existing}`,
        );
      }
      if (existing === undefined) this.setToken(file, t.content, t.id);
      if (t.special !== false) this.specialIds.add(t.id);
      return { ...t };
    });
    for (let b = 0; b < 256; b++) {
      const id = this.tokenToId.get(BYTE_TO_CHAR[b]!);
      if (id === undefined) throw new InputError(file, `vocab lacks the byte-level symbol for byte ${b}`);
      this.byteIds[b] = id;
    }
    if (!Array.isArray(model.merges)) throw new InputError(file, "model.merges is not an array");
    this.mergeTo = new Int32Array(model.merges.length);
    this.mergeRank = new PairRanks(model.merges.length);
    this.mergePairs = model.merges.map((m, rank) => this.addMerge(file, m, rank));
    this.ignoreMerges = model.ignore_merges === true;
    this.normalizers = parseNormalizer(file, json.normalizer);
    this.stages = parseStages(file, json.pre_tokenizer);
    checkDecoder(file, json.decoder);
    const { model: _m, added_tokens: _a, ...rest } = json;
    this.json = rest;
  }

  private setToken(file: string, tok: string, id: unknown): void {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= MAX_BPE_SYMBOLS) {
      throw new InputError(file, `token ${JSON.stringify(tok)} has invalid id ${JSON.stringify(id)}`);
    }
    if (this.idToToken[id] !== undefined && this.idToToken[id] !== tok) {
      throw new InputError(
        file,
        `id ${id} is used by both ${JSON.stringify(this.idToToken[id])} and ${JSON.stringify(tok)}`,
      );
    }
    this.tokenToId.set(tok, id);
    while (this.idToToken.length <= id) this.idToToken.push(undefined);
    this.idToToken[id] = tok;
  }

  private addMerge(file: string, m: string | [string, string], rank: number): [string, string] {
    let pair: [string, string];
    if (typeof m === "string") {
      const parts = m.split(" ");
      if (parts.length !== 2)
        throw new InputError(file, `merges[${rank}] ${JSON.stringify(m)} is not "left right"`);
      pair = [parts[0]!, parts[1]!];
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === "string" && typeof m[1] === "string")
      pair = [m[0], m[1]];
    else throw new InputError(file, `merges[${rank}] is neither "a b" nor ["a", "b"]`);
    const a = this.tokenToId.get(pair[0]);
    const b = this.tokenToId.get(pair[1]);
    const z = this.tokenToId.get(pair[0] + pair[1]);
    if (a === undefined || b === undefined || z === undefined) {
      throw new InputError(
        file,
        `merges[${rank}] ${JSON.stringify(pair.join(" "))} uses a token missing from the vocab`,
      );
    }
    this.mergeRank.set(a, b, rank);
    this.mergeTo[rank] = z;
    return pair;
  }

  // --- construction ---------------------------------------------------------------------------

  /** Builds a tokenizer from a parsed (or textual) tokenizer.json; `file` names it in errors. */
  static fromJSON(json: HfTokenizerJson | string, file = "tokenizer.json"): Tokenizer {
    let obj: unknown = json;
    if (typeof json === "string") {
      try {
        obj = JSON.parse(json);
      } catch (e) {
        throw new InputError(file, `not valid JSON: ${(e as Error).message}`);
      }
    }
    if (typeof obj !== "object" || obj === null || Array.isArray(obj))
      throw new InputError(file, "not a JSON object");
    return new Tokenizer(obj as HfTokenizerJson, file);
  }

  /** Loads a Hugging Face tokenizer.json file. */
  static load(path: string): Tokenizer {
    const text = readInputTextSync(path);
    return Tokenizer.fromJSON(text, path);
  }

  /**
   * Trains a byte-level BPE tokenizer of `vocabSize` entries in total: 256 byte symbols, the
   * learned merges, then the special tokens (fewer merges when pairs become rarer than
   * `minFrequency`). Texts are pre-tokenized into a word-frequency dictionary first.
   */
  static train(texts: Iterable<string>, vocabSize: number, options: TrainOptions = {}): Tokenizer {
    const specials = [...(options.specialTokens ?? SPECIAL_TOKENS)];
    const pattern = options.pattern ?? LLAMA3_PATTERN;
    const maxMerges = vocabSize - 256 - specials.length;
    if (!Number.isInteger(vocabSize) || maxMerges < 0) {
      throw new RangeError(
        `vocabSize ${vocabSize} must be an integer >= 256 + ${specials.length} special tokens`,
      );
    }
    const re = hfPatternToRegExp(pattern);
    const specialSplit = specials.length > 0 ? alternation(specials) : null;
    const wordCounts = new Map<string, number>();
    for (const text of texts) {
      for (const part of specialSplit ? text.split(specialSplit) : [text]) {
        for (const m of part.matchAll(re)) {
          // A pathological pre-token (a megabyte of "=") would make each merge touching it cost
          // its length; its pieces teach the same merges.
          for (const w of m[0].length > MAX_TRAIN_WORD ? chunks(m[0], MAX_TRAIN_WORD) : [m[0]]) {
            wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
          }
        }
      }
    }
    const words: BpeWord[] = [];
    for (const [w, count] of wordCounts) words.push({ symbols: utf8.encode(w), count });
    const merges = learnMerges(words, 256, maxMerges, {
      minFrequency: options.minFrequency,
      onProgress: options.onProgress ? (n) => options.onProgress!(n, maxMerges) : undefined,
    });
    const vocabList: string[] = [...BYTE_TO_CHAR];
    for (const [a, b] of merges) vocabList.push(vocabList[a]! + vocabList[b]!);
    const vocab: Record<string, number> = {};
    vocabList.forEach((t, i) => (vocab[t] = i));
    const added = specials.map((content, i) => addedToken(vocabList.length + i, content));
    return new Tokenizer(
      {
        version: "1.0",
        truncation: null,
        padding: null,
        added_tokens: added,
        normalizer: null,
        pre_tokenizer: defaultPreTokenizer(pattern),
        post_processor: null,
        decoder: BYTELEVEL_DECODER,
        model: bpeModel(
          vocab,
          merges.map(([a, b]) => `${vocabList[a]} ${vocabList[b]}`),
        ),
      },
      "<trained>",
    );
  }

  // --- serialization --------------------------------------------------------------------------

  /** The Hugging Face tokenizer.json object (merges in the "a b" string form, read by all versions). */
  toJSON(): HfTokenizerJson {
    const vocab: Record<string, number> = {};
    const addedIds = new Set(this.added.map((t) => t.id));
    this.idToToken.forEach((t, id) => {
      if (t !== undefined && !addedIds.has(id)) vocab[t] = id;
    });
    const j = this.json;
    return {
      version: j.version ?? "1.0",
      truncation: j.truncation ?? null,
      padding: j.padding ?? null,
      added_tokens: this.added.map((t) => ({ ...t })),
      normalizer: j.normalizer ?? null,
      pre_tokenizer: j.pre_tokenizer ?? null,
      post_processor: j.post_processor ?? null,
      decoder: j.decoder ?? null,
      model: {
        ...bpeModel(
          vocab,
          this.mergePairs.map((p) => p.join(" ")),
        ),
        ignore_merges: this.ignoreMerges,
      },
    };
  }

  /**
   * A tokenizer with `tokens` added as special tokens where missing, at new ids after the current
   * vocabulary (e.g. anyECG's ECG tokens on a pretrained Llama 3 tokenizer; the model then grows
   * its embedding table to the new `vocabSize`). Tokens already present keep their ids.
   */
  withSpecialTokens(tokens: readonly string[] = SPECIAL_TOKENS): Tokenizer {
    const json = this.toJSON();
    let next = this.vocabSize;
    for (const t of tokens) {
      if (this.tokenToId.has(t) || json.added_tokens!.some((a) => a.content === t)) continue;
      json.added_tokens!.push(addedToken(next++, t));
    }
    return new Tokenizer(json, "<with special tokens>");
  }

  /** Writes tokenizer.json (to a temporary file first, then renamed into place). */
  save(path: string): void {
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.toJSON(), null, 2) + "\n");
    renameSync(tmp, path);
  }

  // --- vocabulary -----------------------------------------------------------------------------

  /** One more than the largest id: the embedding table size a model needs. */
  get vocabSize(): number {
    return this.idToToken.length;
  }

  /** The id of a token string (byte-level form for ordinary tokens), or undefined. */
  tokenId(token: string): number | undefined {
    return this.tokenToId.get(token);
  }

  /** The id of a special token; throws when this tokenizer does not have it. */
  specialId(token: string): number {
    const id = this.tokenToId.get(token);
    if (id === undefined || !this.specialIds.has(id))
      throw new Error(`tokenizer has no special token ${token}`);
    return id;
  }

  hasSpecial(token: string): boolean {
    const id = this.tokenToId.get(token);
    return id !== undefined && this.specialIds.has(id);
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** The token string of an id (byte-level form), or undefined. */
  idToTokenString(id: number): string | undefined {
    return this.idToToken[id];
  }

  // --- encoding -------------------------------------------------------------------------------

  /** Encodes text to ids. No BOS is added: the chat template decides what surrounds the text. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    const re = options.allowSpecial ? this.allAddedRegex() : this.nonSpecialRegex();
    if (re === null) {
      this.encodeOrdinary(text, out);
      return out;
    }
    let pos = 0;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m.index > pos) this.encodeOrdinary(text.slice(pos, m.index), out);
      out.push(this.tokenToId.get(m[0])!);
      pos = m.index + m[0].length;
    }
    if (pos < text.length) this.encodeOrdinary(text.slice(pos), out);
    return out;
  }

  private allAddedRegex(): RegExp | null {
    if (this.specialRe === null && this.added.length > 0)
      this.specialRe = alternation(
        this.added.map((t) => t.content),
        "g",
      );
    return this.specialRe;
  }

  private nonSpecialRegex(): RegExp | null {
    const plain = this.added.filter((t) => t.special === false);
    if (this.addedRe === null && plain.length > 0)
      this.addedRe = alternation(
        plain.map((t) => t.content),
        "g",
      );
    return this.addedRe;
  }

  /** Text without special tokens: normalize, pre-tokenize, BPE each piece. */
  private encodeOrdinary(text: string, out: number[]): void {
    for (const form of this.normalizers) text = text.normalize(form);
    for (const piece of this.preTokenize(text)) {
      let ids = this.cache.get(piece);
      if (ids === undefined) {
        ids = this.bpe(piece);
        if (piece.length <= 256) {
          if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
          this.cache.set(piece, ids);
        }
      }
      for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
    }
  }

  /** Splits text into pre-tokens with the configured stages. */
  preTokenize(text: string): string[] {
    let pieces = [text];
    for (const st of this.stages) {
      const next: string[] = [];
      for (let p of pieces) {
        if (st.kind === "bytelevel") {
          if (st.addPrefixSpace && !p.startsWith(" ")) p = " " + p;
          if (st.re === null) next.push(p);
          else splitInto(p, st.re, false, next);
        } else splitInto(p, st.re, st.removeMatches, next);
      }
      pieces = next;
    }
    return pieces;
  }

  /** Byte-level BPE of one pre-token: repeatedly merge the lowest-ranked adjacent pair. */
  private bpe(piece: string): number[] {
    const bytes = utf8.encode(piece);
    if (this.ignoreMerges) {
      let s = "";
      for (const b of bytes) s += BYTE_TO_CHAR[b]!;
      const whole = this.tokenToId.get(s);
      if (whole !== undefined) return [whole];
    }
    const ids = new Array<number>(bytes.length);
    for (let i = 0; i < bytes.length; i++) ids[i] = this.byteIds[bytes[i]!]!;
    if (ids.length > Tokenizer.heapThreshold) return mergeWithHeap(ids, this.mergeRank, this.mergeTo);
    return mergeByScan(ids, this.mergeRank, this.mergeTo);
  }

  // --- decoding -------------------------------------------------------------------------------

  /** The UTF-8 bytes a token stands for (special tokens: their text). */
  tokenBytes(id: number): Uint8Array {
    let b = this.idBytes[id];
    if (b === undefined) {
      const tok = this.idToToken[id];
      if (tok === undefined) throw new RangeError(`token id ${id} is not in the vocabulary`);
      if (this.specialIds.has(id) || this.added.some((t) => t.id === id)) b = utf8.encode(tok);
      else {
        const out: number[] = [];
        for (const ch of tok) {
          const byte = BYTE_MAPS.toByte.get(ch);
          if (byte !== undefined) out.push(byte);
          else out.push(...utf8.encode(ch)); // not byte-level: keep the character itself
        }
        b = Uint8Array.from(out);
      }
      this.idBytes[id] = b;
    }
    return b;
  }

  /** Decodes ids to text; malformed UTF-8 (e.g. a cut multi-byte character) becomes U+FFFD. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (options.skipSpecial && this.specialIds.has(id)) continue;
      const b = this.tokenBytes(id);
      parts.push(b);
      total += b.length;
    }
    const all = new Uint8Array(total);
    let pos = 0;
    for (const p of parts) {
      all.set(p, pos);
      pos += p.length;
    }
    return new TextDecoder().decode(all);
  }

  /** A decoder for streaming generation that only emits complete characters. */
  streamDecoder(options: DecodeOptions = {}): TokenStreamDecoder {
    return new TokenStreamDecoder(this, options);
  }
}

/**
 * Turns a stream of token ids into text pieces. A character whose UTF-8 bytes are split across
 * tokens is held back until it is complete, so a streamed answer never shows broken characters.
 */
export class TokenStreamDecoder {
  private readonly decoder = new TextDecoder("utf-8");
  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly options: DecodeOptions = {},
  ) {}

  /** The text completed by this token (possibly ""). */
  push(id: number): string {
    if (this.options.skipSpecial && this.tokenizer.isSpecial(id)) return "";
    return this.decoder.decode(this.tokenizer.tokenBytes(id), { stream: true });
  }

  /** Ends the stream: any incomplete trailing bytes come out as U+FFFD. */
  flush(): string {
    return this.decoder.decode();
  }
}

// ---------------------------------------------------------------------------------------------
// applying merges

/** Repeatedly merges every occurrence of the lowest-ranked adjacent pair; fine for short words. */
function mergeByScan(ids: number[], ranks: PairRanks, mergeTo: Int32Array): number[] {
  let n = ids.length;
  while (n >= 2) {
    let best = -1;
    for (let i = 0; i + 1 < n; i++) {
      const r = ranks.get(ids[i]!, ids[i + 1]!);
      if (r !== -1 && (best === -1 || r < best)) best = r;
    }
    if (best === -1) break;
    // Merge every occurrence of the best pair, left to right: the same result as a heap of
    // (rank, position), since a merge that uses the new symbol always ranks later.
    const z = mergeTo[best]!;
    let j = 0;
    for (let i = 0; i < n;) {
      if (i + 1 < n && ranks.get(ids[i]!, ids[i + 1]!) === best) {
        ids[j++] = z;
        i += 2;
      } else ids[j++] = ids[i++]!;
    }
    n = j;
  }
  ids.length = n;
  return ids;
}

/**
 * The same merges with a linked list and a min-heap of (rank, position), as Hugging Face's BPE
 * does: O(n log n), so a pathological megabyte-long pre-token cannot stall encoding.
 */
function mergeWithHeap(ids: number[], ranks: PairRanks, mergeTo: Int32Array): number[] {
  const n = ids.length;
  const sym = Int32Array.from(ids);
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  // Entries pack rank * 2^32 + position, so the numeric order is by rank, then leftmost first.
  const P = 2 ** 32;
  const heap: number[] = [];
  const push = (pos: number, right: number): void => {
    const r = ranks.get(sym[pos]!, sym[right]!);
    if (r !== -1) heapPush(heap, r * P + pos);
  };
  for (let i = 0; i + 1 < n; i++) push(i, i + 1);
  while (heap.length > 0) {
    const key = heapPop(heap);
    const rank = Math.floor(key / P);
    const pos = key - rank * P;
    const right = next[pos]!;
    if (sym[pos] === -1 || right === -1 || ranks.get(sym[pos]!, sym[right]!) !== rank) continue; // stale
    sym[pos] = mergeTo[rank]!;
    sym[right] = -1;
    const after = next[right]!;
    next[pos] = after;
    if (after !== -1) prev[after] = pos;
    if (prev[pos] !== -1) push(prev[pos]!, pos);
    if (after !== -1) push(pos, after);
  }
  const out: number[] = [];
  for (let i = 0; i !== -1; i = next[i]!) out.push(sym[i]!);
  return out;
}

function heapPush(h: number[], v: number): void {
  h.push(v);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]! <= v) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = v;
}

function heapPop(h: number[]): number {
  const top = h[0]!;
  const last = h.pop()!;
  const n = h.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && h[l + 1]! < h[l]! ? l + 1 : l;
      if (h[c]! >= last) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
  return top;
}

// ---------------------------------------------------------------------------------------------
// helpers

/** Cuts a string into pieces of at most `size` units without splitting a surrogate pair. */
function chunks(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    let end = Math.min(i + size, s.length);
    if (end < s.length && /[\uD800-\uDBFF]/.test(s[end - 1]!)) end--;
    out.push(s.slice(i, end));
    i = end;
  }
  return out;
}

function splitInto(text: string, re: RegExp, removeMatches: boolean, out: string[]): void {
  let pos = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++; // an empty match must not stall the scan
      continue;
    }
    if (m.index > pos) out.push(text.slice(pos, m.index));
    if (!removeMatches) out.push(m[0]);
    pos = m.index + m[0].length;
  }
  if (pos < text.length) out.push(text.slice(pos));
}

/** A regex matching any of the strings, longest first. */
function alternation(strings: readonly string[], flags = ""): RegExp {
  const sorted = [...strings].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|"), flags);
}

function addedToken(id: number, content: string): HfAddedToken {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

function bpeModel(vocab: Record<string, number>, merges: string[]): HfTokenizerJson["model"] {
  return {
    type: "BPE",
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab,
    merges,
  };
}
