/**
 * The HTTP API over a real server on a loopback port: uploads of every supported format, the
 * signal endpoint, chat (plain, streamed, OpenAI-compatible, two ECGs), and every limit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beatIntervals } from "../../src/data/intervals.js";
import { readEcg } from "../../src/ecg/read.js";
import { sampleCount } from "../../src/ecg/record.js";
import { samplesDir } from "../data.js";
import { loadModelBackend } from "../../src/server/backend.js";
import { annotationBackend } from "./annotation-backend.js";
import { type RawFile, type TestServer, parseSse, postJson, startServer, upload } from "./helpers.js";

const sample = (name: string): RawFile => ({ name, data: readFileSync(join(samplesDir, name)) });
const mitdb = ["hea", "dat", "atr"].map((e) => sample(`mitdb-119-excerpt.${e}`));
const ptbxl = ["hea", "dat"].map((e) => sample(`ptbxl-00001_lr.${e}`));
const PVC_QUESTION = "Locate the premature ventricular contractions";

/** The reference PVC intervals of the MIT-BIH excerpt, computed from its annotation file. */
async function referencePvcs(): Promise<{ start: number; end: number }[]> {
  const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
  const n = sampleCount(ecg);
  return beatIntervals(ecg.annotations, new Set(["V"]), { start: 0, end: n }, ecg.fs, n);
}

