/**
 * A whole curriculum in one command: `anyecg train configs/anyecg-small` runs the stages listed
 * in the folder's `curriculum.json` in order, building the dataset first when its folder has no
 * train.jsonl. Stages already finished (their result.json says so) are skipped and an
 * interrupted one resumes from its state, so the same command, run again after an
 * interruption (or in the next session), continues where the curriculum stopped.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildDataset } from "../data/build.js";
import { loadStageConfig, type ConfigOverrides, type StageConfig } from "./config.js";
import { runStage, type RunStageOptions, type StageResult } from "./stages.js";

export interface Curriculum {
  /** Stage config files, relative to the curriculum folder, in training order. */
  stages: string[];
  /** Seed of the dataset build when the dataset is missing (default 0). */
  datasetSeed?: number;
}

/** Reads `<dir>/curriculum.json`. */
export function readCurriculum(dir: string): Curriculum {
  const file = join(dir, "curriculum.json");
  let c: Curriculum;
  try {
    c = JSON.parse(readFileSync(file, "utf8")) as Curriculum;
  } catch (e) {
    throw new RangeError(`${file}: ${(e as Error).message}`);
  }
  if (!Array.isArray(c.stages) || c.stages.length === 0 || c.stages.some((s) => typeof s !== "string"))
    throw new RangeError(`${file}: stages must list the stage config files in order`);
  return c;
}

/** True when the stage's run folder records a finished run of these settings. */
export function stageDone(c: StageConfig): boolean {
  const file = join(c.out, "result.json");
  if (!existsSync(file)) return false;
  const r = JSON.parse(readFileSync(file, "utf8")) as StageResult;
  return c.kind === "tokenizer"
    ? r.vocabSize !== undefined
    : !!r.loop && !r.loop.stopped && r.loop.step >= c.steps;
}

/** Runs (or continues) every stage; stops early when a stage is interrupted. */
export async function runCurriculum(
  dir: string,
  overrides: ConfigOverrides = {},
  opts: RunStageOptions = {},
  log: (line: string) => void = (l) => process.stderr.write(l + "\n"),
): Promise<StageResult[]> {
  const cur = readCurriculum(dir);
  const configs = cur.stages.map((s) => loadStageConfig(join(dir, s), overrides));
  const results: StageResult[] = [];
  for (const c of configs) {
    if (stageDone(c)) {
      log(`${c.name}: done (${join(c.out, "result.json")}), skipped`);
      continue;
    }
    if (!existsSync(join(c.dataset, "train.jsonl"))) {
      log(`building the dataset from ${c.data} into ${c.dataset}`);
      await buildDataset({ dataDir: c.data, outDir: c.dataset, seed: cur.datasetSeed ?? 0 });
    }
    const r = await runStage(c, { ...opts, resume: true });
    results.push(r);
    if (r.loop?.stopped) break;
  }
  return results;
}
