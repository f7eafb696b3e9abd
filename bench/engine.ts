/**
 * `npm run bench -- engine [--json] [--threads N] [--rounds 5] [--profile] [--no-peer] [--gemm-only]`: our
 * training step of the reference transformer stack and the 1024 float32 matrix product, side by
 * side with PyTorch (../shared/bench/torch_reference.py block / gemm), interleaved round by
 * round in the same run, as ratios of medians and of bests. JSON: the issue's
 * `{"block":{"oursSeconds","pytorchSeconds","ratio"},"gemm":{"oursGflops","pytorchGflops","ratio"}}`
 * (medians), plus bests, every round's value, the load average and whether relaxed SIMD is on.
 * `--gemm-only`: just our matrix product on 1024 and the reference stack's shapes (every
 * transpose the training step uses), 1 thread and all threads, interleaved, median and best.
 */
import os from "node:os";
import type { BenchOptions } from "./run.js";
import { printTable, runTorchPeer } from "./util.js";
import * as T from "../src/tensor/index.js";
import { AdamW } from "../src/nn/adamw.js";
import { parameter, zeroGrad } from "../src/nn/params.js";

const cfg = { batch: 16, seq: 128, dim: 256, heads: 4, layers: 4 };

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

/** Seconds of each of `runs` timed calls after one warm-up, sorted. */
function times(fn: () => void, runs: number): number[] {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push((performance.now() - s) / 1000);
  }
  return t.sort((a, b) => a - b);
}

/** The reference stack: pre-norm LayerNorm, fused QKV (no bias), causal attention, ReLU MLP 4x. */
function blockStep(): () => void {
  const { batch: B, seq: L, dim: D, heads: H, layers } = cfg;
  const rng = new T.Rng(0);
  const layer = (i: number) => ({
    n1w: parameter([D], `${i}.n1.w`, { init: "ones", decay: false }),
    n1b: parameter([D], `${i}.n1.b`, { init: "zeros", decay: false }),
    qkv: parameter([3 * D, D], `${i}.qkv`, { rng, init: "uniform" }),
    o: parameter([D, D], `${i}.o`, { rng, init: "uniform" }),
    n2w: parameter([D], `${i}.n2.w`, { init: "ones", decay: false }),
    n2b: parameter([D], `${i}.n2.b`, { init: "zeros", decay: false }),
    up: parameter([4 * D, D], `${i}.up`, { rng, init: "uniform" }),
    down: parameter([D, 4 * D], `${i}.down`, { rng, init: "uniform" }),
  });
  const ls = Array.from({ length: layers }, (_, i) => layer(i));
  const params = ls.flatMap((l) => Object.values(l));
  const opt = new AdamW(params, { lr: 1e-3, weightDecay: 0 });
  const x0 = T.randn([B, L, D], rng).keep();
  return () => {
    zeroGrad(params);
    T.scope(() => {
      let x = x0;
      for (const l of ls) {
        const a = T.attentionQKV(T.linear(T.layerNorm(x, l.n1w, l.n1b), l.qkv), { heads: H, causal: true });
        x = T.add(x, T.linear(a, l.o));
        x = T.add(x, T.linear(T.relu(T.linear(T.layerNorm(x, l.n2w, l.n2b), l.up)), l.down));
      }
      T.backward(T.mean(T.square(x)));
    });
    opt.step();
  };
}

/** GFLOP/s of our n x n float32 product: best of `reps` products. */
function gemmGflops(n: number, reps: number): number {
  const rng = new T.Rng(1);
  const a = T.randn([n, n], rng).keep();
  const b = T.randn([n, n], rng).keep();
  const c = T.zeros([n, n]).keep();
  const t = times(() => T.gemmRaw(false, false, n, n, n, 1, a.ptr, n, 0, b.ptr, n, 0, 0, c.ptr, n, 0), reps);
  a.dispose();
  b.dispose();
  c.dispose();
  return (2 * n ** 3) / t[0]! / 1e9;
}

/** Products of the reference stack (rows = batch * seq = 2048, width 256, MLP 1024) and 1024. */
const gemmShapes: { name: string; tA: boolean; tB: boolean; M: number; N: number; K: number }[] = [
  { name: "1024 square", tA: false, tB: false, M: 1024, N: 1024, K: 1024 },
  { name: "qkv x W^T", tA: false, tB: true, M: 2048, N: 768, K: 256 },
  { name: "down x W^T", tA: false, tB: true, M: 2048, N: 256, K: 1024 },
  { name: "qkv dx = g W", tA: false, tB: false, M: 2048, N: 256, K: 768 },
  { name: "up dW = g^T x", tA: true, tB: false, M: 1024, N: 256, K: 2048 },
];