describe("API: uploads and the viewer endpoints", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ backend: { backend: annotationBackend() } });
  });
  afterAll(() => s.close());

  it("stores a WFDB record sent as .hea + .dat + .atr and describes it", async () => {
    const r = await upload(s.url, mitdb);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      name: "mitdb-119-excerpt",
      format: "wfdb",
      fs: 360,
      leads: ["MLII", "V1"],
    });
    expect(r.json.durationSeconds).toBe(10);
    expect(r.json.annotationCount).toBe(13);
    const got = await (await fetch(`${s.url}/api/ecgs/${r.json.id as string}`)).json();
    expect(got).toEqual(r.json);
  });

  it.each<{
    files: () => RawFile[];
    fields: Record<string, string>;
    format: string;
    fs: number;
    leads: number;
    seconds: number;
  }>([
    { files: () => ptbxl, fields: {}, format: "wfdb", fs: 100, leads: 12, seconds: 10 },
    {
      files: () => [sample("test_generator_2-10s.edf")],
      fields: {},
      format: "edf+",
      fs: 200,
      leads: 11,
      seconds: 10,
    },
    {
      files: () => [sample("edb-e0103-10s.csv")],
      fields: { fs: "250" },
      format: "csv",
      fs: 250,
      leads: 1,
      seconds: 10,
    },
    {
      files: () => [sample("hl7-aecg-example-2s.xml")],
      fields: {},
      format: "hl7-aecg",
      fs: 500,
      leads: 12,
      seconds: 2,
    },
  ])("stores a $format upload", async ({ files, fields, format, fs, leads, seconds }) => {
    const r = await upload(s.url, files(), fields);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ format, fs, durationSeconds: seconds });
    expect((r.json.leads as string[]).length).toBe(leads);
  });

  it("stores a zip of a WFDB record (folders inside the zip are dropped)", async () => {
    const zip = zipSync({
      "ptbxl/ptbxl-00001_lr.hea": ptbxl[0]!.data,
      "ptbxl/ptbxl-00001_lr.dat": ptbxl[1]!.data,
      "__MACOSX/._ptbxl-00001_lr.hea": new Uint8Array([0, 5, 22, 7]),
    });
    const r = await upload(s.url, [{ name: "record.zip", data: zip }]);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      name: "ptbxl-00001_lr",
      fs: 100,
      files: ["ptbxl-00001_lr.hea", "ptbxl-00001_lr.dat"],
    });
  });

  it("keeps uploads across a restart of the store (same data folder)", async () => {
    const r = await upload(s.url, ptbxl);
    const again = await startServerOn(s.dataDir);
    try {
      const got = await fetch(`${again.url}/api/ecgs/${r.json.id as string}/signal?leads=II&duration=1`);
      expect(got.status).toBe(200);
      expect(((await got.json()) as { points: number }).points).toBe(100);
    } finally {
      await again.app.close();
    }
  });

  it("serves raw samples for short windows and min/max tiles for long ones", async () => {
    const { json } = await upload(s.url, mitdb);
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    const base = `${s.url}/api/ecgs/${json.id as string}/signal`;
    const raw = (await (await fetch(`${base}?start=1&duration=0.5&leads=V1`)).json()) as {
      decimated: boolean;
      start: number;
      leads: { name: string; values: number[] }[];
    };
    expect(raw.decimated).toBe(false);
    expect(raw.start).toBe(1);
    expect(raw.leads.map((l) => l.name)).toEqual(["V1"]);
    expect(raw.leads[0]!.values).toHaveLength(180);
    expect(raw.leads[0]!.values[0]).toBeCloseTo(ecg.signals[1]![360]!, 3);

    const dec = (await (await fetch(`${base}?duration=10&maxPoints=200`)).json()) as {
      decimated: boolean;
      samplesPerPoint: number;
      points: number;
      leads: { min: number[]; max: number[] }[];
    };
    expect(dec.decimated).toBe(true);
    expect(2 * dec.points).toBeLessThanOrEqual(200);
    const k = dec.samplesPerPoint;
    const mlii = ecg.signals[0]!;
    for (let b = 0; b < dec.points; b++) {
      const chunk = Array.from(mlii.subarray(b * k, Math.min(mlii.length, (b + 1) * k)));
      expect(dec.leads[0]!.min[b]).toBeCloseTo(Math.min(...chunk), 3);
      expect(dec.leads[0]!.max[b]).toBeCloseTo(Math.max(...chunk), 3);
    }
    // The same request again is answered from the tile cache with the same numbers.
    const again = await (await fetch(`${base}?duration=10&maxPoints=200`)).json();
    expect(again).toEqual(dec);
  });

  it("answers 400 with the reason for bad signal queries, 404 for unknown ids", async () => {
    const { json } = await upload(s.url, mitdb);
    const bad = await fetch(`${s.url}/api/ecgs/${json.id as string}/signal?leads=V9`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/no lead "V9" \(leads: MLII, V1\)/);
    const neg = await fetch(`${s.url}/api/ecgs/${json.id as string}/signal?start=-3`);
    expect(neg.status).toBe(400);
    for (const path of ["/api/ecgs/0123456789abcdef0123456789abcdef", "/api/ecgs/..%2F..%2Fetc/signal"]) {
      const r = await fetch(s.url + path);
      expect(r.status).toBe(404);
    }
  });

  it("deletes an ECG and its files; deleting again is 404", async () => {
    const { json } = await upload(s.url, mitdb);
    const id = json.id as string;
    expect((await fetch(`${s.url}/api/ecgs/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${s.url}/api/ecgs/${id}`)).status).toBe(404);
    expect((await fetch(`${s.url}/api/ecgs/${id}`, { method: "DELETE" })).status).toBe(404);
    const { readdir } = await import("node:fs/promises");
    expect(await readdir(s.dataDir)).not.toContain(id);
  });

  it("refuses malformed records with 400 and the reader's message, keeping nothing", async () => {
    const { readdir } = await import("node:fs/promises");
    const before = (await readdir(s.dataDir)).length;
    const cases: [RawFile[], Record<string, string>, RegExp][] = [
      [
        [mitdb[0]!, { name: "mitdb-119-excerpt.dat", data: mitdb[1]!.data.subarray(0, 1000) }],
        {},
        /mitdb-119-excerpt\.dat/,
      ],
      [[sample("edb-e0103-10s.csv")], {}, /edb-e0103-10s\.csv: no sampling rate/],
      [[sample("test_edfann.edf")], {}, /test_edfann\.edf: the record holds no samples/],
      [[{ name: "x.edf", data: new Uint8Array(300).fill(48) }], {}, /x\.edf: /],
      [[mitdb[1]!], {}, /mitdb-119-excerpt\.dat: needs its WFDB header/],
      [[{ name: "notes.docx", data: new Uint8Array([1, 2, 3]) }], {}, /unknown ECG file type/],
      [[{ name: "r.zip", data: new Uint8Array([80, 75, 3, 4, 9, 9, 9]) }], {}, /r\.zip: /],
      [[sample("edb-e0103-10s.csv")], { fs: "-5" }, /fs must be a sampling rate/],
    ];
    for (const [files, fields, message] of cases) {
      const r = await upload(s.url, files, fields);
      expect(r.status, String(message)).toBe(400);
      expect(r.json.error).toMatch(message);
    }
    expect((await readdir(s.dataDir)).length).toBe(before);
    const notMultipart = await postJson(`${s.url}/api/ecgs`, { file: "x" });
    expect(notMultipart.status).toBe(415);
  });

  it("refuses file names with paths, NUL or dot tricks, and headers pointing outside", async () => {
    const { readdir } = await import("node:fs/promises");
    const outside = async () => (await readdir(s.root)).sort();
    const before = await outside();
    const names = [
      "../../etc/passwd",
      "..\\x.hea",
      "/etc/passwd.hea",
      "C:\\ecg\\x.hea",
      "a\0.hea",
      ".hidden.csv",
      "..hea",
    ];
    for (const name of names) {
      const r = await upload(s.url, [{ name, data: mitdb[0]!.data }]);
      expect(r.status, JSON.stringify(name)).toBe(400);
      expect(r.json.error as string).toMatch(/file name/);
    }
    const evilHeader = Buffer.from(
      readFileSync(join(samplesDir, "mitdb-119-excerpt.hea"), "latin1").replace(
        /^mitdb-119-excerpt\.dat/gm,
        "../../etc/passwd",
      ),
      "latin1",
    );
    const r = await upload(s.url, [{ name: "evil.hea", data: evilHeader }, mitdb[1]!]);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/evil\.hea: refers to the file "\.\.\/\.\.\/etc\/passwd"/);
    // A zip entry with a path ("zip slip") keeps only its base name, inside the ECG's folder.
    const slip = zipSync({
      "../../../evil/ptbxl-00001_lr.hea": ptbxl[0]!.data,
      "../ptbxl-00001_lr.dat": ptbxl[1]!.data,
    });
    const z = await upload(s.url, [{ name: "slip.zip", data: slip }]);
    expect(z.status).toBe(201);
    expect(await readdir(join(s.dataDir, z.json.id as string))).toEqual(
      expect.arrayContaining(["ptbxl-00001_lr.hea", "ptbxl-00001_lr.dat"]),
    );
    expect(await outside()).toEqual(before);
  });
});

