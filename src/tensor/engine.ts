/**
 * The compute engine: one shared WebAssembly memory holding every tensor, the SIMD kernels
 * (build/kernels.wasm, compiled from src/tensor/kernels), a size-class pool allocator so a
 * steady-state training loop reuses the same blocks, and worker threads that run the large
 * kernels. A large kernel is cut into chunks (shares of rows, columns or units, several per
 * thread) that the threads claim one at a time, the main thread included: on a loaded machine
 * a descheduled worker delays an op by at most the chunk it holds, never by its whole share.
 */
import { readFileSync, existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import {
  workerSource,
  GEN,
  DONE,
  FN,
  NT,
  ERROR,
  TICKET,
  MODE,
  MAX_ARGS,
  CHUNK_BITS,
  MAX_CHUNKS,
} from "./worker-source.js";

/** Kernel exports, in a fixed order shared with the workers. */
export const KERNELS = [
  "setScratch", "gemm", "unary", "unaryBwd", "swiglu", "swigluBwd", "binary", "axpby", "fill", "copy4d",
  "chunkSums", "colSum", "normFwd", "normBwdX", "normBwdW", "softmax", "softmaxBwd", "attnFwd", "attnBwd",
  "ceFwd", "ceBwd", "embFwd", "embBwd", "rope", "adamw", "gemmPackB", "gemmPacked",
] as const; // prettier-ignore
export type KernelName = (typeof KERNELS)[number];
type KernelFn = (...args: number[]) => void;

// The WebAssembly JS API, typed here because the project's lib settings (ES2022, no DOM) omit it.
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
const HEAP_START = 1 << 20; // below: the kernels' static data
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

/**
 * The kernel binary: build/kernels-relaxed.wasm (fused multiply-add) when this runtime accepts
 * relaxed SIMD (Node 20 needs V8's flag, set here; ANYECG_RELAXED_SIMD=0 opts out), else
 * build/kernels.wasm. Both are two levels above src/tensor/engine.ts and dist/tensor/engine.js.
 */
function kernelBytes(): { bytes: Uint8Array; relaxed: boolean } {
  const path = (f: string) => fileURLToPath(new URL(`../../build/${f}`, import.meta.url));
  const relaxedPath = path("kernels-relaxed.wasm");
  if (process.env.ANYECG_RELAXED_SIMD !== "0" && existsSync(relaxedPath)) {
    const bytes = readFileSync(relaxedPath);
    try {
      v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    } catch {
      // unknown flag: newer runtimes have relaxed SIMD on by default
    }
    if (WA.validate(bytes)) return { bytes, relaxed: true };
  }
  const p = path("kernels.wasm");
  if (!existsSync(p)) throw new Error(`${p}: compute kernels not built (run npm run build:wasm)`);
  return { bytes: readFileSync(p), relaxed: false };
}

/** Rounds a block size up to its size class: 64-byte steps to 1 KiB, then quarter powers of two. */
export function sizeClass(bytes: number): number {
  const b = Math.max(64, Math.ceil(bytes / 64) * 64);
  if (b <= 1024) return b;
  const step = 2 ** Math.floor(Math.log2(b)) / 4;
  return Math.ceil(b / step) * step;
}

export class Engine {
  readonly memory: WasmMemory;
  readonly module: WasmModule;
  /** True when the kernels use relaxed SIMD (fused multiply-add). */
  readonly relaxedSimd: boolean;
  private readonly fns: KernelFn[];
  private readonly gemmScratch: number;
  /** Bytes `gemmPackB` needs for a K x N op(B) (the kernels' strip width decides the padding). */
  readonly gemmPackedBytes: (K: number, N: number) => number;
  private top = HEAP_START;
  private readonly free = new Map<number, number[]>();
  /** Size of every live block, by offset (a block may be larger than its request's class). */
  private readonly blockSize = new Map<number, number>();
  /** Free blocks by end offset and by start offset (their size): neighbours merge when freed. */
  private readonly freeByEnd = new Map<number, number>();
  private readonly freeByStart = new Map<number, number>();
  private inUse = 0;
  private workers: Worker[] = [];
  private readonly ctl = new Int32Array(new SharedArrayBuffer(64));
  private readonly args = new Float64Array(new SharedArrayBuffer(MAX_ARGS * 8));
  private threadCount: number;
  private scratchPtr = 0;
  private scratchStride = 0;
  private f32: Float32Array;
  private i32: Int32Array;

  constructor(threads: number) {
    const { bytes, relaxed } = kernelBytes();
    this.relaxedSimd = relaxed;
    this.module = new WA.Module(bytes);
    this.memory = new WA.Memory({ initial: 256, maximum: MAX_PAGES, shared: true });
    const instance = new WA.Instance(this.module, {
      env: { memory: this.memory, abort: () => { throw new Error("kernel abort"); } }, // prettier-ignore
    });
    this.fns = KERNELS.map((n) => instance.exports[n] as KernelFn);
    this.gemmScratch = (instance.exports.gemmScratchBytes as () => number)();
    this.gemmPackedBytes = instance.exports.gemmPackedBytes as (K: number, N: number) => number;
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.threadCount = Math.max(1, Math.floor(threads));
    this.ensureScratch(0);
  }

  /** Number of threads kernels are split across (1 = main thread only). */
  get threads(): number {
    return this.threadCount;
  }

  /** Changes the thread count (starts or stops workers as needed). */
  setThreads(n: number): void {
    this.threadCount = Math.max(1, Math.floor(n));
    if (this.workers.length + 1 < this.threadCount) {
      for (let t = this.workers.length + 1; t < this.threadCount; t++) this.spawn(t);
      this.ensureScratch(this.scratchStride, true);
    }
  }

  private spawn(tid: number): void {
    const w = new Worker(workerSource, {
      eval: true,
      workerData: {
        memory: this.memory,
        module: this.module,
        names: KERNELS,
        tid,
        ctlBuffer: this.ctl.buffer,
        argsBuffer: this.args.buffer,
        gen0: Atomics.load(this.ctl, GEN),
      },
    });
    w.unref();
    this.workers.push(w);
  }

  /** Stops the worker threads (kernels then run on the main thread only). */
  async shutdown(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    this.threadCount = 1;
    this.publish(-1, 0, 0, []);
    await Promise.all(ws.map((w) => w.terminate()));
    Atomics.store(this.ctl, FN, 0);
  }

  /** Float32 view of the whole memory (refreshed after growth). */
  get heapF32(): Float32Array {
    if (this.f32.buffer.byteLength !== this.memory.buffer.byteLength) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
    return this.f32;
  }

  get heapI32(): Int32Array {
    void this.heapF32;
    return this.i32;
  }

  /**
   * Allocates a 64-byte aligned block of at least `bytes` bytes; returns its byte offset.
   * Blocks are reused by size class; on a miss, the smallest free block of up to twice the size
   * is taken (batches of varying length would otherwise leave every earlier length's blocks
   * stranded and grow the heap without bound), then the heap grows, and at the 4 GiB limit any
   * larger free block is split. Freed neighbours merge (`release`), so the space of many small
   * blocks can serve one large request: without merging, a training run whose batches change
   * shape ran out of memory with much less than 4 GiB in live tensors.
   */
  alloc(bytes: number): number {
    const size = sizeClass(bytes);
    let ptr = this.takeFree(size, 2 * size);
    if (ptr < 0) ptr = this.grow(size);
    if (ptr < 0) ptr = this.takeFree(size, Infinity, true);
    if (ptr < 0)
      throw new RangeError(
        `tensor memory exhausted: ${size} more bytes needed with ${this.inUse} in live tensors (4 GiB limit)`,
      );
    this.inUse += this.blockSize.get(ptr)!;
    return ptr;
  }

  private takeFree(size: number, most: number, split = false): number {
    // The exact class first: the common case in a steady training loop, without a scan.
    let best = this.free.get(size)?.length ? size : -1;
    if (best < 0)
      for (const [s, list] of this.free)
        if (list.length && s >= size && s <= most && (best < 0 || s < best)) best = s;
    if (best < 0) return -1;
    const list = this.free.get(best)!;
    const ptr = list.pop()!;
    if (list.length === 0) this.free.delete(best);
    this.freeByEnd.delete(ptr + best);
    this.freeByStart.delete(ptr);
    if (split && best > size) {
      this.addFree(ptr + size, best - size);
      best = size;
    }
    this.blockSize.set(ptr, best);
    return ptr;
  }

  private addFree(ptr: number, size: number): void {
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(ptr);
    this.freeByEnd.set(ptr + size, ptr);
    this.freeByStart.set(ptr, size);
  }

  private removeFree(ptr: number, size: number): void {
    const list = this.free.get(size)!;
    list.splice(list.lastIndexOf(ptr), 1);
    if (list.length === 0) this.free.delete(size);
    this.freeByEnd.delete(ptr + size);
    this.freeByStart.delete(ptr);
  }

  private grow(size: number): number {
    const ptr = this.top;
    const end = ptr + size;
    if (end > MAX_PAGES * PAGE) return -1;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const want = Math.max(end - have, have / 4);
      const pages = Math.min(MAX_PAGES - have / PAGE, Math.ceil(want / PAGE));
      this.memory.grow(pages);
    }
    this.top = end;
    this.blockSize.set(ptr, size);
    return ptr;
  }

  /**
   * Returns a block from `alloc` to the pool, merged with free neighbours; a free block that
   * reaches the top of the heap gives its space back.
   */
  release(ptr: number, _bytes?: number): void {
    let size = this.blockSize.get(ptr)!;
    this.blockSize.delete(ptr);
    this.inUse -= size;
    const left = this.freeByEnd.get(ptr);
    if (left !== undefined) {
      this.removeFree(left, ptr - left);
      size += ptr - left;
      ptr = left;
    }
    const right = this.freeByStart.get(ptr + size);
    if (right !== undefined) {
      this.removeFree(ptr + size, right);
      size += right;
    }
    if (ptr + size === this.top) this.top = ptr;
    else this.addFree(ptr, size);
  }

  /** Bytes in live blocks and the high-water mark of the heap (for tests and diagnostics). */
  stats(): { inUse: number; heapBytes: number } {
    return { inUse: this.inUse, heapBytes: this.top - HEAP_START };
  }

  /** Makes each thread's scratch region at least gemm scratch + `extra` bytes. */
  ensureScratch(extra: number, force = false): void {
    const stride = Math.ceil((this.gemmScratch + extra) / 64) * 64 + 64;
    if (stride <= this.scratchStride && !force) return;
    const n = Math.max(this.threadCount, this.workers.length + 1);
    if (this.scratchPtr) this.release(this.scratchPtr, this.scratchStride * this.scratchCount);
    this.scratchStride = Math.max(stride, this.scratchStride);
    this.scratchCount = n;
    this.scratchPtr = this.alloc(this.scratchStride * n);
    this.runOn(0, n, [this.scratchPtr, this.scratchStride]);
  }
  private scratchCount = 1;
  /** Work (about: elements, or multiply-adds / 32) below which a kernel runs on one thread. */
  minParallelWork = 8192;
  /** Chunks per thread for a large kernel (more: better balance under load, more overhead). */
  chunksPerThread = 4;

  /**
   * Runs kernel `name` with `args` (after tid, nt), cut into up to threads * chunksPerThread
   * chunks of at least `minParallelWork` work each, claimed by the threads as they come.
   */
  run(name: KernelName, work: number, ...args: number[]): void {
    this.runSplit(name, work, MAX_CHUNKS, ...args);
  }

  /** Like `run`, with at most `maxChunks` chunks (kernels whose shares must not get too small). */
  runSplit(name: KernelName, work: number, maxChunks: number, ...args: number[]): void {
    const byWork = Math.floor(work / this.minParallelWork);
    const nt = Math.min(this.threadCount, this.workers.length + 1, byWork);
    const chunks =
      nt <= 1 ? 1 : Math.max(nt, Math.min(nt * this.chunksPerThread, byWork, maxChunks, MAX_CHUNKS));
    if (!this.profile) return this.runChunks(KERNELS.indexOf(name), chunks, args);
    const t = performance.now();
    this.runChunks(KERNELS.indexOf(name), chunks, args);
    const key =
      name === "gemm"
        ? `gemm f${args[0]} ${args[1]}x${args[2]}x${args[3]} x${args[15]} beta${args[5]}`
        : name;
    const p = this.profile.get(key) ?? { ms: 0, calls: 0 };
    p.ms += performance.now() - t;
    p.calls++;
    this.profile.set(key, p);
  }

  /** When set, `run` adds each kernel's wall time and call count here (for benchmarks). */
  profile: Map<string, { ms: number; calls: number }> | null = null;

  /** Runs kernel `name` on exactly one thread (the main thread). */
  runSingle(name: KernelName, ...args: number[]): void {
    const f = this.fns[KERNELS.indexOf(name)]!;
    f(0, 1, ...args);
  }

  private seq = 0;

  /** Publishes an op to the workers (they read args, FN, NT, MODE once GEN moves). */
  private publish(fn: number, n: number, mode: number, a: number[]): void {
    const ctl = this.ctl;
    this.seq = (this.seq + 1) & ((1 << (32 - CHUNK_BITS)) - 1);
    // Close the previous op's ticket before rewriting the fields: a thread that woke late for
    // it may be reading them now, and with the old ticket still open it could claim a chunk of
    // this op (the old ticket's next index under the new chunk count) that is handed out again
    // below, so that chunk would run twice. The closed ticket carries the new sequence, which
    // that thread's claim rejects.
    Atomics.store(ctl, TICKET, (this.seq << CHUNK_BITS) | MAX_CHUNKS);
    for (let i = 0; i < a.length; i++) this.args[i] = a[i]!;
    Atomics.store(ctl, FN, fn);
    Atomics.store(ctl, NT, n);
    Atomics.store(ctl, MODE, mode);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, TICKET, this.seq << CHUNK_BITS);
    // GEN's low bits equal seq: workers check a ticket against the generation they woke for
    Atomics.store(ctl, GEN, this.seq);
    Atomics.notify(ctl, GEN);
  }

  /** Waits until ctl[DONE] reaches n (spinning briefly, then sleeping on it). */
  private awaitDone(n: number): void {
    const ctl = this.ctl;
    let spins = 0;
    let waited = 0;
    for (;;) {
      const d = Atomics.load(ctl, DONE);
      if (d >= n) return;
      if (++spins < 4000) continue;
      if (Atomics.wait(ctl, DONE, d, 100) === "timed-out") waited += 100;
      if (Atomics.load(ctl, ERROR) === 2 || waited > 120_000)
        throw new Error("compute worker threads failed to start or stopped responding");
    }
  }

  private checkError(fn: number, failure: unknown): void {
    if (failure) throw failure;
    if (Atomics.load(this.ctl, ERROR) !== 0) {
      Atomics.store(this.ctl, ERROR, 0);
      throw new Error(`kernel ${KERNELS[fn]} failed on a worker thread`);
    }
  }

  /** Runs kernel `fn` as `chunks` shares claimed by whichever thread is free. */
  private runChunks(fn: number, chunks: number, a: number[]): void {
    const f = this.fns[fn]!;
    if (chunks <= 1 || this.workers.length === 0) {
      for (let c = 0; c < chunks; c++) f(c, chunks, ...a);
      return;
    }
    this.publish(fn, chunks, 0, a);
    const ctl = this.ctl;
    let failure: unknown = null;
    for (;;) {
      const v = Atomics.load(ctl, TICKET);
      const c = v & MAX_CHUNKS;
      if (c >= chunks) break;
      if (Atomics.compareExchange(ctl, TICKET, v, v + 1) !== v) continue;
      try {
        f(c, chunks, ...a);
      } catch (e) {
        failure ??= e;
      }
      Atomics.add(ctl, DONE, 1);
    }
    this.awaitDone(chunks);
    this.checkError(fn, failure);
  }

  /** Runs kernel `fn` once on each of the first `nt` threads with its own tid (thread setup). */
  private runOn(fn: number, nt: number, a: number[]): void {
    const f = this.fns[fn]!;
    nt = Math.min(nt, this.workers.length + 1);
    if (nt <= 1) {
      f(0, 1, ...a);
      return;
    }
    this.publish(fn, nt, 1, a);
    let failure: unknown = null;
    try {
      f(0, nt, ...a);
    } catch (e) {
      failure = e;
    }
    this.awaitDone(nt - 1);
    this.checkError(fn, failure);
  }
}

let current: Engine | null = null;

/** The process-wide engine, created on first use (threads: ANYECG_THREADS or all cores). */
export function engine(): Engine {
  if (!current) {
    const env = Number(process.env.ANYECG_THREADS);
    const threads = Number.isFinite(env) && env >= 1 ? env : availableParallelism();
    current = new Engine(1);
    current.setThreads(threads);
  }
  return current;
}
