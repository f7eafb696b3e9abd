/**
 * The chat format: Llama 3's headers, with ECG blocks in user turns.
 *
 *   <|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>
 *   <|start_header_id|>user<|end_header_id|>\n\n
 *     ECG 1: <|ecg_start|><|ecg|>...<|ecg|><|ecg_end|> {note}\n
 *     ECG 2: <|ecg_start|><|ecg|>...<|ecg|><|ecg_end|>\n
 *     {question}<|eot_id|>
 *   <|start_header_id|>assistant<|end_header_id|>\n\n{answer}<|eot_id|>
 *
 * The note after an ECG block (optional) is text the model writes about that ECG itself, such
 * as its beat notes (beat-notes.ts). ECGs are numbered through the whole conversation (ECG 1,
 * ECG 2, ... in the order the model
 * receives them), so "the first ECG" and "the second ECG" are unambiguous even across turns. Each
 * block has as many `<|ecg|>` placeholders as the encoder makes tokens for that ECG; the model
 * replaces the placeholders (`ecgSpans`) by the projected ECG tokens. Special tokens are inserted
 * by id, never parsed from message text, so a user cannot forge them.
 *
 * Training uses the loss only on what the assistant says: its content tokens and the `<|eot_id|>`
 * closing it (so the model learns to stop), never the headers, the user's words or the ECGs.
 */

/** What the template needs from a tokenizer (the `Tokenizer` class provides it). */
export interface ChatTokenizer {
  /** Encodes plain text; special-token strings in it must stay text. */
  encode(text: string): number[];
  specialId(token: string): number;
}

export type ChatRole = "system" | "user" | "assistant";

/** An ECG at this point of the message, as `tokens` placeholders (the encoder's token count). */
export interface ChatEcgPart {
  type: "ecg";
  tokens: number;
}
export interface ChatTextPart {
  type: "text";
  text: string;
}

export interface ChatMessage {
  role: ChatRole;
  /** Plain text (trimmed, as Llama 3's template does), or text and ECG parts in order. */
  content: string | ReadonlyArray<ChatTextPart | ChatEcgPart>;
  /** ECGs attached to a user message, rendered one per line before its text: their token counts. */
  ecgTokens?: readonly number[];
  /** Text after each of `ecgTokens`' blocks, on its line (same order; optional). */
  ecgNotes?: readonly string[];
}

/** Where an ECG's placeholders sit in `ids`. `ecgIndex` counts ECGs from 0 through the conversation. */
export interface EcgSpan {
  ecgIndex: number;
  start: number;
  length: number;
}

export interface ChatEncoding {
  ids: Int32Array;
  /** 1 on the tokens the loss is computed on (assistant content and its closing <|eot_id|>). */
  lossMask: Uint8Array;
  ecgSpans: EcgSpan[];
}

export interface ChatEncodeOptions {
  /** Start with <|begin_of_text|> (default true). */
  bos?: boolean;
}

/** Token strings that end an assistant turn during generation. */
export const STOP_TOKENS = ["<|eot_id|>", "<|end_of_text|>"] as const;

/** Ids of STOP_TOKENS in this tokenizer. */
export function stopTokenIds(tok: ChatTokenizer): number[] {
  return STOP_TOKENS.map((t) => tok.specialId(t));
}

/** The ordinal label written before the n-th ECG (1-based). */
export function ecgLabel(n: number): string {
  return `ECG ${n}: `;
}

/**
 * A message's text with the notes of ECGs the reader is not shown, as `ECG 1: Beats: ...` lines
 * before it: the text stage (0b) teaches the language model to read the notes that follow ECG
 * blocks (`ecgNotes`) before it has seen an ECG token.
 */
export function withNotes(notes: readonly string[], text: string): string {
  return notes.map((n, k) => `${ecgLabel(k + 1)}${n}\n`).join("") + text;
}

/** Accumulates ids, the loss mask and ECG spans. */
class Builder {
  readonly ids: number[] = [];
  readonly mask: number[] = [];
  readonly spans: EcgSpan[] = [];
  ecgCount = 0;

  constructor(private readonly tok: ChatTokenizer) {}

  special(token: string, train = false): void {
    this.push([this.tok.specialId(token)], train);
  }

