/**
 * The anyECG multimodal model: ECG encoder -> projector -> spliced into the token embeddings at
 * the `<|ecg|>` placeholders of each ECG block -> Llama-style language model.
 *
 *   const model = await AnyEcg.load("models/anyecg");
 *   const answer = await model.chat({ ecgs: [ecg], messages: [{ role: "user", content: "Report?" }] });
 *
 * Training calls `loss(batch)` (cross-entropy on the assistant's tokens only, the chat
 * template's loss mask) inside a `scope`, then `backward`. Generation runs the prompt once
 * through the decoder with a KV cache and then one token at a time; each ECG is encoded once
 * per conversation (cached by Ecg object identity), however many turns follow. `scoreAnswers`
 * gives the log-probability of candidate answers (the evaluation's likelihood scorer).
 */
import type { Ecg } from "../ecg/record.js";
import {
  Parameter,
  Rng,
  Tensor,
  add,
  concat,
  matmul,
  mul,
  noGrad,
  scope,
  softmaxCrossEntropy,
  tensor,
  engine,
} from "../tensor/index.js";
import { RowPlanBuilder, sparseRows } from "../nn/layers.js";
import { beatNote } from "./beat-notes.js";
import { recordNote } from "./record-notes.js";
import { beatToolAnswer, type ToolAnswer } from "./beat-tool.js";
import {
  encodeChat,
  promptForGeneration,
  stopTokenIds,
  type ChatMessage,
  type ChatRole,
} from "./chat-template.js";
import { Tokenizer } from "./tokenizer.js";
import type { BeatClassifier } from "../analysis/beats.js";
import type { RecordClassifiers, RecordFinding } from "../analysis/record-classifiers.js";
import {
  parseConfig,
  shippingConfig,
  validateConfig,
  type AnyEcgConfig,
  type ModelSwitches,
} from "./config.js";
import {
  BEAT_CLASSIFIER_FILE,
  ensureDir,
  isHfConfig,
  llamaConfigFromHf,
  loadParameters,
  openWeights,
  readBeatClassifier,
  readJson,
  readRecordClassifiers,
  RECORD_CLASSIFIERS_FILE,
  writeJson,
  writeParameters,
} from "./checkpoint.js";
import type { SafetensorsWriteDtype } from "../nn/safetensors.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { IntervalOrder, type AnswerOrder } from "../data/intervals.js";
import { StatementRepeat } from "../data/tasks/report.js";
import { ecgTokenCountForSamples } from "./ecg-tokens.js";
import { EcgEncoder } from "./encoder.js";
import { Llama, type KVCache } from "./llama.js";
import { prepareEcg, type PreparedEcg } from "./preprocess.js";
import { Projector } from "./projector.js";
import { sampleToken, type SamplingOptions } from "./sampling.js";

/** An ECG as a record, or already prepared for the encoder (training caches preparation). */
export type EcgInput = Ecg | PreparedEcg;

export interface AnyEcgMessage {
  role: ChatRole;
  content: string;
  /** ECGs shown in this (user) message, rendered as numbered blocks before its text. */
  ecgs?: readonly EcgInput[];
}

/** One training conversation: its ECGs sit in the messages; the assistant's turns are the targets. */
export interface TrainExample {
  messages: readonly AnyEcgMessage[];
}

export interface ChatOptions extends SamplingOptions {
  /** ECGs for the conversation's first user message (before any given in the messages). */
  ecgs?: readonly EcgInput[];
  messages: readonly AnyEcgMessage[];
  /** Most tokens to generate (default 256). */
  maxTokens?: number;
  /** Stop tokens are ignored until this many tokens are generated (default 0; benchmarks). */
  minTokens?: number;
  /** Seed of the sampler (temperature > 0). */
  seed?: number;
  /** Called with each piece of decoded text as it is generated (streaming). */
  onToken?: (text: string) => void;
  /** Stops `chat` (between tokens); it then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called with the logits each token was chosen from (scoring, tests). */
  onLogits?: (logits: Float32Array) => void;
  /**
   * Let the beat tool answer localizations of its findings (premature beats, ventricular
   * patterns, QRS complexes: beat-tool.ts) in a conversation about one ECG (default false: the
   * language model answers all).
   */
  tools?: boolean;
}

export interface GenerateResult {
  text: string;
  ids: number[];
  promptTokens: number;
  /**
   * "stop": a stop token ended the answer, or a localization answer went back in time and was
   * ended at its last interval in order (`IntervalOrder`), or a report repeated a statement and
   * was ended before it (`StatementRepeat`); "length": maxTokens was reached.
   */
  finish: "stop" | "length";
  /** Set when the beat tool wrote the answer (`tools`): the finding it localized. */
  tool?: string;
}

