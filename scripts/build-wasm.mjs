// Compiles the AssemblyScript compute kernels (src/tensor/kernels) to build/kernels.wasm (SIMD)
// and build/kernels-relaxed.wasm (SIMD + relaxed SIMD: fused multiply-add in the matrix
// product; the engine uses it when the runtime supports it).
// Runs in `npm ci` (via `prepare`) and before the tests, so a fresh clone always has them.
import { existsSync, statSync, readdirSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "src/tensor/kernels");
const outputs = [
  { file: join(root, "build/kernels.wasm"), features: ["simd", "threads"] },
  { file: join(root, "build/kernels-relaxed.wasm"), features: ["simd", "threads", "relaxed-simd"] },
];
if (!existsSync(join(srcDir, "index.ts"))) {
  console.log("build-wasm: no kernels yet (src/tensor/kernels/index.ts), skipping");
  process.exit(0);
}
const newest = Math.max(
  ...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs),
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
);
const fresh = (f) => existsSync(f) && statSync(f).mtimeMs > newest;
if (outputs.every((o) => fresh(o.file)) && !process.argv.includes("--force")) process.exit(0);
const asc = join(root, "node_modules/assemblyscript/bin/asc.js");
for (const { file, features } of outputs) {
  mkdirSync(dirname(file), { recursive: true });
  execFileSync(
    process.execPath,
    [
      asc,
      join(srcDir, "index.ts"),
      "--outFile",
      file,
      "--textFile",
      file.replace(/\.wasm$/, ".wat"),
      "--optimizeLevel",
      "3",
      "--shrinkLevel",
      "0",
      "--noAssert",
      ...features.flatMap((f) => ["--enable", f]),
      "--importMemory",
      "--sharedMemory",
      "--initialMemory",
      "256",
      "--maximumMemory",
      "65536",
      "--runtime",
      "stub",
      "--disableWarning",
      "112",
    ],
    { stdio: "inherit", cwd: root },
  );
  console.log(`build-wasm: wrote ${file}`);
}
