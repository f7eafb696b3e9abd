/**
 * One generation, as both chat endpoints need it: look up the ECGs, wait for a slot in the
 * generation queue, run the backend with a deadline and the client's hang-up as abort signals,
 * and return the answer with its intervals.
 */
import type { Ecg } from "../ecg/record.js";
import { structureAnswer, type AnswerStructure } from "./answer.js";
import type { BackendState, ChatMessage } from "./backend.js";
import { HttpError } from "./http-errors.js";
import { GenerationQueue, QueueFullError } from "./queue.js";
import type { EcgStore } from "./store.js";

export interface GenerateRequest {
  ecgIds: string[];
  messages: ChatMessage[];
  maxTokens?: number;
  onToken?: (text: string) => void;
  /** The client went away. */
  signal?: AbortSignal;
}

export interface GenerateResult extends AnswerStructure {
  answer: string;
  /** Set when a tool wrote the answer ("classical beat analysis"), not the language model. */
  tool?: string;
  ecgs: string[];
  seconds: number;
}

export interface ChatLimits {
  concurrency: number;
  maxQueued: number;
  /** Whole request (queue wait and generation), milliseconds. */
  timeoutMs: number;
}

export class ChatService {
  readonly queue: GenerationQueue;

  constructor(
    private readonly state: BackendState,
    private readonly store: EcgStore,
    private readonly limits: ChatLimits,
  ) {
    this.queue = new GenerationQueue(limits.concurrency, limits.maxQueued);
  }

  get backendName(): string | null {
    return this.state.backend?.name ?? null;
  }

  /** Throws HttpError 503 when no model is loaded (before any other work). */
  requireBackend(): void {
    if (!this.state.backend) throw new HttpError(503, `no model loaded: ${this.state.reason}`);
  }

  /** The records, in order; 404 for an unknown id. */
  async ecgs(ids: string[]): Promise<Ecg[]> {
    const out: Ecg[] = [];
    for (const id of ids) {
      const ecg = await this.store.load(id);
      if (!ecg)
        throw new HttpError(404, `unknown ECG id ${JSON.stringify(id)} (upload it with POST /api/ecgs)`);
      out.push(ecg);
    }
    return out;
  }

  /**
   * Checks the slot is available *now* (so streaming endpoints can still answer 429 before they
   * send headers), without reserving it.
   */
  checkCapacity(): void {
    const s = this.queue.stats;
    if (s.running >= s.concurrency && s.queued >= s.maxQueued) {
      const retry = this.queue.retryAfter();
      throw new HttpError(
        429,
        `the server is busy (all generation slots and the queue are full); retry in ${retry} s`,
        {
          "retry-after": String(retry),
        },
      );
    }
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    this.requireBackend();
    const backend = this.state.backend!;
    const ecgs = await this.ecgs(req.ecgIds);
    const t0 = performance.now();
    const ctrl = new AbortController();
    const timeout = new HttpError(
      504,
      `the answer took longer than this server's limit of ${this.limits.timeoutMs / 1000} s`,
    );
    const timer = setTimeout(() => ctrl.abort(timeout), this.limits.timeoutMs);
    const onClientGone = () => ctrl.abort(new HttpError(499, "the client closed the connection"));
    req.signal?.addEventListener("abort", onClientGone, { once: true });
    const aborted = new Promise<never>((_, reject) =>
      ctrl.signal.addEventListener("abort", () => reject(ctrl.signal.reason as Error), { once: true }),
    );
    aborted.catch(() => undefined);
    try {
      const { text: answer, tool } = await Promise.race([
        this.queue.run(
          () =>
            backend.chat({
              ecgs,
              messages: req.messages,
              maxTokens: req.maxTokens,
              signal: ctrl.signal,
              onToken: (t) => {
                if (!ctrl.signal.aborted) req.onToken?.(t);
              },
            }),
          ctrl.signal,
        ),
        aborted,
      ]);
      return {
        answer,
        ...(tool ? { tool } : {}),
        ecgs: req.ecgIds,
        seconds: (performance.now() - t0) / 1000,
        ...structureAnswer(answer, req.ecgIds, req.messages),
      };
    } catch (err) {
      if (err instanceof QueueFullError) {
        throw new HttpError(429, err.message, { "retry-after": String(err.retryAfterSeconds) });
      }
      throw err;
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener("abort", onClientGone);
    }
  }
}
