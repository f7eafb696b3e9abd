/** `anyecg plot <file> --out f.svg`: the waveform on standard ECG paper. */
import type { Command } from "commander";
import { writeFile } from "node:fs/promises";
import { readEcg } from "../ecg/read.js";
import { plotEcgSvg } from "../ecg/svg.js";
import { writeNewFile } from "./files.js";

interface PlotFlags {
  out: string;
  start?: number;
  duration?: number;
  leads?: string[];
  fs?: number;
  force?: boolean;
}

export function registerPlotCommand(program: Command): void {
  program
    .command("plot")
    .description("draw an ECG on standard ECG paper (25 mm/s, 10 mm/mV) as SVG")
    .argument("<file>", "ECG file")
    .requiredOption("-o, --out <file.svg>", "SVG file to write")
    .option("--start <s>", "first second shown", Number)
    .option("--duration <s>", "seconds shown (default: 10 s for 12-lead records, else all)", Number)
    .option("--leads <names...>", "leads to draw (default: all)")
    .option("--fs <hz>", "sampling rate, for CSV files without a time column", Number)
    .option("-f, --force", "overwrite the output file if it exists")
    .action(async (file: string, opts: PlotFlags) => {
      const ecg = await readEcg(file, { fs: opts.fs });
      const svg = plotEcgSvg(ecg, { start: opts.start, duration: opts.duration, leads: opts.leads });
      await (opts.force ? writeFile(opts.out, svg) : writeNewFile(opts.out, svg));
      console.log(`wrote ${opts.out}`);
    });
}