function isPrepared(e: EcgInput): e is PreparedEcg {
  return "mask" in e;
}

/** A conversation rendered for the model: ids, loss mask, ECG spans and the ECGs in order. */
export interface Rendered {
  ids: Int32Array;
  lossMask: Uint8Array;
  spans: { start: number; length: number }[];
  ecgs: PreparedEcg[];
}

export interface LoadModelOptions {
  /** Fold LoRA adapters into the weights for inference (default true). */
  merge?: boolean;
  /**
   * Switch the time words, findings summary or finding words on (config MODEL_SWITCHES: they add
   * no weights) for a checkpoint saved without them.
   */
  switchOn?: ModelSwitches;
}

/** Everything but the language model, for a backbone loaded from a Hugging Face folder. */
export interface FromLlamaOptions extends LoadModelOptions {
  encoder?: Partial<AnyEcgConfig["encoder"]>;
  projectorWidth?: number;
  tokenBudget?: number;
  lora?: AnyEcgConfig["lora"];
  /** Cap on sequence length (default: the backbone's max_position_embeddings). */
  maxPositions?: number;
  /** Seed of the new encoder and projector. */
  seed?: number;
}

export interface SaveOptions {
  /** Storage type of the weights (default F32; F16/BF16 halve the size for shipping). */
  dtype?: SafetensorsWriteDtype;
}

export class AnyEcg {
  readonly encoder: EcgEncoder;
  readonly projector: Projector;
  readonly lm: Llama;
  private readonly prepared = new WeakMap<object, PreparedEcg>();
  /** Beat notes per prepared ECG: a conversation is rendered again for every answer scored. */
  private readonly notes = new WeakMap<PreparedEcg, string>();
  private readonly projected = new WeakMap<object, Float32Array>();
  private readonly secondsWords = new Map<number, number[]>();
  private nameIds: number[][] | undefined;
  /**
   * The classical beat classifier whose class probabilities the encoder reads
   * (`encoder.beatClasses`); saved beside the weights as `beat-classifier.json`. Not trained by
   * gradient: a stage sets it (StageConfig `beatClassifier`) and later stages inherit it.
   */
  beatClassifier: BeatClassifier | null = null;
  /**
   * The beat classifier an ECG is prepared with: `beatClassifier`, except in training, where a
   * stage may give its own records' ECGs the classifiers that never saw them
   * (src/train/classical.ts, `outOfFold`).
   */
  classifierOf: (e: Ecg) => BeatClassifier | null = () => this.beatClassifier;
  /**
   * The classical record classifiers whose probabilities each ECG's first token carries (config
   * `recordSummary`) and its note names (`recordNotes`); saved beside the weights as
   * `record-classifiers.json`. Not trained by
   * gradient: a stage sets them (StageConfig `recordClassifiers`) and later stages inherit them.
   */
  recordClassifiers: RecordClassifiers | null = null;
  /**
   * The record classifiers an ECG is prepared with: `recordClassifiers`, except in training,
   * where a stage gives its own records' ECGs those that never saw them
   * (src/train/record-classifiers.ts, `RecordFold`).
   */
  recordClassifiersOf: (e: Ecg) => RecordClassifiers | null = () => this.recordClassifiers;

  constructor(
    readonly config: AnyEcgConfig,
    readonly tokenizer: Tokenizer,
    seed = 1,
  ) {
    validateConfig(config);
    if (tokenizer.vocabSize > config.lm.vocabSize)
      throw new RangeError(
        `the tokenizer has ${tokenizer.vocabSize} tokens, the model ${config.lm.vocabSize}`,
      );
    const rng = new Rng(seed);
    this.encoder = new EcgEncoder(config, rng);
    this.projector = new Projector(this.encoder.outputWidth, config.projectorWidth, config.lm.width, rng, {
      norm: config.projectorNorm ?? false,
    });
    this.lm = new Llama(config.lm, rng);
    this.lm.addLora(config.lora, rng);
  }

  /** Every parameter (encoder, projector, language model with its LoRA adapters). */
  parameters(): Parameter[] {
    return [...this.encoder.parameters(), ...this.projector.parameters(), ...this.lm.parameters()];
  }

