// Entry point of the compute kernels (compiled to build/kernels.wasm by scripts/build-wasm.mjs).
// Parallel kernels take (tid, nt) first; the JS side (src/tensor/engine.ts) calls them on every
// thread with the same remaining arguments.
export { setScratch } from "./common";
export { gemm, gemmScratchBytes, gemmPackB, gemmPacked, gemmPackedBytes } from "./gemm";
export {
  unary,
  unaryBwd,
  swiglu,
  swigluBwd,
  binary,
  axpby,
  fill,
  copy4d,
  chunkSums,
  colSum,
} from "./elementwise";
export { normFwd, normBwdX, normBwdW, softmax, softmaxBwd } from "./norm";
export { attnFwd, attnBwd, attnScratchBytes } from "./attention";
export { ceFwd, ceBwd, embFwd, embBwd, rope, adamw } from "./misc";
