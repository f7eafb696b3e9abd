/** `anyecg convert <in> <out>`: between the formats we read and write, exactly. */
import type { Command } from "commander";
import { readEcg } from "../ecg/read.js";
import { writeEcg } from "../ecg/write.js";

export function registerConvertCommand(program: Command): void {
  program
    .command("convert")
    .description("convert an ECG between formats (output by extension: .hea (WFDB), .csv, .json)")
    .argument("<in>", "ECG file to read")
    .argument("<out>", "file to write")
    .option("--format <code>", "WFDB signal format: 16 or 212", "16")
    .option("--fs <hz>", "sampling rate, for CSV input without a time column", Number)
    .option("-f, --force", "overwrite existing output files")
    .action(async (input: string, output: string, opts: { format: string; fs?: number; force?: boolean }) => {
      const ecg = await readEcg(input, { fs: opts.fs });
      const format = Number(opts.format);
      if (format !== 16 && format !== 212)
        throw new RangeError(`--format must be 16 or 212, not ${opts.format}`);
      const written = await writeEcg(ecg, output, { format, overwrite: !!opts.force });
      console.log(`wrote ${written.join(", ")}`);
    });
}
