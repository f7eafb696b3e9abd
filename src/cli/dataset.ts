/**
 * `anyecg dataset build --data <dir> --out <dir> [--seed n] [--force]`: builds the training and
 * validation files from the source databases (see src/data/build.ts).
 */
import type { Command } from "commander";
import { buildDataset, SOURCE_NAMES, type SourceName } from "../data/build.js";

export function registerDatasetCommand(program: Command): void {
  const dataset = program.command("dataset").description("build the anyECG training data");
  dataset
    .command("build")
    .description("build train.jsonl, valid.jsonl and stats.json from the source databases")
    .requiredOption(
      "--data <dir>",
      "folder with mitdb/, ptbxl/, ludb/, cpsc2021/, cinc2017/, cinc2021/, ecgqa/",
    )
    .requiredOption("--out <dir>", "output folder")
    .option("--seed <n>", "random seed (same seed, same bytes)", "0")
    .option("--sources <list>", `comma-separated subset of ${SOURCE_NAMES.join(",")}`)
    .option("--limit <n>", "use only the first n records of each source (quick builds)")
    .option("--force", "overwrite existing output files", false)
    .action(
      async (o: {
        data: string;
        out: string;
        seed: string;
        sources?: string;
        limit?: string;
        force: boolean;
      }) => {
        const seed = Number(o.seed);
        if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, not "${o.seed}"`);
        const sources = o.sources?.split(",").map((s) => s.trim()) as SourceName[] | undefined;
        const unknown = sources?.filter((s) => !SOURCE_NAMES.includes(s));
        if (unknown?.length) throw new Error(`unknown source(s): ${unknown.join(", ")}`);
        const limit = o.limit === undefined ? undefined : Number(o.limit);
        const started = Date.now();
        const res = await buildDataset({
          dataDir: o.data,
          outDir: o.out,
          seed,
          sources,
          limit,
          force: o.force,
        });
        process.stderr.write(
          `wrote ${res.files.join(", ")} (${res.stats.total} examples) in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
        );
      },
    );
}
