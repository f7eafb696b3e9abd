/** `anyecg ask <ecg...> "<question>"`: one question about one or several ECGs, one answer. */
import type { Command } from "commander";
import { writeFile } from "node:fs/promises";
import { NO_TOOLS_HELP, answerIntervals, answerPlot, loadModel, readEcgFiles } from "./conversation.js";
import { writeNewFile } from "./files.js";
import { BEAT_TOOL } from "../model/beat-tool.js";

interface AskFlags {
  model?: string;
  json?: boolean;
  plot?: string;
  force?: boolean;
  fs?: number;
  maxTokens: number;
  temperature: number;
  tools: boolean;
}

export function registerAskCommand(program: Command): void {
  program
    .command("ask")
    .description("ask a question about one or several ECGs (the answer streams as it is written)")
    .argument(
      "<ecg...>",
      'ECG file(s) followed by the question, e.g. 101.hea "Is there atrial fibrillation?"',
    )
    .option("--model <dir>", "model folder (default: the shipped models/anyecg-small)")
    .option(
      "--json",
      "print one JSON object: answer, intervals, ECGs (with what the record classifiers read)",
    )
    .option("--plot <file.svg>", "draw the (first) ECG with the answer's intervals highlighted")
    .option("-f, --force", "overwrite the --plot file if it exists")
    .option("--fs <hz>", "sampling rate, for CSV files without a time column", Number)
    .option("--max-tokens <n>", "longest answer, in tokens", Number, 256)
    .option("--temperature <t>", "0 = greedy and deterministic (default)", Number, 0)
    .option("--no-tools", NO_TOOLS_HELP)
    .action(async (args: string[], opts: AskFlags) => {
      if (args.length < 2)
        throw new RangeError('give at least one ECG file and a question: anyecg ask 101.hea "..."');
      const question = args[args.length - 1]!;
      const ecgs = await readEcgFiles(args.slice(0, -1), opts.fs);
      const model = await loadModel(opts.model);
      const stream = !opts.json && process.stdout.isTTY;
      const { text: answer, tool } = await model.answer({
        ecgs,
        messages: [{ role: "user", content: question }],
        maxTokens: opts.maxTokens,
        temperature: opts.temperature,
        tools: opts.tools,
        onToken: stream ? (t) => process.stdout.write(t) : undefined,
      });
      if (opts.json) {
        const info = ecgs.map((e) => {
          const found = model.recordFindings(e);
          return {
            name: e.name,
            fs: e.fs,
            leads: e.leads,
            durationSeconds: e.signals[0]!.length / e.fs,
            ...(found ? { recordFindings: found.map((f) => ({ name: f.name, p: Math.round(f.p * 1000) / 1000 })) } : {}), // prettier-ignore
          };
        });
        const source = tool ? { tool: BEAT_TOOL } : {};
        console.log(JSON.stringify({ question, answer, intervals: answerIntervals(answer), ...source, ecgs: info })); // prettier-ignore
      } else {
        process.stdout.write(stream ? "\n" : `${answer}\n`);
        if (tool) console.error(`(answered by the ${BEAT_TOOL}; --no-tools for the model's own answer)`);
      }
      if (opts.plot) {
        const svg = answerPlot(ecgs[0]!, answer);
        await (opts.force ? writeFile(opts.plot, svg) : writeNewFile(opts.plot, svg));
        if (!opts.json) console.log(`wrote ${opts.plot}`);
      }
    });
}