/** GFLOP/s of each shape at 1 thread and at `threads`: per round the best of a few, interleaved. */
function gemmShapesBench(threads: number, rounds: number): Record<string, unknown>[] {
  const e = T.engine();
  const rng = new T.Rng(2);
  const runs = gemmShapes.map((s) => {
    const a = T.randn([s.M * s.K], rng).keep();
    const b = T.randn([s.K * s.N], rng).keep();
    const c = T.zeros([s.M * s.N]).keep();
    const [lda, ldb] = [s.tA ? s.M : s.K, s.tB ? s.K : s.N];
    const fn = () => T.gemmRaw(s.tA, s.tB, s.M, s.N, s.K, 1, a.ptr, lda, 0, b.ptr, ldb, 0, 0, c.ptr, s.N, 0);
    return { s, fn, free: () => [a, b, c].forEach((t) => t.dispose()), g: [[], []] as number[][] };
  });
  const counts = threads > 1 ? [1, threads] : [1];
  for (let r = 0; r < rounds; r++)
    for (const x of runs)
      counts.forEach((n, i) => {
        e.setThreads(n);
        x.g[i]!.push((2 * x.s.M * x.s.N * x.s.K) / times(x.fn, 3)[0]! / 1e9);
      });
  e.setThreads(threads);
  runs.forEach((x) => x.free());
  const out = runs.flatMap((x) =>
    counts.map((n, i) => {
      const st = stats(x.g[i]!.map((g) => -g));
      const shape = `${x.s.tA ? "A^T" : "A"} ${x.s.tB ? "B^T" : "B"} ${x.s.M}x${x.s.N}x${x.s.K}`;
      return { name: x.s.name, shape, threads: n, gflops: -st.median, best: -st.best };
    }),
  );
  printTable(
    ["product", "shape (M x N x K)", "threads", `GFLOP/s (median of ${rounds})`, "best"],
    out.map((o) => [o.name, o.shape, o.threads, o.gflops, o.best]),
  );
  return out;
}

/** Best and median of a list. */
function stats(xs: number[]): { best: number; median: number; all: number[] } {
  const s = [...xs].sort((a, b) => a - b);
  return { best: s[0]!, median: s[Math.floor(s.length / 2)]!, all: xs };
}

/** One profiled step: kernel wall times by kernel (and shape, for gemm), and the JS remainder. */
function profileStep(step: () => void): void {
  const e = T.engine();
  e.profile = new Map();
  const t = performance.now();
  step();
  const wall = performance.now() - t;
  const rows = [...e.profile].sort((a, b) => b[1].ms - a[1].ms);
  const kernels = rows.reduce((s, [, v]) => s + v.ms, 0);
  printTable(
    ["kernel", "ms", "calls"],
    [
      ...rows.map(([k, v]) => [k, v.ms, v.calls] as (string | number)[]),
      ["(all kernels)", kernels, rows.reduce((s, [, v]) => s + v.calls, 0)],
      ["(outside kernels: JS, allocation, tape)", wall - kernels, "-"],
    ],
  );
  e.profile = null;
}

const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

/**
 * Interleaved rounds so a shared machine's load hits both sides alike: each round times one of
 * our steps, one PyTorch step (its own process: warm-up + `--steps 1`), our 1024 product (best
 * of 10) and PyTorch's (best of 10). Ratios are computed from the medians and from the bests.
 */
