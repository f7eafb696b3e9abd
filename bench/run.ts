/**
 * `npm run bench -- <name> [--json] [args...]`: runs bench/<name>.ts. Every benchmark prints a
 * table; with --json its last line of output is one JSON object (what `run` returned).
 * Benchmarks measure speed and quality; they are never tests.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface BenchOptions {
  json: boolean;
  /** Remaining command-line arguments after the name, without --json. */
  args: string[];
}
export type Bench = (opts: BenchOptions) => Promise<Record<string, unknown>>;

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && !["run.ts", "util.ts"].includes(f) && !f.endsWith(".d.ts"))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [--json]\navailable: ${available.join(", ")}`);
  process.exit(2);
}
const json = rest.includes("--json");
const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { default: Bench };
const result = await mod.default({ json, args: rest.filter((a) => a !== "--json") });
if (json) console.log(JSON.stringify(result));
process.exit(0);
