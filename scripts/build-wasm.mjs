// Compiles the AssemblyScript compute kernels (src/tensor/kernels) to build/kernels.wasm.
// Runs in `npm ci` (via `prepare`) and before the tests, so a fresh clone always has them.
import { existsSync, statSync, readdirSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "src/tensor/kernels");
const out = join(root, "build/kernels.wasm");
if (!existsSync(join(srcDir, "index.ts"))) {
  console.log("build-wasm: no kernels yet (src/tensor/kernels/index.ts), skipping");
  process.exit(0);
}
const newest = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs));
if (existsSync(out) && statSync(out).mtimeMs > newest && !process.argv.includes("--force")) process.exit(0);
mkdirSync(dirname(out), { recursive: true });
const asc = join(root, "node_modules/assemblyscript/bin/asc.js");
execFileSync(
  process.execPath,
  [
    asc,
    join(srcDir, "index.ts"),
    "--outFile",
    out,
    "--textFile",
    out.replace(/\.wasm$/, ".wat"),
    "--optimizeLevel",
    "3",
    "--shrinkLevel",
    "0",
    "--noAssert",
    "--enable",
    "simd",
    "--enable",
    "threads",
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
console.log(`build-wasm: wrote ${out}`);
