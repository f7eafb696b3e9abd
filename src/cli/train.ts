/**
 * `anyecg train <config> [--resume] [--data <dir>] [--dataset <dir>] [--out <dir>] [--runs <dir>]`:
 * runs one stage of the curriculum from its config file; given a folder with a curriculum.json
 * (`anyecg train configs/anyecg-small`), runs every stage in order, building the dataset first
 * and skipping finished stages (see src/train/stages.ts for what produces models/anyecg-small).
 * Ctrl-C or SIGTERM stops after the current step with the state saved; the same command (with
 * --resume for a single stage) continues exactly where it stopped.
 */
import type { Command } from "commander";
import { statSync } from "node:fs";
import { loadStageConfig } from "../train/config.js";
import { runCurriculum } from "../train/curriculum.js";
import { runStage, type StageResult } from "../train/stages.js";
import { formatSeconds } from "../data/progress.js";

interface TrainCliOptions {
  resume: boolean;
  data?: string;
  dataset?: string;
  out?: string;
  runs?: string;
}

export function registerTrainCommand(program: Command): void {
  program
    .command("train")
    .description("run one training stage from its config file (configs/<model>/<stage>.json)")
    .argument("<config>", "stage config file (configs/anyecg-small/stage1.json) or curriculum folder")
    .option("--resume", "continue the run in the output folder from its saved state", false)
    .option("--data <dir>", "folder the examples' ECG paths are relative to (default: the config's)")
    .option("--dataset <dir>", "folder with train.jsonl and valid.jsonl (default: the config's)")
    .option("--out <dir>", "run folder (default: the config's, runs/<name>)")
    .option("--runs <dir>", "folder standing for runs/ in the config's paths (default: runs)")
    .action(async (file: string, o: TrainCliOptions) => {
      const overrides = { data: o.data, dataset: o.dataset, out: o.out, runs: o.runs };
      if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
        if (o.out) throw new RangeError("--out names one stage's folder: use --runs with a curriculum");
        const results = await runCurriculum(file, overrides, { handleSignals: true });
        for (const r of results) summarize(r);
        if (results.some((r) => r.loop?.stopped)) stoppedNote(`anyecg train ${file}`);
        return;
      }
      const config = loadStageConfig(file, overrides);
      const r = await runStage(config, { resume: o.resume, handleSignals: true });
      summarize(r, config.steps);
      if (r.loop?.stopped) stoppedNote(`anyecg train ${file} --resume`);
    });
}

function summarize(r: StageResult, steps?: number): void {
  const parts = [`${r.name}: ${r.kind} stage`];
  if (r.vocabSize)
    parts.push(`vocabulary ${r.vocabSize}, ${r.tokensPerAnswer!.toFixed(1)} tokens per answer`);
  if (r.loop) {
    parts.push(
      `${r.loop.step}${steps ? `/${steps}` : ""} steps, ${r.loop.stepsPerSecond.toFixed(3)} steps/s`,
    );
    parts.push(`${Math.round(r.loop.tokensPerSecond)} tokens/s`);
    if (r.loop.bestValid !== null)
      parts.push(`best validation loss ${r.loop.bestValid.toFixed(4)} at step ${r.loop.bestStep}`);
  }
  parts.push(`in ${formatSeconds(r.seconds)}; written to ${r.out}`);
  process.stderr.write(parts.join(", ") + "\n");
}

function stoppedNote(command: string): void {
  process.stderr.write(`stopped with the state saved: continue with ${command}\n`);
  process.exitCode = 130;
}
