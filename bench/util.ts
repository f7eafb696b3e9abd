/** Shared helpers for benchmarks: tables, timing, and the PyTorch peer. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const dataDir: string = resolve(process.env.ANYECG_DATA ?? join(repoRoot, "..", "shared", "data"));
export const sharedBenchDir: string = resolve(dataDir, "..", "bench");

/** Prints rows as an aligned text table. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? "").length)));
  for (const [k, r] of cells.entries()) {
    console.log(r.map((c, i) => String(c ?? "").padEnd(widths[i]!)).join("  "));
    if (k === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(3) : x.toPrecision(3);
}

/** Best and median of `reps` timed runs (after one warm-up), in seconds. */
export async function timeIt(fn: () => unknown, reps: number): Promise<{ best: number; median: number }> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  return { best: times[0]!, median: times[Math.floor(times.length / 2)]! };
}

/**
 * Runs `/usr/bin/python3 ../shared/bench/torch_reference.py <args>` and returns its last JSON
 * line, or null (with the reason) when PyTorch or the script is not available.
 */
export function runTorchPeer(args: string[]): { result: Record<string, unknown> | null; reason?: string } {
  const script = join(sharedBenchDir, "torch_reference.py");
  if (!existsSync(script)) return { result: null, reason: `${script} not found` };
  const p = spawnSync("/usr/bin/python3", [script, ...args], { encoding: "utf8" });
  if (p.status !== 0) {
    const why = /No module named 'torch'/.test(p.stderr)
      ? "PyTorch is not installed (apt-get install -y python3-torch)"
      : (p.stderr || p.error?.message || "failed").trim().split("\n").pop()!;
    return { result: null, reason: why };
  }
  const line = p.stdout.trim().split("\n").pop()!;
  return { result: JSON.parse(line) as Record<string, unknown> };
}

/** The value after `name` on the command line, if given. */
export function arg(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
