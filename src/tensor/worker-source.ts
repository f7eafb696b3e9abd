/**
 * Source of the kernel worker thread, run with `new Worker(source, { eval: true })` so the same
 * code works from the TypeScript sources (tests) and from the compiled `dist/` (CLI).
 *
 * Protocol over a shared Int32Array `ctl` (dynamic chunking, so a descheduled thread never
 * holds up an op): the main thread closes the ticket (`ctl[TICKET]` = (new op sequence << CHUNK_BITS) |
 * all chunks taken), writes the kernel index, the chunk count and the arguments, zeroes
 * `ctl[DONE]`, opens the ticket (`ctl[TICKET]` = sequence << CHUNK_BITS), then bumps the generation
 * `ctl[GEN]` and notifies. Every thread, the main one included, claims chunk
 * indices by compare-exchange on the ticket, runs kernel(chunk, chunks, ...args) and counts it
 * in `ctl[DONE]`; the main thread returns once all chunks are done. A worker that wakes late
 * finds no chunk left (or a newer op's ticket) and simply waits for the next op. The ticket's
 * sequence bits make a claim from a stale op fail. Kernels split work as thread `tid` of `nt`
 * would, so a chunk is exactly such a share and results do not depend on who ran it.
 *
 * Broadcast ops (`ctl[MODE]` = 1, used to set per-thread scratch) run once on every thread
 * with its own tid instead. A kernel that throws sets `ctl[ERROR]` so the main thread reports
 * it instead of hanging.
 */
export const GEN = 0;
export const DONE = 1;
export const FN = 2;
export const NT = 3;
export const ERROR = 4;
export const TICKET = 5;
export const MODE = 6;
export const MAX_ARGS = 32;
/** Chunk index bits of the ticket; the rest hold the op sequence number. */
export const CHUNK_BITS = 12;
export const MAX_CHUNKS = (1 << CHUNK_BITS) - 1;

export const workerSource = `
const { workerData } = require("node:worker_threads");
const { memory, module, names, tid, ctlBuffer, argsBuffer, gen0 } = workerData;
const ctl = new Int32Array(ctlBuffer);
const args = new Float64Array(argsBuffer);
let fns = [];
try {
  const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error("kernel abort"); } } });
  fns = names.map((n) => instance.exports[n]);
} catch (e) {
  Atomics.store(ctl, ${ERROR}, 2);
}
function call(f, t, n) {
  const a = args;
  try {
    fns[f](t, n, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13],
      a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23], a[24], a[25], a[26], a[27], a[28],
      a[29], a[30], a[31]);
  } catch (e) {
    Atomics.store(ctl, ${ERROR}, 1);
  }
}
let gen = gen0;
for (;;) {
  let spins = 0;
  while (Atomics.load(ctl, ${GEN}) === gen) {
    if (++spins > 2000) Atomics.wait(ctl, ${GEN}, gen);
  }
  gen = Atomics.load(ctl, ${GEN});
  const fn = Atomics.load(ctl, ${FN});
  const mode = Atomics.load(ctl, ${MODE});
  const nt = Atomics.load(ctl, ${NT});
  // a newer op was published while reading: read its fields instead (one being published
  // right now is caught below: its ticket is closed under a newer sequence)
  if (Atomics.load(ctl, ${GEN}) !== gen) continue;
  if (fn < 0) break;
  const seq = gen & ${(1 << (32 - CHUNK_BITS)) - 1};
  if (mode === 1) {
    // the fields may be those of a newer op being published (its ticket is then closed under
    // a newer sequence): run a broadcast only for the op this thread woke for
    if (Atomics.load(ctl, ${TICKET}) >>> ${CHUNK_BITS} !== seq) continue;
    if (tid < nt) {
      call(fn, tid, nt);
      Atomics.add(ctl, ${DONE}, 1);
      Atomics.notify(ctl, ${DONE});
    }
    continue;
  }
  for (;;) {
    const v = Atomics.load(ctl, ${TICKET});
    if (v >>> ${CHUNK_BITS} !== seq) break;
    const n = Atomics.load(ctl, ${NT});
    const c = v & ${MAX_CHUNKS};
    if (c >= n) break;
    if (Atomics.compareExchange(ctl, ${TICKET}, v, v + 1) !== v) continue;
    call(Atomics.load(ctl, ${FN}), c, n);
    if (Atomics.add(ctl, ${DONE}, 1) === n - 1) Atomics.notify(ctl, ${DONE});
  }
}
`;
