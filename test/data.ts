/**
 * Locates the shared real-data folder for tests and benchmarks: `ANYECG_DATA`, defaulting to
 * `../shared/data`. Tests that need it use `describeData`, which skips with a printed reason when
 * the folder is absent (a fresh clone without it still passes).
 */
import { existsSync } from "node:fs";
import { resolve, join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "vitest";
import type { EcgAnnotation } from "../src/ecg/record.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const dataDir: string = resolve(process.env.ANYECG_DATA ?? join(repoRoot, "..", "shared", "data"));
export const hasData: boolean = existsSync(join(dataDir, "README.md"));
export const samplesDir: string = join(repoRoot, "samples");

/** Path inside the shared data folder. */
export function dataPath(...parts: string[]): string {
  return join(dataDir, ...parts);
}

let warned = false;
/** Like `describe`, but skipped (with a printed reason) when the shared data folder is missing. */
export function describeData(name: string, fn: () => void): void {
  if (!hasData && !warned) {
    warned = true;
    console.warn(`[anyecg tests] ${dataDir} not found (set ANYECG_DATA): skipping tests on shared data`);
  }
  (hasData ? describe : describe.skip)(name, fn);
}

/** A WFDB-style annotation for synthetic tests (subtype, channel and num 0). */
export function annotation(sample: number, code: string, aux?: string): EcgAnnotation {
  return { sample, code, subtype: 0, channel: 0, num: 0, ...(aux ? { aux } : {}) };
}
