/**
 * `anyecg chat <ecg...>`: a multi-turn conversation in the terminal. Answers stream as they are
 * generated. Commands: /add <file> shows another ECG, /plot <file.svg> draws the last answer's
 * intervals, /reset starts over with the same ECGs, /quit (or Ctrl-D) leaves.
 */
import type { Command } from "commander";
import { createInterface } from "node:readline/promises";
import { writeFile } from "node:fs/promises";
import type { AnyEcgMessage } from "../model/index.js";
import type { Ecg } from "../ecg/record.js";
import { NO_TOOLS_HELP, answerPlot, loadModel, readEcgFiles } from "./conversation.js";

interface ChatFlags {
  model?: string;
  fs?: number;
  maxTokens: number;
  tools: boolean;
}

const HELP = "commands: /add <file>  /plot <file.svg>  /reset  /quit";

export function registerChatCommand(program: Command): void {
  program
    .command("chat")
    .description("talk about one or several ECGs in the terminal (/add, /plot, /reset, /quit)")
    .argument("[ecg...]", "ECG files to start with")
    .option("--model <dir>", "model folder (default: the shipped models/anyecg-small)")
    .option("--fs <hz>", "sampling rate, for CSV files without a time column", Number)
    .option("--max-tokens <n>", "longest answer, in tokens", Number, 256)
    .option("--no-tools", NO_TOOLS_HELP)
    .action(async (files: string[], opts: ChatFlags) => {
      const model = await loadModel(opts.model);
      const ecgs: Ecg[] = await readEcgFiles(files, opts.fs);
      let pending: Ecg[] = [...ecgs]; // shown with the next user message
      let messages: AnyEcgMessage[] = [];
      let lastAnswer = "";
      const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "> " });
      console.log(`${ecgs.length} ECG(s) loaded. ${HELP}`);
      rl.prompt();
      // The async iterator queues the lines typed (or piped) while an answer is generated.
      for await (const raw of rl) {
        const line = raw.trim();
        if (!line) {
          rl.prompt();
          continue;
        }
        const [cmd, ...rest] = line.split(/\s+/);
        const arg = rest.join(" ");
        if (cmd === "/quit" || cmd === "/exit") break;
        try {
          if (cmd === "/reset") {
            messages = [];
            pending = [...ecgs];
            console.log("conversation cleared");
          } else if (cmd === "/add") {
            const [ecg] = await readEcgFiles([arg], opts.fs);
            ecgs.push(ecg!);
            pending.push(ecg!);
            console.log(`added ECG ${ecgs.length}: ${ecg!.name}`);
          } else if (cmd === "/plot") {
            if (!ecgs.length || !arg) throw new RangeError("usage: /plot <file.svg> (after an answer)");
            await writeFile(arg, answerPlot(ecgs[ecgs.length - 1]!, lastAnswer));
            console.log(`wrote ${arg}`);
          } else if (cmd!.startsWith("/")) {
            console.log(HELP);
          } else {
            messages.push({ role: "user", content: line, ecgs: pending });
            pending = [];
            lastAnswer = await model.chat({
              messages,
              maxTokens: opts.maxTokens,
              tools: opts.tools,
              onToken: (t) => process.stdout.write(t),
            });
            process.stdout.write("\n");
            messages.push({ role: "assistant", content: lastAnswer });
          }
        } catch (err) {
          console.error(`anyecg: ${err instanceof Error ? err.message : String(err)}`);
        }
        rl.prompt();
      }
      rl.close();
      model.dispose();
    });
}
