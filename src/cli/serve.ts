/**
 * `anyecg serve`: the HTTP API and the web page. Runs without a model too (viewer, upload and
 * API work; chat answers 503 "no model loaded: ...").
 */
import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { loadModelBackend } from "../server/backend.js";
import { NO_TOOLS_HELP } from "./conversation.js";
import { DEFAULTS, createServer } from "../server/app.js";
import { defaultModelDir } from "../paths.js";

export interface ServeCliOptions {
  port: number;
  host: string;
  model: string;
  data: string;
  maxUploadMb: number;
  maxHours: number;
  concurrency: number;
  queue: number;
  timeout: number;
  tools: boolean;
}

function positive(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n))
      throw new RangeError(`--${name} must be a positive number, got "${v}"`);
    return n;
  };
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("serve the HTTP API (upload, view, chat; OpenAI-compatible) and the web page")
    .option("--port <n>", "port (0 picks a free one)", (v) => Number(v), 8080)
    .option("--host <addr>", "address to listen on (0.0.0.0 exposes it to the network)", "127.0.0.1")
    .option("--model <dir>", "model folder", defaultModelDir())
    .option("--no-tools", NO_TOOLS_HELP)
    .option("--data <dir>", "folder for uploaded ECGs", join(homedir(), ".cache", "anyecg", "ecgs"))
    .option(
      "--max-upload-mb <n>",
      "largest upload, MiB",
      positive("max-upload-mb"),
      DEFAULTS.maxUploadBytes / 1048576,
    )
    .option(
      "--max-hours <n>",
      "longest record, hours",
      positive("max-hours"),
      DEFAULTS.maxDurationSeconds / 3600,
    )
    .option("--concurrency <n>", "answers generated at once", positive("concurrency"), DEFAULTS.concurrency)
    .option("--queue <n>", "requests waiting for a slot before 429", positive("queue"), DEFAULTS.maxQueued)
    .option(
      "--timeout <s>",
      "time limit of one chat request, seconds",
      positive("timeout"),
      DEFAULTS.timeoutMs / 1000,
    )
    .action(async (opts: ServeCliOptions) => {
      if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
        throw new RangeError(`--port must be an integer 0-65535, got ${opts.port}`);
      }
      const backend = await loadModelBackend(opts.model, opts.tools);
      const app = await createServer({
        dataDir: opts.data,
        backend,
        maxUploadBytes: Math.round(opts.maxUploadMb * 1048576),
        maxDurationSeconds: opts.maxHours * 3600,
        concurrency: Math.floor(opts.concurrency),
        maxQueued: Math.floor(opts.queue),
        timeoutMs: opts.timeout * 1000,
      });
      const url = await app.listen({ port: opts.port, host: opts.host });
      console.log(`anyecg serving on ${url}`);
      console.log(backend.backend ? `model: ${backend.backend.name}` : `no model loaded: ${backend.reason}`);
      console.log(`uploads kept in ${opts.data}`);
      const stop = () => {
        void app.close().then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
