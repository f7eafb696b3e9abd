/** `POST /api/chat`: one answer about some uploaded ECGs, as JSON or as server-sent events. */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ChatMessage } from "./backend.js";
import type { ServerContext } from "./app.js";
import { errorStatus } from "./http-errors.js";
import { openSse } from "./sse.js";

export const MAX_ECGS_PER_CHAT = 8;

/** The ECG ids of a chat request (ours and the OpenAI-compatible one). */
export const ecgIdsSchema = {
  type: "array",
  items: { type: "string", maxLength: 64 },
  maxItems: MAX_ECGS_PER_CHAT,
  default: [],
} as const;

/**
 * A conversation's messages, with the roles and the content schema of each API; `extraFields`
 * lets OpenAI clients send fields we ignore (e.g. `name`).
 */
export function messagesSchema<R extends readonly string[], C extends object>(
  roles: R,
  content: C,
  extraFields = false,
) {
  return {
    type: "array",
    minItems: 1,
    maxItems: 200,
    items: {
      type: "object",
      required: ["role", "content"],
      properties: { role: { enum: roles }, content },
      additionalProperties: extraFields,
    },
  } as const;
}

const chatBody = {
  type: "object",
  required: ["messages"],
  properties: {
    ecgs: ecgIdsSchema,
    messages: messagesSchema(["system", "user", "assistant"] as const, {
      type: "string",
      maxLength: 100_000,
    }),
    stream: { type: "boolean", default: false },
    maxTokens: { type: "integer", minimum: 1, maximum: 8192 },
  },
  additionalProperties: false,
} as const;

interface ChatBody {
  ecgs: string[];
  messages: ChatMessage[];
  stream: boolean;
  maxTokens?: number;
}

/** Aborted when the client hangs up before the reply is sent. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const ctrl = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) ctrl.abort(new Error("client disconnected"));
  });
  return ctrl.signal;
}

export function registerChatRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: ChatBody }>("/api/chat", { schema: { body: chatBody } }, async (req, reply) => {
    const { ecgs, messages, stream, maxTokens } = req.body;
    // Everything that can fail with a status is checked before an event stream starts.
    ctx.chat.requireBackend();
    await ctx.chat.ecgs(ecgs);
    if (!stream) {
      return ctx.chat.generate({ ecgIds: ecgs, messages, maxTokens, signal: clientGone(reply) });
    }
    ctx.chat.checkCapacity();
    const sse = openSse(reply);
    try {
      const result = await ctx.chat.generate({
        ecgIds: ecgs,
        messages,
        maxTokens,
        signal: sse.signal,
        onToken: (text) => sse.send({ text }, "token"),
      });
      sse.send(result, "done");
    } catch (err) {
      const { status, message } = errorStatus(err);
      if (status === 500) req.log.error(err);
      sse.send({ status, error: message }, "error");
    } finally {
      sse.end();
    }
    return reply;
  });
}
