/** A real server on a loopback port for the API tests, and raw multipart bodies. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createServer, type ServeOptions } from "../../src/server/app.js";

export interface TestServer {
  url: string;
  app: FastifyInstance;
  /** A scratch folder; `dataDir` is `<root>/data`, so anything written beside it shows up here. */
  root: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startServer(
  opts: Partial<ServeOptions> & Pick<ServeOptions, "backend">,
): Promise<TestServer> {
  const root = await mkdtemp(join(tmpdir(), "anyecg-server-test-"));
  const dataDir = join(root, "data");
  const app = await createServer({ webDir: null, ...opts, dataDir });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url,
    app,
    root,
    dataDir,
    async close() {
      await app.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface RawFile {
  /** Sent byte for byte as the multipart filename (may hold slashes, NUL ...). */
  name: string;
  data: Uint8Array;
}

/**
 * A multipart/form-data body built by hand, so tests control the exact file names sent
 * (FormData implementations escape or strip some of them).
 */
export function multipart(
  files: RawFile[],
  fields: Record<string, string> = {},
): { body: Buffer; type: string } {
  const boundary = `----anyecg${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  for (const f of files) {
    const name = f.name.replace(/"/g, "%22");
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
          "Content-Type: application/octet-stream\r\n\r\n",
        "latin1",
      ),
      Buffer.from(f.data),
      Buffer.from("\r\n"),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

export async function upload(
  url: string,
  files: RawFile[],
  fields: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { body, type } = multipart(files, fields);
  const r = await fetch(`${url}/api/ecgs`, { method: "POST", body, headers: { "content-type": type } });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

export async function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
}

/** The events of a text/event-stream body: `{event, data}` with data JSON-parsed when possible. */
export function parseSse(text: string): { event: string; data: unknown }[] {
  return text
    .split("\n\n")
    .filter((b) => b.trim())
    .map((block) => {
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      const raw = data.join("\n");
      try {
        return { event, data: JSON.parse(raw) as unknown };
      } catch {
        return { event, data: raw };
      }
    });
}