/** A second server on an existing data folder (the first one's), to check persistence. */
async function startServerOn(dataDir: string) {
  const { createServer } = await import("../../src/server/app.js");
  const app = await createServer({ dataDir, backend: { backend: null, reason: "test" }, webDir: null });
  return { app, url: await app.listen({ port: 0, host: "127.0.0.1" }) };
}

describe("API: chat", () => {
  let s: TestServer;
  let ids: string[];
  beforeAll(async () => {
    s = await startServer({ backend: { backend: annotationBackend() } });
    ids = [(await upload(s.url, mitdb)).json.id as string, (await upload(s.url, ptbxl)).json.id as string];
  });
  afterAll(() => s.close());

  it("answers about two ECGs with each interval attributed to its ECG", async () => {
    const r = await postJson(`${s.url}/api/chat`, {
      ecgs: ids,
      messages: [{ role: "user", content: `${PVC_QUESTION} in each ECG.` }],
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as {
      answer: string;
      intervals: { ecg: string; ecgIndex: number; start: number; end: number }[];
      absent: { ecg: string; name: string }[];
    };
    const ref = await referencePvcs();
    expect(ref.length).toBeGreaterThan(0);
    expect(body.answer).toMatch(/^ECG 1: Duration: .*\nECG 2: No Premature ventricular contraction Found$/);
    expect(body.intervals).toEqual(ref.map((iv) => ({ ecg: ids[0], ecgIndex: 0, ...iv })));
    expect(body.absent).toEqual([{ ecg: ids[1], ecgIndex: 1, name: "Premature ventricular contraction" }]);
  });

  it("attributes intervals to the ECG the question names when the answer does not", async () => {
    const r = await postJson(`${s.url}/api/chat`, {
      ecgs: [ids[1], ids[0]],
      messages: [
        { role: "user", content: "What are these?" },
        { role: "assistant", content: "Two ECGs." },
        { role: "user", content: `${PVC_QUESTION} in ECG 2` },
      ],
    });
    const body = (await r.json()) as { answer: string; intervals: { ecg: string }[] };
    expect(body.answer).toMatch(/^ECG 2: Duration:/);
    expect(new Set(body.intervals.map((i) => i.ecg))).toEqual(new Set([ids[0]]));
  });

  it("streams tokens as server-sent events, ending with the whole answer and intervals", async () => {
    const r = await postJson(`${s.url}/api/chat`, {
      ecgs: [ids[0]],
      stream: true,
      messages: [{ role: "user", content: PVC_QUESTION }],
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = parseSse(await r.text());
    const tokens = events.filter((e) => e.event === "token").map((e) => (e.data as { text: string }).text);
    const done = events.at(-1)!;
    expect(done.event).toBe("done");
    expect(tokens.length).toBeGreaterThan(2);
    const result = done.data as { answer: string; intervals: { start: number; end: number }[] };
    expect(tokens.join("")).toBe(result.answer);
    expect(result.intervals.map(({ start, end }) => ({ start, end }))).toEqual(await referencePvcs());
  });

  it("speaks the OpenAI chat completions protocol, plain and streamed", async () => {
    const plain = await postJson(`${s.url}/v1/chat/completions`, {
      model: "anyecg",
      ecgs: [ids[0]],
      temperature: 0.2,
      messages: [
        { role: "system", content: "You are an ECG assistant." },
        { role: "user", content: [{ type: "text", text: PVC_QUESTION }] },
      ],
    });
    expect(plain.status).toBe(200);
    const p = (await plain.json()) as {
      object: string;
      choices: { message: { role: string; content: string } }[];
    };
    expect(p.object).toBe("chat.completion");
    expect(p.choices[0]!.message).toMatchObject({ role: "assistant" });
    expect(p.choices[0]!.message.content).toMatch(/^Duration: 1\.0s-/);

    const streamed = await postJson(`${s.url}/v1/chat/completions`, {
      ecgs: [ids[0]],
      stream: true,
      messages: [{ role: "user", content: PVC_QUESTION }],
    });
    const events = parseSse(await streamed.text());
    expect(events.at(-1)!.data).toBe("[DONE]");
    const chunks = events.slice(0, -1).map(
      (e) =>
        e.data as {
          object: string;
          choices: { delta: { content?: string }; finish_reason: string | null }[];
        },
    );
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.map((c) => c.choices[0]!.delta.content ?? "").join("")).toBe(p.choices[0]!.message.content);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");

    const models = (await (await fetch(`${s.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(["anyecg"]);
    const image = await postJson(`${s.url}/v1/chat/completions`, {
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }],
    });
    expect(image.status).toBe(400);
    expect(((await image.json()) as { error: { message: string } }).error.message).toMatch(
      /only text content/,
    );
  });

  it("answers 404 for an unknown ECG id and 400 for invalid messages", async () => {
    const unknown = await postJson(`${s.url}/api/chat`, {
      ecgs: ["nope"],
      messages: [{ role: "user", content: "hi" }],
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/unknown ECG id "nope"/);
    const openai = await postJson(`${s.url}/v1/chat/completions`, {
      ecgs: ["nope"],
      messages: [{ role: "user", content: "hi" }],
    });
    expect(openai.status).toBe(404);
    expect(((await openai.json()) as { error: { code: string } }).error.code).toBe("ecg_not_found");
    for (const body of [
      { messages: [] },
      { messages: [{ role: "wizard", content: "hi" }] },
      { ecgs: "x", messages: [{ role: "user", content: "hi" }] },
    ]) {
      const r = await postJson(`${s.url}/api/chat`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const health = (await (await fetch(`${s.url}/health`)).json()) as { status: string; model: string };
    expect(health).toMatchObject({ status: "ok", model: "annotation-reference (test backend)" });
  });
});

describe("API: chat with the shipped model and its beat tool", () => {
  const shipped = join(import.meta.dirname, "..", "..", "models", "anyecg-small");

  it("says which answers the beat classifier wrote, in both chat endpoints; --no-tools turns it off", async () => {
    for (const tools of [true, false]) {
      const s = await startServer({ backend: await loadModelBackend(shipped, tools) });
      try {
        const id = (await upload(s.url, mitdb)).json.id as string;
        const messages = [{ role: "user", content: "Where are the PVCs?" }];
        const r = (await (await postJson(`${s.url}/api/chat`, { ecgs: [id], messages })).json()) as {
          tool?: string;
          intervals: { start: number; end: number }[];
        };
        const o = (await (
          await postJson(`${s.url}/v1/chat/completions`, { ecgs: [id], messages })
        ).json()) as {
          tool?: string;
        };
        if (tools) {
          expect(r.tool).toBe("classical beat analysis");
          expect(o.tool).toBe("classical beat analysis");
          expect(r.intervals.length).toBeGreaterThanOrEqual((await referencePvcs()).length - 1);
        } else {
          expect(r.tool).toBeUndefined();
          expect(o.tool).toBeUndefined();
        }
      } finally {
        await s.close();
      }
    }
  });
});

describe("API: limits", () => {
  it("answers 413 for an upload over the size limit (one file or the total of several)", async () => {
    const s = await startServer({ backend: { backend: null, reason: "none" }, maxUploadBytes: 12_000 });
    try {
      const big = await upload(s.url, [sample("hl7-aecg-example-2s.xml")]);
      expect(big.status).toBe(413);
      expect(big.json.error).toMatch(/upload larger than this server's limit of 11\.7 KiB/);
      const chunk = ptbxl[1]!.data.subarray(0, 8000);
      const split = await upload(s.url, [
        ptbxl[0]!,
        { name: "a.dat", data: chunk },
        { name: "b.dat", data: chunk },
      ]);
      expect(split.status).toBe(413);
      const bomb = zipSync({ "x.csv": new Uint8Array(4_000_000).fill(48) });
      expect(bomb.length).toBeLessThan(12_000);
      const b = await upload(s.url, [{ name: "bomb.zip", data: bomb }]);
      expect(b.status).toBe(400);
      expect(b.json.error).toMatch(/bomb\.zip: expands to more than 48000 bytes/);
      // The connection is closed after a refused upload, so the next request is served at once.
      expect((await upload(s.url, mitdb)).status).toBe(201);
    } finally {
      await s.close();
    }
  });

  it("answers 413 for a record longer than the duration limit, keeping nothing", async () => {
    const s = await startServer({ backend: { backend: null, reason: "none" }, maxDurationSeconds: 5 });
    try {
      const long = await upload(s.url, ptbxl);
      expect(long.status).toBe(413);
      expect(long.json.error).toMatch(
        /ptbxl-00001_lr\.hea: the record lasts 10 s, longer than this server's limit of 5 s/,
      );
      const { readdir } = await import("node:fs/promises");
      expect(await readdir(s.dataDir)).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("answers 503 'no model loaded' for chat when there is no model, and still stores ECGs", async () => {
    const s = await startServer({ backend: { backend: null, reason: "models/anyecg-small not found" } });
    try {
      expect((await upload(s.url, mitdb)).status).toBe(201);
      const r = await postJson(`${s.url}/api/chat`, {
        ecgs: [],
        messages: [{ role: "user", content: "hi" }],
      });
      expect(r.status).toBe(503);
      expect(((await r.json()) as { error: string }).error).toBe(
        "no model loaded: models/anyecg-small not found",
      );
      const o = await postJson(`${s.url}/v1/chat/completions`, {
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      });
      expect(o.status).toBe(503);
      expect(((await (await fetch(`${s.url}/health`)).json()) as { model: null }).model).toBeNull();
    } finally {
      await s.close();
    }
  });

  it("queues generations past the concurrency limit and answers 429 with Retry-After past the queue", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const s = await startServer({
      backend: { backend: annotationBackend({ gate: () => held }) },
      concurrency: 1,
      maxQueued: 1,
    });
    try {
      const id = (await upload(s.url, mitdb)).json.id as string;
      const ask = (stream = false) =>
        postJson(`${s.url}/api/chat`, {
          ecgs: [id],
          stream,
          messages: [{ role: "user", content: PVC_QUESTION }],
        });
      const running = ask();
      await waitFor(
        async () =>
          ((await (await fetch(`${s.url}/health`)).json()) as { queue: { running: number } }).queue
            .running === 1,
      );
      const queued = ask();
      await waitFor(
        async () =>
          ((await (await fetch(`${s.url}/health`)).json()) as { queue: { queued: number } }).queue.queued ===
          1,
      );
      for (const refused of [await ask(), await ask(true)]) {
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(((await refused.json()) as { error: string }).error).toMatch(/busy/);
      }
      release();
      for (const r of [await running, await queued]) {
        expect(r.status).toBe(200);
        expect(((await r.json()) as { answer: string }).answer).toMatch(/^Duration:/);
      }
    } finally {
      release();
      await s.close();
    }
  });

  it("stops a streamed generation when the client goes away, freeing its slot", async () => {
    let words = 0;
    const slow = annotationBackend({ tokenDelayMs: 100 });
    const s = await startServer({
      backend: {
        backend: {
          name: "slow",
          chat: (req) => slow.chat({ ...req, onToken: (t) => (words++, req.onToken?.(t)) }),
        },
      },
      concurrency: 1,
    });
    try {
      const id = (await upload(s.url, mitdb)).json.id as string;
      const ctrl = new AbortController();
      const r = await fetch(`${s.url}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          ecgs: [id],
          stream: true,
          messages: [{ role: "user", content: PVC_QUESTION }],
        }),
        signal: ctrl.signal,
      });
      const reader = r.body!.getReader();
      await reader.read(); // the first token
      ctrl.abort();
      await waitFor(
        async () =>
          ((await (await fetch(`${s.url}/health`)).json()) as { queue: { running: number } }).queue
            .running === 0,
      );
      expect(words).toBeLessThan(5); // the answer has 5 words: generation stopped early
    } finally {
      await s.close();
    }
  });

  it("answers 504 when an answer takes longer than the time limit", async () => {
    const s = await startServer({
      backend: { backend: annotationBackend({ gate: () => new Promise((r) => setTimeout(r, 2000)) }) },
      timeoutMs: 200,
    });
    try {
      const r = await postJson(`${s.url}/api/chat`, {
        ecgs: [],
        messages: [{ role: "user", content: "hi" }],
      });
      expect(r.status).toBe(504);
      expect(((await r.json()) as { error: string }).error).toMatch(
        /longer than this server's limit of 0.2 s/,
      );
    } finally {
      await s.close();
    }
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition not reached in 2 s");
}
