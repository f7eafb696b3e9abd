/**
 * `anyecg eval --data <file> (--model <dir> | --baseline constant|classical) [--ecg-root name=dir ...]
 *  [--task t ...] [--limit n] [--labels set,...] [--scorer a|b|both] [--out dir] [--json]`: answers
 * every example of a data file (ours or the paper's) and scores the answers with the paper's
 * metrics (src/eval). Reports are also scored on label sets (`--labels`, default every set that
 * fits a dataset of the file) by macro AUC with scorer (a) statements matched to label names
 * and (b) the model's likelihood of each label's statement.
 */
import type { Command } from "commander";
import { parseEcgRoots, readExamples } from "../eval/examples.js";
import { chooseLabelSets, LABEL_SET_NAMES, parseScorer } from "../eval/label-sets.js";
import { resultsJson, resultsText, writeResults } from "../eval/report.js";
import { runEval, selectExamples } from "../eval/runner.js";
import { createPredictor } from "../eval/setup.js";

const collect = (v: string, prev: string[]): string[] => [...prev, v];

interface EvalOptions {
  model?: string;
  data: string;
  ecgRoot: string[];
  task: string[];
  limit?: string;
  perGroup?: string;
  json: boolean;
  out?: string;
  baseline?: string;
  tools: boolean;
  train?: string;
  trainData?: string;
  classicalCache?: string;
  labels: string[];
  scpStatements?: string;
  scorer: string;
}

export function registerEvalCommand(program: Command): void {
  program
    .command("eval")
    .description("answer the examples of a data file and score the answers (the paper's metrics)")
    .requiredOption("--data <file>", "examples: our JSONL or the paper's JSON array")
    .option("--model <dir>", "model folder (config.json, tokenizer.json, model.safetensors)")
    .option("--baseline <name>", "run a baseline instead of a model: constant or classical")
    .option("--tools", "let the beat tool answer the localizations it knows (as ask and serve do)", false)
    .option(
      "--ecg-root <name=dir>",
      "ECG folder for a dataset (repeatable); a bare dir serves every other dataset",
      collect,
      [],
    )
    .option("--task <task>", "only this task (repeatable or comma-separated)", collect, [])
    .option("--limit <n>", "only the first n examples (after --task)")
    .option("--per-group <n>", "only n examples of each task and dataset, spread over the file")
    .option("--out <dir>", "write predictions.jsonl, results.json, results.md here (resumes a run)")
    .option(
      "--labels <sets>",
      `report label sets (repeatable or comma-separated; default: those that fit the file's datasets; none): ${LABEL_SET_NAMES.join(", ")}`,
      collect,
      [],
    )
    .option(
      "--scp-statements <file>",
      "PTB-XL's scp_statements.csv for the ptbxl-* label sets (default: found beside the ptb-xl records)",
    )
    .option(
      "--scorer <a|b|both>",
      "report AUC scorer: a = statements matched to label names, b = the model's likelihood",
      "both",
    )
    .option("--json", "print the results as JSON instead of a table", false)
    .option("--train <file>", "constant baseline: training examples (default: train.jsonl beside --data)")
    .option(
      "--train-data <dir>",
      "classical baseline: folder with mitdb/ to train on (default: $ANYECG_DATA)",
    )
    .option(
      "--classical-cache <file>",
      "classical baseline: trained model cache",
      "runs/classical/model.json",
    )
    .action(async (o: EvalOptions) => {
      const started = Date.now();
      const tasks = o.task
        .flatMap((t) => t.split(","))
        .map((t) => t.trim())
        .filter(Boolean);
      const examples = selectExamples(readExamples(o.data), {
        tasks,
        ...(o.limit === undefined ? {} : { limit: Number(o.limit) }),
        ...(o.perGroup === undefined ? {} : { perGroup: Number(o.perGroup) }),
      });
      const roots = parseEcgRoots(o.ecgRoot);
      const scorer = parseScorer(o.scorer);
      const labels = chooseLabelSets({
        specs: o.labels,
        examples,
        roots,
        ...(o.scpStatements ? { scpFile: o.scpStatements } : {}),
      });
      if (labels.note) console.error(`anyecg eval: ${labels.note}`);
      const predictor = await createPredictor({
        dataFile: o.data,
        ...(o.model ? { model: o.model } : {}),
        ...(o.baseline ? { baseline: o.baseline } : {}),
        ...(o.tools ? { tools: true } : {}),
        ...(o.train ? { trainFile: o.train } : {}),
        ...(o.trainData ? { trainData: o.trainData } : {}),
        ...(o.classicalCache ? { classicalCache: o.classicalCache } : {}),
      });
      const result = await runEval({
        examples,
        dataFile: o.data,
        roots,
        predictor,
        labelSets: labels.sets,
        scorer, // (b) needs the model's likelihood: a baseline's reports get (a) rows only
        ...(o.out ? { outDir: o.out } : {}),
      });
      const meta = {
        data: o.data,
        command: `anyecg ${process.argv.slice(2).join(" ")}`,
        seconds: (Date.now() - started) / 1000,
      };
      const files = o.out ? writeResults(o.out, result, meta) : [];
      if (o.json) console.log(JSON.stringify(resultsJson(result, meta)));
      else {
        console.log(resultsText(result));
        if (result.unreadable.length)
          console.log(`\n${result.unreadable.length} unreadable answer(s), scored 0`);
        if (files.length) console.log(`\nwrote ${[...files, `${o.out}/predictions.jsonl`].join(", ")}`);
      }
    });
}