export default async function engineBench(opts: BenchOptions): Promise<Record<string, unknown>> {
  const e = T.engine();
  const threads = arg(opts.args, "--threads", e.threads);
  const rounds = arg(opts.args, "--rounds", arg(opts.args, "--runs", 5));
  const skipPeer = opts.args.includes("--no-peer");
  e.setThreads(threads);
  const loadStart = loadavg();
  if (opts.args.includes("--gemm-only"))
    return { gemm: gemmShapesBench(threads, rounds), relaxedSimd: e.relaxedSimd, loadAverage: loadStart };
  console.log(
    `threads ${threads}, relaxed SIMD (fused multiply-add) ${e.relaxedSimd ? "on" : "off"}, ` +
      `load average at start ${loadStart.join(" ")}`,
  );

  const step = blockStep();
  step(); // warm-up
  if (opts.args.includes("--profile")) profileStep(step);
  e.setThreads(1);
  const gemm1 = gemmGflops(1024, 5);
  e.setThreads(threads);

  const ours = { block: [] as number[], gemm: [] as number[] };
  const torch = { block: [] as number[], gemm: [] as number[] };
  let peerReason = skipPeer ? "--no-peer" : "";
  let torchVersion: unknown = null;
  for (let r = 0; r < rounds; r++) {
    ours.block.push(times(step, 1)[0]!);
    if (!peerReason) {
      const tb = runTorchPeer(["block", "--steps", "1"]);
      if (!tb.result) peerReason = tb.reason ?? "failed";
      else {
        torch.block.push(tb.result.seconds_per_step as number);
        torchVersion = tb.result.torch;
      }
    }
    ours.gemm.push(gemmGflops(1024, 10));
    if (!peerReason) {
      const tg = runTorchPeer(["gemm"]);
      if (tg.result) torch.gemm.push(tg.result.gflops as number);
    }
  }
  const loadEnd = loadavg();

  const ob = stats(ours.block);
  const og = stats(ours.gemm.map((g) => -g)); // best = highest GFLOP/s
  const oursGemm = { best: -og.best, median: -og.median };
  const hasTorch = torch.block.length === rounds && torch.gemm.length === rounds;
  const tb = hasTorch ? stats(torch.block) : null;
  const tgs = hasTorch ? stats(torch.gemm.map((g) => -g)) : null;
  const torchGemm = tgs ? { best: -tgs.best, median: -tgs.median } : null;
  const blockRatio = tb ? { median: ob.median / tb.median, best: ob.best / tb.best } : null;
  const gemmRatio = torchGemm
    ? { median: torchGemm.median / oursGemm.median, best: torchGemm.best / oursGemm.best }
    : null;

  const L = cfg.layers * cfg.batch * cfg.seq;
  const D = cfg.dim;
  const flops = 3 * L * (2 * D * 3 * D + 2 * D * D + 2 * 2 * D * 4 * D + 2 * 2 * cfg.seq * D);
  const dash = (x: number | undefined | null) => x ?? "-";
  printTable(
    ["measure", "ours", "pytorch", "ratio"],
    [
      [`block step s (median of ${rounds})`, ob.median, dash(tb?.median), dash(blockRatio?.median)],
      [`block step s (best of ${rounds})`, ob.best, dash(tb?.best), dash(blockRatio?.best)],
      ["block GFLOP/s (median)", flops / ob.median / 1e9, tb ? flops / tb.median / 1e9 : "-", "-"],
      [`gemm 1024 GFLOP/s (median of ${rounds})`, oursGemm.median, dash(torchGemm?.median), dash(gemmRatio?.median)],
      [`gemm 1024 GFLOP/s (best of ${rounds})`, oursGemm.best, dash(torchGemm?.best), dash(gemmRatio?.best)],
      ["gemm 1024 GFLOP/s (1 thread)", gemm1, "-", "-"],
    ],
  ); // prettier-ignore
  console.log(`load average at end ${loadEnd.join(" ")}; ratios: block ours/pytorch time, gemm pytorch/ours`);
  if (peerReason) console.log(`PyTorch peer not run: ${peerReason}`);
  return {
    block: {
      oursSeconds: ob.median,
      pytorchSeconds: tb?.median ?? null,
      ratio: blockRatio?.median ?? null,
      oursBest: ob.best,
      pytorchBest: tb?.best ?? null,
      ratioBest: blockRatio?.best ?? null,
      ours: ours.block,
      pytorch: torch.block,
    },
    gemm: {
      oursGflops: oursGemm.median,
      pytorchGflops: torchGemm?.median ?? null,
      ratio: gemmRatio?.median ?? null,
      oursBest: oursGemm.best,
      pytorchBest: torchGemm?.best ?? null,
      ratioBest: gemmRatio?.best ?? null,
      oursGflops1Thread: gemm1,
      ours: ours.gemm,
      pytorch: torch.gemm,
    },
    rounds,
    threads,
    relaxedSimd: e.relaxedSimd,
    torch: torchVersion,
    loadAverage: { start: loadStart, end: loadEnd },
  };
}
