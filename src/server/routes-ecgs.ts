/** `/api/ecgs`: upload, describe, fetch display-decimated signal, delete. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { MultipartFile } from "@fastify/multipart";
import { HttpError, errorStatus } from "./http-errors.js";
import type { ServerContext } from "./app.js";
import type { UploadedFile } from "./store.js";

const MAX_POINTS = 20_000;

const signalQuery = {
  type: "object",
  properties: {
    start: { type: "number", minimum: 0, default: 0 },
    duration: { type: "number", exclusiveMinimum: 0, maximum: 7 * 86400 },
    leads: { type: "string", maxLength: 2000 },
    maxPoints: { type: "integer", minimum: 2, maximum: MAX_POINTS, default: 2000 },
  },
  additionalProperties: false,
} as const;

interface SignalQs {
  start: number;
  duration?: number;
  leads?: string;
  maxPoints: number;
}

export function registerEcgRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    "/api/ecgs",
    { onRequest: checkContentLength(ctx.maxUploadBytes), errorHandler: closeAfterError },
    async (req, reply) => {
      if (!req.isMultipart()) {
        throw new HttpError(415, "upload ECG files as multipart/form-data (one record: its files, or a zip)");
      }
      const files: UploadedFile[] = [];
      const readOptions: { fs?: number } = {};
      const budget = { used: 0, limit: ctx.maxUploadBytes };
      for await (const part of req.parts()) {
        if (part.type === "file") {
          files.push({ name: part.filename, data: await readLimited(part, budget) });
        } else if (part.fieldname === "fs") {
          const fs = Number(part.value);
          if (!(fs > 0 && fs <= 1e6))
            throw new HttpError(400, `fs must be a sampling rate in Hz, got ${JSON.stringify(part.value)}`);
          readOptions.fs = fs;
        }
      }
      const meta = await ctx.store.add(files, readOptions);
      return reply.code(201).send(meta);
    },
  );

  app.get("/api/ecgs", async () => ({ ecgs: ctx.store.list() }));

  app.get<{ Params: { id: string } }>("/api/ecgs/:id", async (req) => {
    const meta = ctx.store.get(req.params.id);
    if (!meta) throw unknownId(req.params.id);
    return meta;
  });

  app.get<{ Params: { id: string }; Querystring: SignalQs }>(
    "/api/ecgs/:id/signal",
    { schema: { querystring: signalQuery } },
    async (req, reply) => {
      const ecg = await ctx.store.load(req.params.id);
      if (!ecg) throw unknownId(req.params.id);
      const q = req.query;
      const leads = q.leads
        ? q.leads.split(",").map((name) => leadIndex(ecg.leads, name.trim()))
        : ecg.leads.map((_, i) => i);
      const total = ecg.signals[0]!.length / ecg.fs;
      const window = ctx.tiles.window(req.params.id, ecg, {
        start: q.start,
        duration: q.duration ?? Math.min(10, total),
        leads,
        maxPoints: q.maxPoints,
      });
      // Records never change under an id, so a browser may keep tiles.
      void reply.header("cache-control", "private, max-age=3600");
      return { id: req.params.id, durationSeconds: total, ...window };
    },
  );

  app.delete<{ Params: { id: string } }>("/api/ecgs/:id", async (req, reply) => {
    if (!(await ctx.store.delete(req.params.id))) throw unknownId(req.params.id);
    ctx.tiles.forget(req.params.id);
    return reply.code(204).send();
  });
}

/** Refuses a declared body over the limit before reading it (the multipart overhead is small). */
function checkContentLength(limit: number) {
  return async (req: FastifyRequest) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > limit + 64 * 1024) throw tooLarge(limit);
  };
}

/**
 * A refused upload may leave part of its body unread on the socket: close the connection after
 * the error reply, or the client's next request on it would wait behind that body.
 */
function closeAfterError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, message, headers } = errorStatus(err);
  if (status === 500) reply.log.error(err);
  return reply
    .code(status)
    .headers({ ...headers, connection: "close" })
    .send({ error: message });
}

function unknownId(id: string): HttpError {
  return new HttpError(404, `unknown ECG id ${JSON.stringify(id.slice(0, 80))}`);
}

function leadIndex(leads: string[], name: string): number {
  const i = leads.findIndex((l) => l.toLowerCase() === name.toLowerCase());
  if (i < 0) throw new HttpError(400, `no lead ${JSON.stringify(name)} (leads: ${leads.join(", ")})`);
  return i;
}

/** Reads one uploaded file, failing with 413 as soon as the request's total passes the limit. */
async function readLimited(
  part: MultipartFile,
  budget: { used: number; limit: number },
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of part.file as AsyncIterable<Buffer>) {
    budget.used += chunk.length;
    if (budget.used > budget.limit) throw tooLarge(budget.limit);
    chunks.push(chunk);
  }
  if (part.file.truncated) throw tooLarge(budget.limit);
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): HttpError {
  const size = limit >= 1048576 ? `${(limit / 1048576).toFixed(1)} MiB` : `${(limit / 1024).toFixed(1)} KiB`;
  return new HttpError(413, `upload larger than this server's limit of ${size}`);
}