  text(text: string, train = false): void {
    if (text.length > 0) this.push(this.tok.encode(text), train);
  }

  push(ids: readonly number[], train: boolean): void {
    for (const id of ids) {
      this.ids.push(id);
      this.mask.push(train ? 1 : 0);
    }
  }

  /** One ECG block; the ordinal text goes in `before` so it is encoded with the text around it. */
  ecg(tokens: number): void {
    if (!Number.isInteger(tokens) || tokens < 1)
      throw new RangeError(`chat: an ECG needs a positive integer token count, got ${tokens}`);
    this.special("<|ecg_start|>");
    const start = this.ids.length;
    this.push(new Array<number>(tokens).fill(this.tok.specialId("<|ecg|>")), false);
    this.spans.push({ ecgIndex: this.ecgCount++, start, length: tokens });
    this.special("<|ecg_end|>");
  }

  header(role: ChatRole): void {
    this.special("<|start_header_id|>");
    this.text(role);
    this.special("<|end_header_id|>");
    this.text("\n\n");
  }

  result(): ChatEncoding {
    return { ids: Int32Array.from(this.ids), lossMask: Uint8Array.from(this.mask), ecgSpans: this.spans };
  }
}

/** Renders one message's content: text runs are encoded whole, ECG blocks inserted by id. */
function content(b: Builder, m: ChatMessage, index: number): void {
  const train = m.role === "assistant";
  const hasEcg =
    (m.ecgTokens?.length ?? 0) > 0 ||
    (typeof m.content !== "string" && m.content.some((p) => p.type === "ecg"));
  if (hasEcg && m.role !== "user")
    throw new RangeError(`chat: message ${index} (${m.role}) cannot hold ECGs; only user messages can`);
  let pending = "";
  const flushText = (): void => {
    b.text(pending, train);
    pending = "";
  };
  if (m.ecgNotes && m.ecgNotes.length !== (m.ecgTokens?.length ?? 0))
    throw new RangeError(`chat: message ${index} has ${m.ecgNotes.length} ECG notes for ${m.ecgTokens?.length ?? 0} ECGs`); // prettier-ignore
  (m.ecgTokens ?? []).forEach((tokens, k) => {
    pending += ecgLabel(b.ecgCount + 1);
    flushText();
    b.ecg(tokens);
    const note = m.ecgNotes?.[k];
    pending += note ? ` ${note}\n` : "\n";
  });
  if (typeof m.content === "string") pending += m.content.trim();
  else {
    for (const part of m.content) {
      if (part.type === "text") pending += part.text;
      else {
        pending += ecgLabel(b.ecgCount + 1);
        flushText();
        b.ecg(part.tokens);
      }
    }
  }
  flushText();
}

function render(tok: ChatTokenizer, messages: readonly ChatMessage[], options: ChatEncodeOptions): Builder {
  const b = new Builder(tok);
  if (options.bos ?? true) b.special("<|begin_of_text|>");
  messages.forEach((m, i) => {
    if (m.role !== "system" && m.role !== "user" && m.role !== "assistant")
      throw new RangeError(`chat: message ${i} has unknown role ${String(m.role)}`);
    b.header(m.role);
    content(b, m, i);
    b.special("<|eot_id|>", m.role === "assistant");
  });
  return b;
}

/** Encodes a whole conversation for training: ids, loss mask on assistant turns, ECG spans. */
export function encodeChat(
  tok: ChatTokenizer,
  messages: readonly ChatMessage[],
  options: ChatEncodeOptions = {},
): ChatEncoding {
  return render(tok, messages, options).result();
}

/**
 * Encodes the conversation so far and opens the assistant's turn, ready for generation (the
 * loss mask is all zeros). Generation stops at one of `stopTokenIds`.
 */
export function promptForGeneration(
  tok: ChatTokenizer,
  messages: readonly ChatMessage[],
  options: ChatEncodeOptions = {},
): ChatEncoding {
  if (messages.length > 0 && messages[messages.length - 1]!.role === "assistant") {
    throw new RangeError("chat: the conversation already ends with an assistant message");
  }
  const b = render(tok, messages, options);
  b.header("assistant");
  const r = b.result();
  r.lossMask.fill(0); // nothing in a prompt is a training target
  return r;
}
