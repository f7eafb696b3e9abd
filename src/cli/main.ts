#!/usr/bin/env node
/**
 * The `anyecg` command. Each subcommand lives in its own module and registers itself here;
 * this file only wires them up and turns errors into one clear line and a non-zero exit.
 */
import { Command, CommanderError } from "commander";
import { InputError } from "../errors.js";
import { registerInfoCommand } from "./info.js";
import { registerPlotCommand } from "./plot.js";
import { registerConvertCommand } from "./convert.js";
import { registerDatasetCommand } from "./dataset.js";
import { registerTrainCommand } from "./train.js";
import { registerEvalCommand } from "./eval.js";
import { registerServeCommand } from "./serve.js";
import { registerAskCommand } from "./ask.js";
import { registerChatCommand } from "./chat.js";

export function buildProgram(): Command {
  const program = new Command()
    .name("anyecg")
    .description(
      "A generalist ECG language model and toolkit: read, inspect, plot and ask questions about ECGs",
    )
    .version("0.1.0")
    .showHelpAfterError();
  registerAskCommand(program);
  registerChatCommand(program);
  registerInfoCommand(program);
  registerPlotCommand(program);
  registerConvertCommand(program);
  registerDatasetCommand(program);
  registerTrainCommand(program);
  registerEvalCommand(program);
  registerServeCommand(program);
  return program;
}

async function main(): Promise<void> {
  // `anyecg info x | head` closes our stdout early: that is the reader's choice, not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    const known = err instanceof InputError || err instanceof RangeError;
    const message = err instanceof Error ? err.message : String(err);
    console.error(`anyecg: ${message}`);
    if (!known && process.env.ANYECG_DEBUG && err instanceof Error) console.error(err.stack);
    process.exit(1);
  }
}

await main();
