/**
 * Source of the kernel worker thread, run with `new Worker(source, { eval: true })` so the same
 * code works from the TypeScript sources (tests) and from the compiled `dist/` (CLI).
 *
 * Protocol over a shared Int32Array `ctl`: the main thread writes the kernel index, thread count
 * and arguments, then bumps the generation `ctl[GEN]` and notifies; each worker with
 * tid < nt runs its share and decrements `ctl[PENDING]`; the last one notifies the main thread.
 * A kernel that throws sets `ctl[ERROR]` so the main thread reports it instead of hanging.
 */
export const GEN = 0;
export const PENDING = 1;
export const FN = 2;
export const NT = 3;
export const ERROR = 4;
export const MAX_ARGS = 32;

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
let gen = gen0;
for (;;) {
  let spins = 0;
  while (Atomics.load(ctl, ${GEN}) === gen) {
    if (++spins > 2000) Atomics.wait(ctl, ${GEN}, gen);
  }
  gen = Atomics.load(ctl, ${GEN});
  const fn = Atomics.load(ctl, ${FN});
  if (fn < 0) break;
  const nt = Atomics.load(ctl, ${NT});
  if (tid >= nt) continue;
  try {
    const a = args;
    fns[fn](tid, nt, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13],
      a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23], a[24], a[25], a[26], a[27], a[28],
      a[29], a[30], a[31]);
  } catch (e) {
    Atomics.store(ctl, ${ERROR}, 1);
  }
  if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
}
`;