  /** Frees the parameters' memory. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }

  /** The encoder's input for an ECG (prepared once per Ecg object). */
  prepare(e: EcgInput): PreparedEcg {
    if (isPrepared(e)) return e;
    let p = this.prepared.get(e);
    if (!p) {
      const reads = this.readsRecords;
      if (reads && !this.recordClassifiers)
        throw new RangeError("recordSummary or recordNotes is on but the model has no record classifiers (record-classifiers.json)"); // prettier-ignore
      const record = reads ? this.recordClassifiersOf(e) : null;
      p = prepareEcg(e, this.config.encoder, { beats: this.classifierOf(e), record });
      this.prepared.set(e, p);
    }
    return p;
  }

  /**
   * What the record classifiers read on an ECG (whole-record probabilities of its rhythms and,
   * on 12-lead ECGs, diagnostic superclasses), or null for a model that does not read them.
   */
  recordFindings(e: EcgInput): RecordFinding[] | null {
    return this.readsRecords ? this.prepare(e).recordFindings : null;
  }

  /** Whether the config reads the record classifiers (`recordSummary`, `recordNotes`). */
  private get readsRecords(): boolean {
    return !!(this.config.recordSummary || this.config.recordNotes);
  }

  /** LM tokens an ECG takes (what the chat template reserves for it). */
  ecgTokens(e: EcgInput): number {
    return ecgTokenCountForSamples(this.prepare(e).samples, this.config);
  }

  /** ECGs -> projected tokens [sum of counts, LM width], in order. */
  encodeEcgs(ecgs: readonly PreparedEcg[]): Tensor {
    const { features, starts } = this.projectorInput(ecgs);
    let x = this.projector.forward(features);
    if (this.config.timeWords) x = add(x, this.timeWords(starts));
    if (this.config.findingWords) x = add(x, this.findingWords(features));
    return x;
  }

  /** The projector's input rows for ECGs (encoder tokens with their findings), and each row's start (s; NaN: CLS). */
  projectorInput(ecgs: readonly PreparedEcg[]): { features: Tensor; starts: number[] } {
    const { tokens, starts } = this.encoder.encode(ecgs);
    const features = this.encoder.withFindings(tokens, this.config.findingsSummary ? starts : null);
    return { features: this.config.recordSummary ? this.withRecordSummary(features, ecgs, starts) : features, starts }; // prettier-ignore
  }

  /**
   * Projector input rows `features` with each ECG's first row (its CLS, start NaN) carrying its
   * record findings' probabilities in their findings' columns (config `recordSummary`).
   */
  private withRecordSummary(
    features: Tensor,
    ecgs: readonly PreparedEcg[],
    starts: readonly number[],
  ): Tensor {
    const [rows, width] = features.shape as [number, number];
    const column = new Map(this.config.encoder.findings!.map((f, i) => [f, this.config.encoder.width + i]));
    const keep = new Float32Array(rows * width).fill(1);
    const put = new Float32Array(rows * width);
    const cls = starts.flatMap((start, row) => (Number.isNaN(start) ? [row] : []));
    cls.forEach((row, k) => {
      const found = ecgs[k]!.recordFindings;
      if (!found) throw new RangeError(`model: ECG ${ecgs[k]!.name} was prepared without record findings`);
      for (const { name, p } of found) {
        const c = column.get(name);
        if (c === undefined) continue;
        keep[row * width + c] = 0;
        put[row * width + c] = p;
      }
    });
    return add(mul(features, tensor(keep, [rows, width])), tensor(put, [rows, width]));
  }

  /**
   * Time words ([rows, LM width], config `timeWords`) for the encoder's rows starting at
   * `starts` (s; NaN for a CLS row, which gets none): the language model's own embedding of the
   * whole seconds at which each row starts, as the answers write them (the "4" of "4.5s").
   *
   * Why: the answers' times had to be decoded from the encoder's sinusoidal time embedding, and
   * the small LM never learned to (it answered every location question with "none" or the whole
   * window). With tied embeddings, a token that carries the embedding of "4" makes "4" the
   * easiest word to write after attending to it: the time is copied, not computed.
   */
  private timeWords(starts: readonly number[]): Tensor {
    const ids: number[] = [];
    const plan = new RowPlanBuilder();
    for (const start of starts) {
      if (!Number.isNaN(start)) {
        const word = this.secondsWord(Math.floor(start));
        for (const id of word) plan.add(ids.push(id) - 1, 1 / word.length);
      }
      plan.endRow(); // a CLS row (NaN) stays zero
    }
    return sparseRows(this.lm.embedIds(ids), plan.build());
  }

