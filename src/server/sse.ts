/**
 * Server-sent events on a hijacked Fastify reply: headers once, then `event:`/`data:` frames.
 * `closed` turns into an abort signal so generation stops when the browser tab goes away.
 */
import type { FastifyReply } from "fastify";

export interface SseStream {
  /** Sends one event (`event` omitted: a plain `data:` frame, as OpenAI streams use). */
  send(data: unknown, event?: string): void;
  /** Sends a raw data line (`[DONE]`). */
  sendRaw(line: string): void;
  end(): void;
  /** Aborted when the client disconnects before `end`. */
  signal: AbortSignal;
}

export function openSse(reply: FastifyReply): SseStream {
  reply.hijack();
  const raw = reply.raw;
  const ctrl = new AbortController();
  raw.on("close", () => {
    if (!raw.writableFinished) ctrl.abort(new Error("client disconnected"));
  });
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  raw.flushHeaders();
  const write = (s: string) => {
    if (!raw.writableEnded && !raw.destroyed) raw.write(s);
  };
  return {
    send(data, event) {
      write(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`);
    },
    sendRaw(line) {
      write(`data: ${line}\n\n`);
    },
    end() {
      if (!raw.writableEnded) raw.end();
    },
    signal: ctrl.signal,
  };
}
