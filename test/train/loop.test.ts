// The training loop on a tiny MLP behind the TrainableModel interface: the loss falls, a run
// stopped mid-way and resumed ends bit-identical to an uninterrupted one, state and model
// folders are replaced atomically, the log and the loss SVG are written.
import { describe, it, expect, afterAll } from "vitest";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  renameSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as T from "../../src/tensor/index.js";
import { Linear } from "../../src/nn/layers.js";
import { readLog, trainLoop, type BatchSource, type TrainableModel } from "../../src/train/loop.js";
import { recoverDir, replaceDir } from "../../src/train/state.js";

interface Batch {
  x: Float32Array;
  y: Float32Array;
  n: number;
}

class Mlp implements TrainableModel<Batch> {
  readonly l1: Linear;
  readonly l2: Linear;
  constructor(seed: number) {
    const rng = new T.Rng(seed);
    this.l1 = new Linear("l1", 4, 16, { bias: true, rng, std: 0.5 });
    this.l2 = new Linear("l2", 16, 1, { bias: true, rng, std: 0.5 });
  }
  parameters(): T.Parameter[] {
    return [...this.l1.parameters(), ...this.l2.parameters()];
  }
  loss(b: Batch): T.Tensor {
    const pred = this.l2.forward(T.relu(this.l1.forward(T.tensor(b.x, [b.n, 4]))));
    return T.mean(T.square(T.sub(pred, T.tensor(b.y, [b.n, 1]))));
  }
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}

/** y = sin(x0) + x1 * x2 - x3, batch i a pure function of i. */
function makeBatch(i: number, n = 16): Batch {
  const rng = new T.Rng(1000 + i);
  const x = Float32Array.from({ length: n * 4 }, () => rng.normal());
  const y = Float32Array.from({ length: n }, (_, r) => Math.sin(x[r * 4]!) + x[r * 4 + 1]! * x[r * 4 + 2]! - x[r * 4 + 3]!); // prettier-ignore
  return { x, y, n };
}

