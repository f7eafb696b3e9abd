/**
 * What the server needs from a model: one call that answers a conversation about some ECGs,
 * streaming text pieces as they are generated. The real model (src/model) and the tests'
 * deterministic backends both fit behind it, so the HTTP layer never depends on a checkpoint.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Ecg } from "../ecg/record.js";
import { AnyEcg } from "../model/index.js";
import { BEAT_TOOL } from "../model/beat-tool.js";

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatRequest {
  /** The ECGs of the conversation, in the order the user gave them ("ECG 1", "ECG 2" ...). */
  ecgs: Ecg[];
  messages: ChatMessage[];
  /** Called with each new piece of the answer, in order; their concatenation is the answer. */
  onToken?: (text: string) => void;
  /** Aborted when the client goes away or the request's time is up: stop generating. */
  signal?: AbortSignal;
  maxTokens?: number;
}

/** A backend's answer: its text and, when a tool wrote it, which (`BEAT_TOOL`). */
export interface BackendAnswer {
  text: string;
  tool?: string;
}

export interface ChatBackend {
  /** Shown by /health and as the OpenAI `model` field. */
  readonly name: string;
  /** The whole answer (its text also streamed through `onToken`). */
  chat(req: ChatRequest): Promise<BackendAnswer>;
}

/** Either a backend, or why there is none (answered as 503 "no model loaded: <reason>"). */
export type BackendState = { backend: ChatBackend } | { backend: null; reason: string };

/**
 * Loads the model in `dir` as a backend. A missing directory or a model that fails to load is
 * not fatal: the server still views and stores ECGs, and chat answers 503 with the reason.
 * `tools`: the beat tool answers the localizations it knows (src/model/beat-tool.ts).
 */
export async function loadModelBackend(dir: string, tools = true): Promise<BackendState> {
  const abs = resolve(dir);
  if (!existsSync(abs)) {
    return { backend: null, reason: `${abs} not found (train a model or pass --model <dir>)` };
  }
  try {
    const model = await AnyEcg.load(abs);
    return {
      backend: {
        name: `anyecg (${abs}${tools ? ", beat tool" : ""})`,
        chat: async (req) => {
          const r = await model.answer({
            ecgs: req.ecgs,
            messages: req.messages,
            onToken: req.onToken,
            maxTokens: req.maxTokens,
            signal: req.signal,
            tools,
          });
          return r.tool ? { text: r.text, tool: BEAT_TOOL } : { text: r.text };
        },
      },
    };
  } catch (err) {
    return {
      backend: null,
      reason: `cannot load ${abs}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
