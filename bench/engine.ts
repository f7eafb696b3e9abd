/**
 * `npm run bench -- engine [--json] [--threads N] [--runs 5]`: our training step of the
 * reference transformer stack and the 1024 float32 matrix product, side by side with PyTorch
 * (../shared/bench/torch_reference.py block / gemm) in the same run, as ratios.
 */
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

function gemmGflops(n: number, runs: number): number {
  const rng = new T.Rng(1);
  const a = T.randn([n, n], rng).keep();
  const b = T.randn([n, n], rng).keep();
  const c = T.zeros([n, n]).keep();
  const t = times(() => T.gemmRaw(false, false, n, n, n, 1, a.ptr, n, 0, b.ptr, n, 0, 0, c.ptr, n, 0), runs);
  a.dispose();
  b.dispose();
  c.dispose();
  return (2 * n ** 3) / t[0]! / 1e9;
}

export default async function engineBench(opts: BenchOptions): Promise<Record<string, unknown>> {
  const e = T.engine();
  const threads = arg(opts.args, "--threads", e.threads);
  const runs = arg(opts.args, "--runs", 5);
  e.setThreads(threads);

  const step = blockStep();
  const st = times(step, runs);
  if (opts.args.includes("--profile")) {
    e.profile = new Map();
    step();
    const rows = [...e.profile].sort((a, b) => b[1].ms - a[1].ms);
    printTable(
      ["kernel", "ms", "calls"],
      rows.map(([k, v]) => [k, v.ms, v.calls]),
    );
    e.profile = null;
  }
  const oursBest = st[0]!;
  const oursMedian = st[Math.floor(st.length / 2)]!;
  const L = cfg.layers * cfg.batch * cfg.seq;
  const D = cfg.dim;
  const flops = 3 * L * (2 * D * 3 * D + 2 * D * D + 2 * 2 * D * 4 * D + 2 * 2 * cfg.seq * D);

  e.setThreads(1);
  const gemm1 = gemmGflops(1024, 5);
  e.setThreads(threads);
  const gemmN = gemmGflops(1024, 10);

  const skipPeer = opts.args.includes("--no-peer");
  const tb = skipPeer ? { result: null, reason: "--no-peer" } : runTorchPeer(["block"]);
  const tg = skipPeer ? { result: null } : runTorchPeer(["gemm"]);
  const torchBlock = tb.result ? (tb.result.seconds_per_step as number) : null;
  const torchGemm = tg.result ? (tg.result.gflops as number) : null;

  const blockRatio = torchBlock ? oursBest / torchBlock : null;
  const gemmRatio = torchGemm ? torchGemm / gemmN : null;
  printTable(
    ["measure", "ours", "pytorch", "ratio"],
    [
      [`block step s (best of ${runs})`, oursBest, torchBlock ?? "-", blockRatio ?? "-"],
      [`block step s (median of ${runs})`, oursMedian, "-", torchBlock ? oursMedian / torchBlock : "-"],
      ["block GFLOP/s", flops / oursBest / 1e9, torchBlock ? flops / torchBlock / 1e9 : "-", "-"],
      [`gemm 1024 GFLOP/s (${threads} threads)`, gemmN, torchGemm ?? "-", gemmRatio ?? "-"],
      ["gemm 1024 GFLOP/s (1 thread)", gemm1, "-", "-"],
    ],
  );
  if (!tb.result) console.log(`PyTorch peer not run: ${tb.reason}`);
  return {
    block: {
      oursSeconds: oursBest,
      pytorchSeconds: torchBlock,
      ratio: blockRatio,
      oursBest,
      oursMedian,
      runs: st,
    },
    gemm: { oursGflops: gemmN, pytorchGflops: torchGemm, ratio: gemmRatio, oursGflops1Thread: gemm1 },
    threads,
  };
}
