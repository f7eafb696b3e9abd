/**
 * The dataset build: loads every source database found under the data folder, generates every
 * task's examples, adds reduced-lead copies, and writes `train.jsonl`, `valid.jsonl` and
 * `stats.json`, printing a table.
 *
 * Only headers, annotations and metadata are read (never samples), so a full build from the
 * shared data takes seconds; resuming is therefore moot, and outputs are written atomically
 * (an interrupted build leaves the previous files or none, never a partial one).
 * Deterministic: the same data and seed give the same bytes.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { exampleToJson, type LabeledExample } from "./example.js";
import { writeJsonl } from "./jsonl.js";
import { Progress, type ProgressSink } from "./progress.js";
import { loadCinc2017, type Cinc2017Record } from "./sources/cinc2017.js";
import { loadCinc2021, type Cinc2021Record } from "./sources/cinc2021.js";
import { loadCpsc2021 } from "./sources/cpsc2021.js";
import { loadEcgqaQuestions, loadEcgqaTemplates } from "./sources/ecgqa.js";
import { loadLudb, type LudbRecord } from "./sources/ludb.js";
import { loadMitdb, type AnnotatedRecord } from "./sources/mitdb.js";
import { loadPtbxl, type Ptbxl } from "./sources/ptbxl.js";
import { DATASET } from "./example.js";
import { ecgqaDatasetExamples, ecgqaGeneratedExamples } from "./tasks/ecgqa.js";
import { annotatedLocationExamples, ludbLocationExamples } from "./tasks/location.js";
import { multiExamples } from "./tasks/multi.js";
import { reducedLeadExamples } from "./tasks/reduced-leads.js";
import { reportExamples } from "./tasks/report.js";
import { buildStats, formatStatsTable, type DatasetStats } from "./stats.js";

export const SOURCE_NAMES = ["mitdb", "ptbxl", "ludb", "cpsc2021", "cinc2017", "cinc2021", "ecgqa"] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface BuildOptions {
  dataDir: string;
  outDir: string;
  seed?: number;
  /** Overwrite existing output files (otherwise an existing train.jsonl is an error). */
  force?: boolean;
  /** Only these sources (default: every one whose folder exists). */
  sources?: readonly SourceName[];
  /** Use only the first `limit` records of each record-based source (quick builds, tests). */
  limit?: number;
  /** Where progress lines and the table go; null for silence. */
  log?: ProgressSink | null;
}

export interface BuildResult {
  examples: LabeledExample[];
  stats: DatasetStats;
  files: string[];
}

interface Loaded {
  mitdb?: AnnotatedRecord[];
  cpsc2021?: AnnotatedRecord[];
  ptbxl?: Ptbxl;
  ludb?: LudbRecord[];
  cinc2017?: Cinc2017Record[];
  cinc2021?: Cinc2021Record[];
}

const FOLDER: Record<SourceName, string> = {
  mitdb: "mitdb",
  ptbxl: "ptbxl",
  ludb: "ludb",
  cpsc2021: "cpsc2021",
  cinc2017: "cinc2017",
  cinc2021: "cinc2021",
  ecgqa: "ecgqa",
};

async function withProgress<T>(
  label: string,
  log: ProgressSink | null,
  load: (onRecord: (i: number, total: number) => void) => Promise<T>,
): Promise<T> {
  let bar: Progress | null = null;
  const res = await load((i, total) => {
    bar ??= new Progress(label, total, "records", log);
    bar.tick(i === 0 ? 0 : 1);
  });
  if (bar) {
    (bar as Progress).tick();
    (bar as Progress).finish();
  }
  return res;
}

function limited<T>(items: T[], limit?: number): T[] {
  return limit === undefined ? items : items.slice(0, limit);
}

/** Builds the dataset; see the module comment. */
export async function buildDataset(opts: BuildOptions): Promise<BuildResult> {
  const seed = opts.seed ?? 0;
  const log = opts.log === undefined ? process.stderr : opts.log;
  if (!existsSync(opts.dataDir)) throw new InputError(opts.dataDir, "data folder not found");
  const trainFile = join(opts.outDir, "train.jsonl");
  if (!opts.force && existsSync(trainFile))
    throw new InputError(trainFile, "already exists (use --force to overwrite)");
  const wanted = (opts.sources ?? SOURCE_NAMES).filter((s) => existsSync(join(opts.dataDir, FOLDER[s])));
  const has = (s: SourceName) => wanted.includes(s);
  const L: Loaded = {};
  const d = opts.dataDir;
  // `limit` trims after loading (loading everything takes seconds): records are in sorted order.
  if (has("mitdb")) L.mitdb = limited(await withProgress("mitdb", log, (cb) => loadMitdb(d, cb)), opts.limit);
  if (has("cpsc2021"))
    L.cpsc2021 = limited(await withProgress("cpsc2021", log, (cb) => loadCpsc2021(d, cb)), opts.limit);
  if (has("ludb")) L.ludb = limited(await withProgress("ludb", log, (cb) => loadLudb(d, cb)), opts.limit);
  if (has("cinc2021"))
    L.cinc2021 = limited(await withProgress("cinc2021", log, (cb) => loadCinc2021(d, cb)), opts.limit);
  if (has("cinc2017")) L.cinc2017 = limited(await loadCinc2017(d), opts.limit);
  if (has("ptbxl")) {
    const p = await loadPtbxl(d);
    L.ptbxl = { ...p, records: limited(p.records, opts.limit) };
  }

  const steps: [string, () => Promise<LabeledExample[]> | LabeledExample[]][] = [
    ["report", () => reportExamples(L, seed)],
    ["location mitdb", () => annotatedLocationExamples(L.mitdb ?? [], DATASET.mitdb, seed)],
    ["location cpsc2021", () => annotatedLocationExamples(L.cpsc2021 ?? [], DATASET.cpsc2021, seed)],
    ["location ludb", () => ludbLocationExamples(L.ludb ?? [], seed)],
    [
      "ecgqa",
      async () => {
        if (!has("ecgqa") || !L.ptbxl) return [];
        const templates = await loadEcgqaTemplates(d);
        const own = ecgqaDatasetExamples(await loadEcgqaQuestions(d), L.ptbxl);
        return [...own, ...ecgqaGeneratedExamples(templates, L.ptbxl, seed)];
      },
    ],
    ["multi", () => multiExamples(L, seed)],
  ];
  const examples: LabeledExample[] = [];
  const bar = new Progress("tasks", steps.length + 1, "steps", log);
  for (const [, run] of steps) {
    examples.push(...(await run()));
    bar.tick();
  }
  examples.push(...reducedLeadExamples(examples, seed));
  bar.tick();
  bar.finish();

  const ids = new Set<string>();
  for (const e of examples) {
    if (ids.has(e.example.id)) throw new Error(`duplicate example id ${e.example.id} (a builder bug)`);
    ids.add(e.example.id);
  }

  await mkdir(opts.outDir, { recursive: true });
  const files: string[] = [];
  for (const split of ["train", "valid"] as const) {
    const file = join(opts.outDir, `${split}.jsonl`);
    const lines = examples.filter((e) => e.example.split === split).map((e) => exampleToJson(e.example));
    await writeJsonl(file, lines);
    files.push(file);
  }
  const stats = buildStats(examples, { seed, sources: wanted });
  const statsFile = join(opts.outDir, "stats.json");
  await writeFile(`${statsFile}.tmp`, JSON.stringify(stats, null, 2) + "\n");
  await rename(`${statsFile}.tmp`, statsFile);
  files.push(statsFile);
  log?.write(formatStatsTable(stats) + "\n");
  return { examples, stats, files };
}