const source: BatchSource<Batch> = { batch: (i) => makeBatch(i), tokens: (b) => b.n };
const valid = { count: 2, batch: (i: number) => makeBatch(1_000_000 + i, 64) };
const root = mkdtempSync(join(tmpdir(), "anyecg-loop-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base = { steps: 40, accumulation: 2, lr: 0.02, warmup: 4, clip: 1, evalEvery: 10, saveEvery: 7, valid, progress: null, fingerprint: "mlp" }; // prettier-ignore

function weights(m: Mlp): number[][] {
  return m.parameters().map((p) => Array.from(p.data));
}

describe("training loop", () => {
  it("lowers the loss, logs every step and validation, draws the SVG", async () => {
    const m = new Mlp(1);
    const runDir = join(root, "plain");
    let bestCalls = 0;
    const r = await trainLoop(m, source, { ...base, runDir, onBest: () => void bestCalls++ });
    const log = readLog(join(runDir, "log.jsonl"));
    const steps = log.filter((e) => e.loss !== undefined);
    expect(steps.map((e) => e.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const first = steps.slice(0, 5).reduce((s, e) => s + e.loss!, 0) / 5;
    const last = steps.slice(-5).reduce((s, e) => s + e.loss!, 0) / 5;
    expect(last).toBeLessThan(first * 0.7);
    const vals = log.filter((e) => e.valid !== undefined);
    expect(vals.map((e) => e.step)).toEqual([10, 20, 30, 40]);
    expect(r.bestValid).toBe(Math.min(...vals.map((e) => e.valid!)));
    expect(bestCalls).toBe(vals.filter((e) => e.best).length);
    expect(steps[0]!.lr).toBeCloseTo(0.02 / 4, 8); // warm-up
    const svg = readFileSync(join(runDir, "loss.svg"), "utf8");
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("validation");
    expect((svg.match(/<circle/g) ?? []).length).toBe(4);
    expect(r.step).toBe(40);
    expect(r.stopped).toBe(false);
    m.dispose();
  });

  it("a run stopped mid-stage and resumed ends bit-identical to an uninterrupted one", async () => {
    const ref = new Mlp(2);
    await trainLoop(ref, source, { ...base, runDir: join(root, "ref") });
    const runDir = join(root, "resumed");
    const a = new Mlp(2);
    const stop1 = await trainLoop(a, source, { ...base, runDir, stopAtStep: 13 });
    expect(stop1).toMatchObject({ step: 13, stopped: true });
    a.dispose();
    // a killed process: fresh model objects, state from disk only
    const ctl = new AbortController();
    const b = new Mlp(99);
    const slow: BatchSource<Batch> = {
      batch: (i) => {
        if (i === 2 * 25) ctl.abort(); // abort signal arrives during step 26
        return makeBatch(i);
      },
      tokens: (x) => x.n,
    };
    const stop2 = await trainLoop(b, slow, { ...base, runDir, resume: true, signal: ctl.signal });
    expect(stop2).toMatchObject({ step: 26, stopped: true });
    b.dispose();
    const c = new Mlp(123);
    const done = await trainLoop(c, source, { ...base, runDir, resume: true });
    expect(done.step).toBe(40);
    expect(weights(c)).toEqual(weights(ref));
    const log = readLog(join(runDir, "log.jsonl"));
    expect(log.filter((e) => e.loss !== undefined).map((e) => e.step)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const refLog = readLog(join(root, "ref", "log.jsonl"));
    expect(log.map((e) => e.loss ?? e.valid)).toEqual(refLog.map((e) => e.loss ?? e.valid));
    ref.dispose();
    c.dispose();
  });

  it("refuses to overwrite a run without resume, and a state from other settings", async () => {
    const m = new Mlp(3);
    const runDir = join(root, "guard");
    await trainLoop(m, source, { ...base, steps: 3, runDir });
    await expect(trainLoop(m, source, { ...base, steps: 3, runDir })).rejects.toThrow(/already holds/);
    await expect(
      trainLoop(m, source, { ...base, steps: 3, runDir, resume: true, fingerprint: "other" }),
    ).rejects.toThrow(/other settings/);
    m.dispose();
  });

  it("writes state atomically: a stale partial write is ignored, no temporary file remains", async () => {
    const runDir = join(root, "atomic");
    const m = new Mlp(4);
    await trainLoop(m, source, { ...base, runDir, stopAtStep: 5 });
    // an interrupted later write leaves only its temporary file behind
    writeFileSync(join(runDir, "state.safetensors.tmp-99999"), "garbage, half a header");
    const r = await trainLoop(m, source, { ...base, runDir, resume: true, stopAtStep: 9 });
    expect(r.step).toBe(9);
    expect(readdirSync(runDir).filter((f) => f.includes(".tmp-") && !f.endsWith("99999"))).toEqual([]);
    m.dispose();
  });

  it("replaceDir swaps a folder whole, and recoverDir undoes a crash between the renames", () => {
    const dir = join(root, "model");
    replaceDir(dir, (tmp) => {
      mkdirSync(tmp);
      writeFileSync(join(tmp, "a"), "1");
    });
    replaceDir(dir, (tmp) => {
      mkdirSync(tmp);
      writeFileSync(join(tmp, "a"), "2");
    });
    expect(readFileSync(join(dir, "a"), "utf8")).toBe("2");
    expect(existsSync(`${dir}.old`) || existsSync(`${dir}.tmp`)).toBe(false);
    rmSync(`${dir}.old`, { recursive: true, force: true });
    // crash after moving the old folder aside, before the new one was renamed in
    renameSync(dir, `${dir}.old`);
    recoverDir(dir);
    expect(readFileSync(join(dir, "a"), "utf8")).toBe("2");
  });
});
