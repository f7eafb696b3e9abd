/**
 * `POST /v1/chat/completions` and `GET /v1/models`, compatible with OpenAI's chat API for text,
 * so existing chat clients can talk to anyecg. The ECGs are uploaded first (POST /api/ecgs) and
 * their ids passed in an extra top-level field `ecgs`. Errors use OpenAI's `{error: {...}}` shape.
 */
import { randomBytes } from "node:crypto";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ChatMessage, ChatRole } from "./backend.js";
import type { ServerContext } from "./app.js";
import { HttpError, errorStatus } from "./http-errors.js";
import { clientGone, ecgIdsSchema, messagesSchema } from "./routes-chat.js";
import { openSse } from "./sse.js";

const MODEL_ID = "anyecg";

const textPart = {
  type: "object",
  required: ["type"],
  properties: { type: { type: "string" }, text: { type: "string", maxLength: 100_000 } },
} as const;

const completionBody = {
  type: "object",
  required: ["messages"],
  properties: {
    model: { type: "string", maxLength: 200 },
    ecgs: ecgIdsSchema,
    messages: messagesSchema(
      ["system", "developer", "user", "assistant"] as const,
      {
        anyOf: [
          { type: "string", maxLength: 100_000 },
          { type: "array", maxItems: 64, items: textPart },
        ],
      },
      true,
    ),
    stream: { type: "boolean", default: false },
    max_tokens: { type: "integer", minimum: 1, maximum: 8192 },
    max_completion_tokens: { type: "integer", minimum: 1, maximum: 8192 },
  },
} as const;

type OpenAiContent = string | { type: string; text?: string }[];

interface CompletionBody {
  model?: string;
  ecgs: string[];
  messages: { role: ChatRole | "developer"; content: OpenAiContent }[];
  stream: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
}

/** OpenAI-style text of a message; image or audio parts are refused. */
function toMessage(m: CompletionBody["messages"][number]): ChatMessage {
  const role: ChatRole = m.role === "developer" ? "system" : m.role;
  if (typeof m.content === "string") return { role, content: m.content };
  const texts = m.content.map((p) => {
    if (p.type !== "text" || typeof p.text !== "string") {
      throw new HttpError(
        400,
        `only text content parts are supported (got "${p.type}"); pass ECG ids in "ecgs"`,
      );
    }
    return p.text;
  });
  return { role, content: texts.join("\n") };
}

function openAiError(reply: FastifyReply, err: unknown): FastifyReply {
  const { status, message, headers } = errorStatus(err);
  if (status === 500) reply.log.error(err);
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return reply
    .code(status)
    .headers(headers)
    .send({ error: { message, type, param: null, code: status === 404 ? "ecg_not_found" : null } });
}

export function registerOpenAiRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const errorHandler = (err: FastifyError, _req: FastifyRequest, reply: FastifyReply) =>
    openAiError(reply, err);

  app.get("/v1/models", async () => ({
    object: "list",
    data: ctx.chat.backendName ? [{ id: MODEL_ID, object: "model", created: 0, owned_by: "anyecg" }] : [],
  }));

  app.post<{ Body: CompletionBody }>(
    "/v1/chat/completions",
    { schema: { body: completionBody }, errorHandler },
    async (req, reply) => {
      const body = req.body;
      const messages = body.messages.map(toMessage);
      const maxTokens = body.max_completion_tokens ?? body.max_tokens;
      ctx.chat.requireBackend();
      await ctx.chat.ecgs(body.ecgs);
      const id = `chatcmpl-${randomBytes(12).toString("hex")}`;
      const created = Math.floor(Date.now() / 1000);
      const model = body.model ?? MODEL_ID;
      if (!body.stream) {
        const r = await ctx.chat.generate({
          ecgIds: body.ecgs,
          messages,
          maxTokens,
          signal: clientGone(reply),
        });
        return {
          id,
          object: "chat.completion",
          created,
          model,
          choices: [{ index: 0, message: { role: "assistant", content: r.answer }, finish_reason: "stop" }],
          usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
          intervals: r.intervals,
          ...(r.tool ? { tool: r.tool } : {}),
        };
      }
      ctx.chat.checkCapacity();
      const sse = openSse(reply);
      const chunk = (delta: Record<string, string>, finish: string | null, extra: object = {}) => ({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
        ...extra,
      });
      sse.send(chunk({ role: "assistant", content: "" }, null));
      try {
        const r = await ctx.chat.generate({
          ecgIds: body.ecgs,
          messages,
          maxTokens,
          signal: sse.signal,
          onToken: (content) => sse.send(chunk({ content }, null)),
        });
        sse.send(chunk({}, "stop", { intervals: r.intervals, ...(r.tool ? { tool: r.tool } : {}) }));
        sse.sendRaw("[DONE]");
      } catch (err) {
        const { status, message } = errorStatus(err);
        if (status === 500) req.log.error(err);
        sse.send({ error: { message, type: "server_error", param: null, code: status } });
      } finally {
        sse.end();
      }
      return reply;
    },
  );
}