  /**
   * Finding words ([rows, LM width], config `findingWords`) for projector input rows `features`
   * (tokens with their findings' probabilities last): each row gets the LM's embedding of each
   * finding's name, weighted by the finding's probability on that row (the CLS row's from the
   * findings summary when it is on), the weights scaled to sum to at most 1.
   *
   * Why: the language model lagged its encoder's head (PTB-XL superclasses 68 against 77):
   * reading a finding off a probability column through the projector is learned from few
   * reports. With tied embeddings, a token that carries the words
   * "atrial fibrillation" makes them the easiest to write after attending to it, and a question
   * that names a beat type attends to the tokens that carry its words, as the time words do for
   * times. The weights are the head's numbers: no gradient reaches the head through them.
   */
  private findingWords(features: Tensor): Tensor {
    const F = this.config.encoder.findings!.length;
    const [rows, D] = features.shape as [number, number];
    const x = features.data;
    const w = new Float32Array(rows * F);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let f = 0; f < F; f++) sum += x[r * D + D - F + f]!;
      const s = 1 / Math.max(1, sum);
      for (let f = 0; f < F; f++) w[r * F + f] = x[r * D + D - F + f]! * s;
    }
    return matmul(tensor(w, [rows, F]), this.findingNameEmbeddings());
  }

  /**
   * [findings, LM width]: each finding name's mean token embedding, over the name as a statement
   * writes it and in lower case as a question does (" Atrial fibrillation", " atrial fibrillation").
   */
  private findingNameEmbeddings(): Tensor {
    this.nameIds ??= this.config.encoder.findings!.map((n) =>
      [...new Set([` ${n}`, ` ${n.toLowerCase()}`])].flatMap((v) => this.tokenizer.encode(v)),
    );
    const ids: number[] = [];
    const plan = new RowPlanBuilder();
    for (const name of this.nameIds) {
      for (const id of name) plan.add(ids.push(id) - 1, 1 / name.length);
      plan.endRow();
    }
    return sparseRows(this.lm.embedIds(ids), plan.build());
  }

  /** An ECG's note after its block: its beat note, its record note or both (made once per prepared ECG). */
  noteOf(p: PreparedEcg): string {
    let note = this.notes.get(p);
    if (note === undefined) {
      const parts = [this.config.recordNotes ? recordNote(p.recordFindings!) : "", this.config.beatNotes ? this.beatNoteOf(p) : ""]; // prettier-ignore
      this.notes.set(p, (note = parts.filter((s) => s).join(" ")));
    }
    return note;
  }

  /** An ECG's beat note (beat-notes.ts), from its labelled beats. */
  beatNoteOf(p: PreparedEcg): string {
    if (!p.labelledBeats)
      throw new RangeError(`model: ECG ${p.name} was prepared without beat classes (beatNotes is on)`);
    return beatNote(p.labelledBeats, p.samples / this.config.encoder.sampleRate);
  }

  /** Token ids of a whole number of seconds as the tokenizer writes it (memoized). */
  private secondsWord(s: number): number[] {
    let w = this.secondsWords.get(s);
    if (!w) this.secondsWords.set(s, (w = this.tokenizer.encode(String(s))));
    return w;
  }

  /**
   * The conversation as the model reads it: token ids (ECG blocks sized by the encoder's token
   * counts), the loss mask, the placeholder spans and the prepared ECGs in block order.
   */
  renderConversation(messages: readonly AnyEcgMessage[], forGeneration = false): Rendered {
    return this.render(messages, forGeneration);
  }

  private render(messages: readonly AnyEcgMessage[], forGeneration: boolean): Rendered {
    const ecgs: PreparedEcg[] = [];
    const chat: ChatMessage[] = messages.map((m) => {
      const ps = (m.ecgs ?? []).map((e) => this.prepare(e));
      ecgs.push(...ps);
      return {
        role: m.role,
        content: m.content,
        ecgTokens: ps.map((p) => ecgTokenCountForSamples(p.samples, this.config)),
        ...(this.config.beatNotes || this.config.recordNotes
          ? { ecgNotes: ps.map((p) => this.noteOf(p)) }
          : {}),
      };
    });
    const enc = forGeneration ? promptForGeneration(this.tokenizer, chat) : encodeChat(this.tokenizer, chat);
    return { ids: enc.ids, lossMask: enc.lossMask, spans: enc.ecgSpans, ecgs };
  }

  /**
   * Input embeddings [B, T, width] for rendered conversations padded to T: token embeddings,
   * with the ECG tokens `ecgTok` (all conversations' ECGs in order) at the placeholders.
   */
  private embed(rs: readonly Rendered[], T: number, ecgTok: Tensor | null): Tensor {
    const ids = new Int32Array(rs.length * T);
    rs.forEach((r, b) => ids.set(r.ids, b * T));
    const text = this.lm.embedIds(ids);
    if (!ecgTok) return text.view([rs.length, T, this.config.lm.width]);
    const fromEcg = new Int32Array(rs.length * T).fill(-1);
    let next = rs.length * T; // ECG rows follow the text rows in the concatenation
    rs.forEach((r, b) => {
      for (const s of r.spans) for (let i = 0; i < s.length; i++) fromEcg[b * T + s.start + i] = next++;
    });
    const plan = new RowPlanBuilder();
    for (let i = 0; i < fromEcg.length; i++) {
      plan.add(fromEcg[i]! >= 0 ? fromEcg[i]! : i);
      plan.endRow();
    }
    return sparseRows(concat([text, ecgTok], 0), plan.build()).view([rs.length, T, this.config.lm.width]);
  }

  /**
   * Mean cross-entropy of the assistant's tokens (their content and closing <|eot_id|>) over a
   * batch of conversations: a scalar tensor to `backward` inside a `scope`.
   */
  loss(batch: readonly TrainExample[]): Tensor {
    if (batch.length === 0) throw new RangeError("loss: empty batch");
    const rs = batch.map((ex) => this.render(ex.messages, false));
    const T = Math.max(...rs.map((r) => r.ids.length));
    const allEcgs = rs.flatMap((r) => r.ecgs);
    const ecgTok = allEcgs.length > 0 ? this.encodeEcgs(allEcgs) : null;
    const h = this.lm.forward(this.embed(rs, T, ecgTok));
    // logits only where there is a target: position t predicts token t + 1
    const plan = new RowPlanBuilder();
    const targets: number[] = [];
    rs.forEach((r, b) => {
      for (let t = 0; t + 1 < r.ids.length; t++)
        if (r.lossMask[t + 1]) {
          plan.add(b * T + t);
          plan.endRow();
          targets.push(r.ids[t + 1]!);
        }
    });
    if (targets.length === 0) throw new RangeError("loss: no assistant token to learn in this batch");
    return softmaxCrossEntropy(this.lm.logits(sparseRows(h, plan.build())), targets);
  }

  /** Projected tokens of one ECG, computed once per ECG object (kept as plain JS memory). */
  private ecgTokensCached(e: EcgInput): Float32Array {
    let v = this.projected.get(e);
    if (!v) {
      v = noGrad(() => scope(() => this.encodeEcgs([this.prepare(e)]).data.slice()));
      this.projected.set(e, v);
    }
    return v;
  }

  /** The messages with the top-level ECGs attached to the first user message. */
  private withEcgs(opts: ChatOptions): AnyEcgMessage[] {
    const msgs = [...opts.messages];
    if (opts.ecgs?.length) {
      const i = msgs.findIndex((m) => m.role === "user");
      if (i < 0) throw new RangeError("chat: ECGs given but no user message to attach them to");
      msgs[i] = { ...msgs[i]!, ecgs: [...opts.ecgs, ...(msgs[i]!.ecgs ?? [])] };
    }
    return msgs;
  }

  /** Generates the assistant's next message (synchronously: see `chat` for servers). */
  generate(opts: ChatOptions): GenerateResult {
    const steps = this.steps(opts);
    let r = steps.next();
    while (!r.done) r = steps.next();
    return r.value;
  }

  /**
   * The assistant's answer. Between tokens it yields to the event loop, so streamed pieces
   * (`onToken`) reach the client as they come and `signal` can stop the generation (the
   * promise then rejects with the signal's reason).
   */
  async chat(opts: ChatOptions): Promise<string> {
    return (await this.answer(opts)).text;
  }

  /** `chat` with the whole result: the text, its tokens, why it ended and who wrote it. */
  async answer(opts: ChatOptions): Promise<GenerateResult> {
    opts.signal?.throwIfAborted();
    const steps = this.steps(opts);
    let r = steps.next();
    while (!r.done) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (opts.signal?.aborted) {
        steps.return(undefined as never); // runs the generator's cleanup (frees the KV cache)
        opts.signal.throwIfAborted();
      }
      r = steps.next();
    }
    return r.value;
  }

  /**
   * The beat tool's answer to the conversation (beat-tool.ts), or null: the conversation must
   * show one ECG, prepared with beat classes.
   */
  private toolAnswer(opts: ChatOptions): ToolAnswer | null {
    const msgs = this.withEcgs(opts);
    const ecgs = msgs.flatMap((m) => m.ecgs ?? []);
    const question = [...msgs].reverse().find((m) => m.role === "user")?.content;
    if (ecgs.length !== 1 || question === undefined) return null;
    const e = ecgs[0]!;
    const p = this.prepare(e);
    if (!p.labelledBeats) return null;
    const seconds = p.samples / this.config.encoder.sampleRate;
    const score = (answers: readonly string[]) => this.scoreAnswers(opts, answers);
    return beatToolAnswer(question, score, {
      beats: p.labelledBeats,
      seconds,
      ecg: isPrepared(e) ? null : e,
      record: p.recordFindings,
    });
  }

  /** Generation as a sequence of steps: yields after each generated token. */
  private *steps(opts: ChatOptions): Generator<void, GenerateResult, void> {
    const tool = opts.tools ? this.toolAnswer(opts) : null;
    if (tool) {
      opts.onToken?.(tool.text);
      const promptTokens = this.render(this.withEcgs(opts), true).ids.length;
      const ids = this.tokenizer.encode(tool.text);
      return { text: tool.text, ids, promptTokens, finish: "stop", tool: tool.finding };
    }
    const maxTokens = opts.maxTokens ?? 256;
    const stops = new Set(stopTokenIds(this.tokenizer));
    const rng = new Rng(opts.seed ?? 1);
    const decoder = this.tokenizer.streamDecoder({ skipSpecial: true });
    const cache = this.lm.newCache();
    const ids: number[] = [];
    let text = "";
    let emitted = 0;
    const order = new IntervalOrder();
    const repeat = new StatementRepeat();
    // streams text up to `upTo` (a localization answer only up to its last complete interval,
    // which IntervalOrder may still cut the answer back to)
    const emit = (upTo: number): void => {
      if (upTo <= emitted) return;
      opts.onToken?.(text.slice(emitted, upTo));
      emitted = upTo;
    };
    let finish: GenerateResult["finish"] = "length";
    let cut = false;
    let promptTokens = 0;
    try {
      let logits = this.prefill(opts, cache);
      promptTokens = cache.length;
      while (ids.length < maxTokens) {
        // ids the tokenizer cannot decode (a model vocabulary padded past it), and stop tokens
        // before minTokens, are never chosen
        logits.fill(-Infinity, this.tokenizer.vocabSize);
        if (ids.length < (opts.minTokens ?? 0)) for (const s of stops) logits[s] = -Infinity;
        opts.onLogits?.(logits);
        const id = sampleToken(logits, opts, rng);
        if (stops.has(id)) {
          finish = "stop";
          break;
        }
        ids.push(id);
        text += decoder.push(id);
        const checked = firstCut(order.update(text), repeat.update(text));
        if (checked.cut !== null) {
          text = text.slice(0, checked.cut);
          cut = true;
          finish = "stop";
          break;
        }
        emit(checked.safe);
        if (ids.length === maxTokens || cache.length >= this.config.lm.maxPositions) break;
        yield;
        logits = noGrad(() =>
          scope(() => this.lastLogits(this.lm.forward(this.lm.embedIds([id], [1, 1]), cache))),
        );
      }
      if (!cut) text += decoder.flush();
      const last = repeat.update(text, true).cut; // a report's last statement, complete only now
      if (last !== null) text = text.slice(0, last);
      emit(text.length);
    } finally {
      cache.dispose();
    }
    return { text, ids, promptTokens, finish };
  }

  /**
   * Runs the conversation, rendered as a prompt (the assistant's turn opened), into an empty
   * `cache`; returns the logits that choose the answer's first token. Each ECG is encoded once
   * per Ecg object (`ecgTokensCached`).
   */
  private prefill(opts: ChatOptions, cache: KVCache): Float32Array {
    const msgs = this.withEcgs(opts);
    const r = this.render(msgs, true);
    const ecgInputs = msgs.flatMap((m) => m.ecgs ?? []);
    return noGrad(() =>
      scope(() => {
        const parts = ecgInputs.map((e) => this.ecgTokensCached(e));
        const width = this.config.lm.width;
        const ecgTok = parts.length ? tensor(concatF32(parts), [parts.reduce((a, p) => a + p.length, 0) / width, width]) : null; // prettier-ignore
        const h = this.lm.forward(this.embed([r], r.ids.length, ecgTok), cache);
        return this.lastLogits(h);
      }),
    );
  }

  /**
   * The summed natural-log probability of each candidate assistant answer given the
   * conversation (its ECGs and messages, the assistant's turn opened): log p(answer | prompt).
   * An answer is tokenized as the chat template tokenizes an assistant message (trimmed text),
   * without the closing <|eot_id|>, so its score is the probability that the reply *starts* with
   * that text. The softmax runs over the tokenizer's vocabulary (ids past it, which generation
   * never picks, are left out). An empty answer scores 0.
   *
   * The ECGs are encoded once and the prompt is run once into a KV cache. Candidates are then
   * visited in token order, so each reuses the cached positions of the prefix it shares with
   * the one before (a walk over the candidates' trie: "Report: " is computed once for all
   * report statements) and only its remaining tokens are run.
   */
  scoreAnswers(opts: ChatOptions, answers: readonly string[]): number[] {
    const ids = answers.map((a) => this.tokenizer.encode(a.trim()));
    const order = ids.map((_, i) => i).sort((a, b) => compareIds(ids[a]!, ids[b]!));
    const out = new Array<number>(answers.length).fill(0);
    const cache = this.lm.newCache();
    try {
      const rows = [logProbRow(this.prefill(opts, cache), this.tokenizer.vocabSize)];
      const promptTokens = cache.length;
      const path: number[] = []; // answer tokens held in the cache after the prompt
      for (const i of order) {
        const c = ids[i]!;
        let shared = 0;
        while (shared < path.length && shared < c.length && path[shared] === c[shared]) shared++;
        path.length = shared;
        rows.length = shared + 1;
        cache.truncate(promptTokens + shared);
        // rows[j] scores token j, so the last token never needs to be run
        const rest = c.slice(shared, c.length - 1);
        if (rest.length) {
          rows.push(...this.continuationRows(rest, cache));
          path.push(...rest);
        }
        let sum = 0;
        c.forEach((id, j) => (sum += rows[j]!.logProb(id)));
        out[i] = sum;
      }
    } finally {
      cache.dispose();
    }
    return out;
  }

  /** Runs `ids` after the cached positions; one log-probability row per position. */
  private continuationRows(ids: readonly number[], cache: KVCache): LogProbRow[] {
    const V = this.config.lm.vocabSize;
    const logits = noGrad(() =>
      scope(() =>
        this.lm.logits(this.lm.forward(this.lm.embedIds(ids, [1, ids.length]), cache)).data.slice(),
      ),
    );
    return ids.map((_, t) => logProbRow(logits.subarray(t * V, (t + 1) * V), this.tokenizer.vocabSize));
  }

  /** Logits of the last position of h [1, T, width], copied out. */
  private lastLogits(h: Tensor): Float32Array {
    const T = h.shape[1]!;
    const W = this.config.lm.width;
    const last = tensor(h.data.subarray((T - 1) * W, T * W), [1, W]);
    return this.lm.logits(last).data.slice();
  }

  /**
   * Next-token logits [T, vocab] for a conversation rendered as a prompt (tests and tools):
   * the full recomputation that cached generation must reproduce.
   */
  promptLogits(opts: ChatOptions, extraIds: readonly number[] = []): Float32Array {
    const msgs = this.withEcgs(opts);
    const r = this.render(msgs, true);
    const ids = Int32Array.from([...r.ids, ...extraIds]);
    const full = { ...r, ids };
    const ecgs = msgs.flatMap((m) => m.ecgs ?? []).map((e) => this.prepare(e));
    return noGrad(() =>
      scope(() => {
        const ecgTok = ecgs.length ? this.encodeEcgs(ecgs) : null;
        return this.lm.logits(this.lm.forward(this.embed([full], ids.length, ecgTok))).data.slice();
      }),
    );
  }

  /** Loads a checkpoint folder: anyECG's own, or a Hugging Face Llama folder as the backbone. */
  static async load(dir: string, opts: LoadModelOptions = {}): Promise<AnyEcg> {
    const cfgPath = join(dir, "config.json");
    const json = readJson(cfgPath);
    if (isHfConfig(json)) return AnyEcg.fromLlama(dir, opts);
    const config = parseConfig(opts.switchOn ? { ...(json as object), ...opts.switchOn } : json, cfgPath);
    const model = new AnyEcg(config, Tokenizer.load(join(dir, "tokenizer.json")));
    const clf = join(dir, BEAT_CLASSIFIER_FILE);
    if (existsSync(clf)) model.beatClassifier = readBeatClassifier(clf);
    const record = join(dir, RECORD_CLASSIFIERS_FILE);
    if (existsSync(record)) model.recordClassifiers = readRecordClassifiers(record);
    try {
      const w = openWeights(dir);
      const adapters = new Set(model.lm.loraLayers().flatMap((l) => l.adapterParameters()));
      try {
        loadParameters(
          w,
          model.parameters().filter((p) => !adapters.has(p)),
        );
      } finally {
        w.close();
      }
      if (adapters.size > 0 && existsSync(join(dir, "adapter_model.safetensors"))) {
        const a = openWeights(dir, "adapter_model");
        try {
          loadParameters(a, [...adapters]);
        } finally {
          a.close();
        }
      }
    } catch (e) {
      model.dispose();
      throw e;
    }
    if (opts.merge ?? true) model.lm.mergeLora();
    return model;
  }

  /**
   * A model whose language model is a Hugging Face Llama folder's (config.json, tokenizer.json,
   * safetensors): anyECG's special tokens are added to its tokenizer where missing (the
   * embedding grows, new rows start at the mean embedding); encoder and projector start fresh.
   */
  static async fromLlama(dir: string, opts: FromLlamaOptions = {}): Promise<AnyEcg> {
    const cfgPath = join(dir, "config.json");
    const lm = llamaConfigFromHf(readJson(cfgPath), cfgPath, opts.maxPositions);
    const tokenizer = Tokenizer.load(join(dir, "tokenizer.json")).withSpecialTokens();
    const d = shippingConfig(lm.vocabSize);
    const config: AnyEcgConfig = {
      encoder: { ...d.encoder, ...opts.encoder },
      projectorWidth: opts.projectorWidth ?? d.projectorWidth,
      lm: { ...lm, vocabSize: Math.max(lm.vocabSize, tokenizer.vocabSize) },
      tokenBudget: opts.tokenBudget ?? d.tokenBudget,
      lora: opts.lora ?? d.lora,
    };
    const model = new AnyEcg(config, tokenizer, opts.seed ?? 1);
    try {
      const w = openWeights(dir);
      try {
        const lmParams = new Set(model.lm.parameters());
        const adapters = new Set(model.lm.loraLayers().flatMap((l) => l.adapterParameters()));
        const wanted = model.parameters().filter((p) => lmParams.has(p) && !adapters.has(p));
        loadParameters(w, wanted, { growable: new Set(["model.embed_tokens.weight", "lm_head.weight"]) });
      } finally {
        w.close();
      }
    } catch (e) {
      model.dispose();
      throw e;
    }
    if (opts.merge ?? true) model.lm.mergeLora();
    return model;
  }

  /**
   * Writes the checkpoint folder (created if needed): config.json, tokenizer.json,
   * model.safetensors and, with LoRA, adapter_model.safetensors (unmerged weights, so training
   * can resume; merged adapters are taken out for the write and put back).
   */
  save(dir: string, opts: SaveOptions = {}): void {
    ensureDir(dir);
    const lora = this.lm.loraLayers();
    const merged = lora.filter((l) => l.merged);
    for (const l of merged) l.unmerge();
    try {
      const adapters = new Set(lora.flatMap((l) => l.adapterParameters()));
      const meta = { format: "pt", producer: "anyecg" };
      writeParameters(join(dir, "model.safetensors"), this.parameters().filter((p) => !adapters.has(p)), opts.dtype, meta); // prettier-ignore
      if (adapters.size > 0)
        writeParameters(join(dir, "adapter_model.safetensors"), [...adapters], opts.dtype, meta);
      writeJson(join(dir, "config.json"), this.config);
      this.tokenizer.save(join(dir, "tokenizer.json"));
      if (this.beatClassifier) writeJson(join(dir, BEAT_CLASSIFIER_FILE), this.beatClassifier, 0); // compact: a third of the indented size
      if (this.recordClassifiers) writeJson(join(dir, RECORD_CLASSIFIERS_FILE), this.recordClassifiers, 0);
    } finally {
      for (const l of merged) l.merge();
    }
  }

  /** Threads the compute engine uses (it starts with all cores, or ANYECG_THREADS). */
  static setThreads(n: number): void {
    engine().setThreads(n);
  }
}

/** Lexicographic order of token id sequences (a prefix sorts before its extensions). */
function compareIds(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Log-probabilities of one position's next token: log softmax of its logits over the first `n` ids. */
interface LogProbRow {
  logProb(id: number): number;
}

function logProbRow(logits: Float32Array, n: number): LogProbRow {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[i]! - max);
  const lse = max + Math.log(sum);
  const row = logits.slice(0, n);
  return { logProb: (id) => (id < n ? row[id]! - lse : -Infinity) };
}

function concatF32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Two answer checks of one answer (each passes answers not of its kind): the first cut, the lesser safe end. */
function firstCut(a: AnswerOrder, b: AnswerOrder): AnswerOrder {
  return { safe: Math.min(a.safe, b.safe), cut: a.cut ?? b.cut };
}
