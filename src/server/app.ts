/**
 * The HTTP server of `anyecg serve`: the ECG store and viewer API, the chat API (ours, with SSE,
 * and an OpenAI-compatible one), /health, and the built web page at `/`.
 * `createServer` returns a Fastify instance that is not listening yet (tests and the CLI call
 * `listen`), so everything here runs the same in tests as in production.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import multipart from "@fastify/multipart";
import fastifyStatic from "@fastify/static";
import { Ajv } from "ajv";
import type { BackendState } from "./backend.js";
import { ChatService } from "./chat.js";
import { errorStatus } from "./http-errors.js";
import { EcgStore } from "./store.js";
import { TileCache } from "./tiles.js";
import { registerEcgRoutes } from "./routes-ecgs.js";
import { registerChatRoutes } from "./routes-chat.js";
import { registerOpenAiRoutes } from "./routes-openai.js";
import { packageRoot } from "../paths.js";

export interface ServeOptions {
  /** Folder for uploaded ECGs (created when missing; ECGs in it survive restarts). */
  dataDir: string;
  /** The model, or why there is none. */
  backend: BackendState;
  /** Largest upload (all files of one request), bytes. Default 256 MiB. */
  maxUploadBytes?: number;
  /** Longest record accepted, seconds. Default 48 h. */
  maxDurationSeconds?: number;
  /** Generations running at once. Default 1 (the model uses all cores). */
  concurrency?: number;
  /** Generations waiting for a slot before new ones get 429. Default 16. */
  maxQueued?: number;
  /** Time limit of one chat request (queue wait included), ms. Default 5 min. */
  timeoutMs?: number;
  /** Built web page; default `dist/web` of the package; null serves no page. */
  webDir?: string | null;
  logger?: boolean;
}

export const DEFAULTS = {
  maxUploadBytes: 256 * 1024 * 1024,
  maxDurationSeconds: 48 * 3600,
  concurrency: 1,
  maxQueued: 16,
  timeoutMs: 5 * 60_000,
};

/** Everything the routes share. */
export interface ServerContext {
  store: EcgStore;
  tiles: TileCache;
  chat: ChatService;
  maxUploadBytes: number;
  startedAt: number;
}

export async function createServer(opts: ServeOptions): Promise<FastifyInstance> {
  const maxUploadBytes = opts.maxUploadBytes ?? DEFAULTS.maxUploadBytes;
  const store = new EcgStore(resolve(opts.dataDir), {
    maxDurationSeconds: opts.maxDurationSeconds ?? DEFAULTS.maxDurationSeconds,
    maxUnzippedBytes: 4 * maxUploadBytes,
    memorySamples: 64 * 1024 * 1024,
  });
  await store.open();
  const ctx: ServerContext = {
    store,
    tiles: new TileCache(),
    chat: new ChatService(opts.backend, store, {
      concurrency: opts.concurrency ?? DEFAULTS.concurrency,
      maxQueued: opts.maxQueued ?? DEFAULTS.maxQueued,
      timeoutMs: opts.timeoutMs ?? DEFAULTS.timeoutMs,
    }),
    maxUploadBytes,
    startedAt: Date.now(),
  };

  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 4 * 1024 * 1024 });
  app.setValidatorCompiler(validatorCompiler());
  await app.register(multipart, {
    // One byte over the limit is enough to know it is too large; we count the total ourselves.
    limits: { fileSize: maxUploadBytes + 1, files: 16, fields: 16, fieldSize: 1024, parts: 40 },
    // Keep the names as sent, so a name with a path is refused rather than silently cut.
    preservePath: true,
  } as Parameters<typeof multipart>[1]);
  app.setErrorHandler((err: FastifyError, _req, reply) => sendError(reply, err));
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: `no route ${req.method} ${req.url.split("?")[0]}` });
  });

  app.get("/health", async () => ({
    status: "ok",
    model: ctx.chat.backendName,
    ecgs: ctx.store.list().length,
    queue: ctx.chat.queue.stats,
    uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
  }));
  registerEcgRoutes(app, ctx);
  registerChatRoutes(app, ctx);
  registerOpenAiRoutes(app, ctx);
  await registerWebPage(app, opts.webDir === undefined ? join(packageRoot(), "dist", "web") : opts.webDir);
  return app;
}

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const { status, message, headers } = errorStatus(err);
  if (status === 500) reply.log.error(err);
  return reply.code(status).headers(headers).send({ error: message });
}

/**
 * Request validation: JSON bodies exactly as sent (no type coercion, unknown fields refused);
 * query strings coerced from text to the schema's numbers.
 */
function validatorCompiler() {
  const strict = new Ajv({
    coerceTypes: false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
  });
  const coercing = new Ajv({
    coerceTypes: true,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
  });
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === "body" ? strict : coercing).compile(schema);
}

async function registerWebPage(app: FastifyInstance, webDir: string | null): Promise<void> {
  if (webDir && existsSync(join(webDir, "index.html"))) {
    await app.register(fastifyStatic, { root: resolve(webDir), prefix: "/", index: "index.html" });
    return;
  }
  app.get("/", async (_req, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .send(
        "<!doctype html><title>anyecg</title><p>The web page is not built" +
          (webDir ? ` (no index.html in ${escapeHtml(webDir)})` : "") +
          ": run <code>npm run build</code>. The API is at <code>/api</code>.</p>",
      ),
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
