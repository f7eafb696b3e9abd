/**
 * `npm run bench -- serve [--json] [--clients 8] [--seconds 10]`: the HTTP server under load, on
 * loopback with autocannon (server and load generator share this process and its 2 cores).
 * - chat: N clients, each asking about a different uploaded ECG (the samples, plus MIT-BIH
 *   records from the shared data when present), non-streamed localization questions, for a
 *   fixed time; the generation queue is as long as the number of clients, so no 429 is expected.
 * - overload: twice the clients against a queue of 2: the deliberate 429s are counted apart.
 * - viewer: clients scrolling through a 30-minute record (random 30-s windows and whole-record
 *   overviews) through the decimated signal endpoint.
 * The backend is the model in models/anyecg-small when it loads, else the test suite's
 * annotation backend (reference answers from the records' annotations, 2 ms per word).
 * Reported: requests served, errors (non-2xx other than deliberate 429s, socket errors,
 * timeouts), p50/p99 latency, and the process's memory growth over the run.
 */
import { readFileSync, existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { createServer } from "../src/server/app.js";
import { defaultModelDir, packageRoot } from "../src/paths.js";
import { loadModelBackend, type BackendState } from "../src/server/backend.js";
import { annotationBackend } from "../test/server/annotation-backend.js";
import type { BenchOptions } from "./run.js";
import { dataDir, printTable } from "./util.js";

interface Scenario {
  name: string;
  clients: number;
  served: number;
  status429: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!(v > 0)) throw new RangeError(`--${name} must be a positive number`);
  return v;
}

async function uploadFiles(
  url: string,
  paths: string[],
  fields: Record<string, string> = {},
): Promise<string> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const p of paths) form.append("file", new Blob([readFileSync(p)]), p.split("/").pop()!);
  const r = await fetch(`${url}/api/ecgs`, { method: "POST", body: form });
  if (r.status !== 201) throw new Error(`upload of ${paths[0]} failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { id: string }).id;
}

/** Uploads the samples and up to `extra` shared MIT-BIH records; returns the ids. */
async function uploadEcgs(url: string, extra: number): Promise<{ ids: string[]; long: string | null }> {
  const s = (n: string) => join(packageRoot(), "samples", n);
  const ids = [
    await uploadFiles(
      url,
      ["hea", "dat", "atr"].map((e) => s(`mitdb-119-excerpt.${e}`)),
    ),
    await uploadFiles(
      url,
      ["hea", "dat"].map((e) => s(`ptbxl-00001_lr.${e}`)),
    ),
    await uploadFiles(url, [s("test_generator_2-10s.edf")]),
    await uploadFiles(url, [s("edb-e0103-10s.csv")], { fs: "250" }),
    await uploadFiles(url, [s("hl7-aecg-example-2s.xml")]),
  ];
  let long: string | null = null;
  const mitdb = join(dataDir, "mitdb");
  for (const rec of ["101", "102", "103", "104", "105", "106", "107", "108"].slice(0, extra)) {
    const files = ["hea", "dat", "atr"].map((e) => join(mitdb, `${rec}.${e}`));
    if (!files.every(existsSync)) continue;
    const id = await uploadFiles(url, files);
    ids.push(id);
    long ??= id;
  }
  return { ids, long };
}

async function run(name: string, opts: autocannon.Options, clients: number): Promise<Scenario> {
  const r = await autocannon({ ...opts, connections: clients });
  const status429 = (r.statusCodeStats as Record<string, { count: number } | undefined>)["429"]?.count ?? 0;
  return {
    name,
    clients,
    served: r["2xx"],
    status429,
    errors: r.non2xx - status429 + r.errors + r.timeouts,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requestsPerSecond: r.requests.average,
  };
}

function chatOptions(url: string, ids: string[], seconds: number): autocannon.Options {
  let next = 0;
  return {
    url: `${url}/api/chat`,
    method: "POST",
    duration: seconds,
    timeout: 60,
    headers: { "content-type": "application/json" },
    // Each connection talks about its own ECG.
    setupClient: (client) => {
      const id = ids[next++ % ids.length]!;
      client.setBody(
        JSON.stringify({
          ecgs: [id],
          messages: [{ role: "user", content: "Locate the premature ventricular contractions" }],
        }),
      );
    },
  };
}

export default async function bench(opts: BenchOptions): Promise<Record<string, unknown>> {
  const clients = arg(opts.args, "clients", 8);
  const seconds = arg(opts.args, "seconds", 10);
  const model = await loadModelBackend(defaultModelDir());
  const backend: BackendState = model.backend ? model : { backend: annotationBackend({ tokenDelayMs: 2 }) };
  const root = await mkdtemp(join(tmpdir(), "anyecg-bench-serve-"));
  const mem0 = process.memoryUsage();
  const scenarios: Scenario[] = [];
  let ecgCount = 0;
  try {
    for (const overload of [false, true]) {
      const n = overload ? 2 * clients : clients;
      const app = await createServer({
        dataDir: join(root, overload ? "b" : "a"),
        backend,
        webDir: null,
        concurrency: 2,
        maxQueued: overload ? 2 : n,
      });
      const url = await app.listen({ port: 0, host: "127.0.0.1" });
      try {
        const { ids, long } = await uploadEcgs(url, clients);
        ecgCount = ids.length;
        scenarios.push(
          await run(overload ? "chat overload (queue 2)" : "chat", chatOptions(url, ids, seconds), n),
        );
        if (!overload) {
          const target = long ?? ids[0]!;
          const meta = (await (await fetch(`${url}/api/ecgs/${target}`)).json()) as {
            durationSeconds: number;
          };
          scenarios.push(
            await run(
              `viewer (${(meta.durationSeconds / 60).toFixed(0)}-min record)`,
              {
                url,
                duration: seconds,
                requests: [
                  {
                    method: "GET",
                    setupRequest: (req) => {
                      const overview = Math.random() < 0.1;
                      const start = overview ? 0 : Math.random() * Math.max(0, meta.durationSeconds - 30);
                      const duration = overview ? meta.durationSeconds : 30;
                      return {
                        ...req,
                        path: `/api/ecgs/${target}/signal?start=${start.toFixed(2)}&duration=${duration}&maxPoints=3000`,
                      };
                    },
                  },
                ],
              },
              clients,
            ),
          );
        }
      } finally {
        await app.close();
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const mem1 = process.memoryUsage();
  const memory = {
    rssGrowthMb: (mem1.rss - mem0.rss) / 1048576,
    heapGrowthMb: (mem1.heapUsed - mem0.heapUsed) / 1048576,
  };
  printTable(
    ["scenario", "clients", "served", "429 (deliberate)", "errors", "p50 ms", "p99 ms", "req/s"],
    scenarios.map((s) => [
      s.name,
      s.clients,
      s.served,
      s.status429,
      s.errors,
      s.p50Ms,
      s.p99Ms,
      s.requestsPerSecond,
    ]),
  );
  console.log(
    `backend: ${backend.backend!.name}; ${ecgCount} ECGs; ${seconds} s per scenario; ` +
      `memory growth over the run: rss ${memory.rssGrowthMb.toFixed(1)} MB, heap ${memory.heapGrowthMb.toFixed(1)} MB`,
  );
  return { backend: backend.backend!.name, seconds, ecgs: ecgCount, scenarios, memory };
}
