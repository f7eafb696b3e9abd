/**
 * Training examples: the dataset builder's JSONL files, the mix of one curriculum stage (its
 * own tasks plus a replayed fraction of the earlier stages'), and the ECGs they show.
 *
 * ECGs are read through the foundation's readers, cut to the example's window
 * (`ecg_start`/`ecg_end`, samples at the record's rate) and restricted to its `leads`. Decoded
 * records stay in an LRU cache bounded in bytes: the windows of one 30-min MIT-BIH record
 * (650,000 samples x 2 leads) are cut from one read instead of one read each.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { nearestStandardLead, normalizeLeadName } from "../ecg/leads.js";
import { readEcg } from "../ecg/read.js";
import type { Ecg } from "../ecg/record.js";
import { wfdbRecordInfo } from "../ecg/wfdb/index.js";
import type { Example, TaskName } from "../data/example.js";
import { Rng } from "../data/rng.js";

/** Reads a JSONL file of examples, checking the fields training relies on. */
export function readExamples(file: string): Example[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new InputError(file, "cannot read the examples file (build it with `anyecg dataset build`)");
  }
  const out: Example[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let e: Example;
    try {
      e = JSON.parse(line) as Example;
    } catch (err) {
      throw new InputError(file, `line ${i + 1}: ${(err as Error).message}`);
    }
    const paths = Array.isArray(e.ecg_path) ? e.ecg_path : [e.ecg_path];
    if (typeof e.question !== "string" || typeof e.answer !== "string")
      throw new InputError(file, `line ${i + 1}: question and answer must be strings`);
    if (paths.length === 0 || paths.some((p) => typeof p !== "string" || !p))
      throw new InputError(file, `line ${i + 1}: ecg_path must be a path or a list of paths`);
    if (!Number.isInteger(e.stage)) throw new InputError(file, `line ${i + 1}: stage must be an integer`);
    out.push(e);
  });
  return out;
}

export interface StageMix {
  /** The curriculum stage trained (0: all examples, every stage's). */
  stage: number;
  /** Only these tasks of the stage (default all). */
  tasks?: readonly TaskName[];
  /** Fraction (0-1) of the replayed stages' examples mixed with the stage's own. */
  replay: number;
  /** The stages replayed (default: every stage before `stage`). */
  replayStages?: readonly number[];
  seed: number;
}

/**
 * The stage's examples followed by the replayed ones: a seeded sample (without replacement) of
 * `round(replay * n)` of the n examples of the replayed stages (by default the earlier ones).
 * Replay keeps the other tasks' skills alive while the new tasks are learned (the paper's stage 3
 * does the same); a focused pass after the curriculum (our stage 4) replays stages on both sides
 * of its own, or the multi-ECG answers of stage 3 are forgotten.
 */
export function mixStage(examples: readonly Example[], mix: StageMix): Example[] {
  const taskOk = (e: Example): boolean => !mix.tasks || mix.tasks.includes(e.task);
  if (mix.stage === 0) return examples.filter(taskOk);
  const own = examples.filter((e) => e.stage === mix.stage && taskOk(e));
  const replayed = (e: Example): boolean =>
    mix.replayStages ? mix.replayStages.includes(e.stage) && e.stage !== mix.stage : e.stage < mix.stage;
  const earlier = examples.filter(replayed);
  const k = Math.round(mix.replay * earlier.length);
  return [...own, ...Rng.for(mix.seed, "replay", mix.stage).sample(earlier, k)];
}

/**
 * Each example of a dataset named in `repeat` (as data files name it: "ptb-xl") `repeat[name]`
 * times, the rest once: a dataset with few examples weighs more in the stage without new data.
 */
export function repeatDatasets(
  examples: readonly Example[],
  repeat: Readonly<Record<string, number>>,
): Example[] {
  return examples.flatMap((e) => Array.from({ length: repeat[e.dataset] ?? 1 }, () => e));
}

/** The record's channel to show as standard lead `want` (exact name first, then nearest). */
function channelFor(ecg: Ecg, want: string): number {
  const w = normalizeLeadName(want);
  let i = ecg.leads.findIndex((l) => normalizeLeadName(l) === w);
  if (i < 0) i = ecg.leads.findIndex((l) => nearestStandardLead(l) === w);
  return i;
}

/** The record cut to [start, end) samples and to the listed leads, named by their standard names. */
export function cutExample(ecg: Ecg, leads: readonly string[], start?: number, end?: number): Ecg {
  const n = ecg.signals[0]?.length ?? 0;
  const a = start ?? 0;
  const b = Math.min(end ?? n, n);
  if (!(Number.isInteger(a) && a >= 0 && a < b))
    throw new InputError(
      ecg.source.path,
      `window [${start}, ${end}) is not inside the record's ${n} samples`,
    );
  const picked = leads.length ? leads.map((l) => [l, channelFor(ecg, l)] as const) : ecg.leads.map((l, i) => [l, i] as const); // prettier-ignore
  const missing = picked.filter(([, i]) => i < 0).map(([l]) => l);
  if (missing.length)
    throw new InputError(ecg.source.path, `no lead ${missing.join(", ")} (leads: ${ecg.leads.join(", ")})`);
  return {
    ...ecg,
    leads: picked.map(([l]) => normalizeLeadName(l)),
    units: picked.map(([, i]) => ecg.units[i]!),
    signals: picked.map(([, i]) => ecg.signals[i]!.subarray(a, b)),
    annotations: [],
  };
}

export interface EcgLoaderOptions {
  /** Bytes of decoded signal kept in the cache (default 256 MB). */
  cacheBytes?: number;
}

/** Reads the ECGs of examples, with an LRU cache of whole decoded records. */
export class EcgLoader {
  private readonly cache = new Map<string, Ecg>();
  private readonly infos = new Map<string, { fs: number; length: number }>();
  private bytes = 0;
  private readonly limit: number;
  /** Records read from disk (for tests and logs). */
  reads = 0;

  constructor(
    readonly dataDir: string,
    opts: EcgLoaderOptions = {},
  ) {
    this.limit = opts.cacheBytes ?? 256 * 2 ** 20;
  }

  /** A whole record, from the cache or the disk. */
  async record(path: string): Promise<Ecg> {
    const hit = this.cache.get(path);
    if (hit) {
      this.cache.delete(path); // re-insert: Map order is the LRU order
      this.cache.set(path, hit);
      return hit;
    }
    const ecg = await readEcg(join(this.dataDir, path), { annotators: "none" });
    this.reads++;
    const size = ecg.signals.reduce((s, x) => s + x.byteLength, 0);
    this.cache.set(path, ecg);
    this.bytes += size;
    for (const [k, v] of this.cache) {
      if (this.bytes <= this.limit || this.cache.size <= 1) break;
      this.cache.delete(k);
      this.bytes -= v.signals.reduce((s, x) => s + x.byteLength, 0);
    }
    return ecg;
  }

  /** The ECGs an example shows, in order, cut to its window and leads. */
  async load(ex: Example): Promise<Ecg[]> {
    const paths = Array.isArray(ex.ecg_path) ? ex.ecg_path : [ex.ecg_path];
    const out: Ecg[] = [];
    for (const p of paths) out.push(cutExample(await this.record(p), ex.leads, ex.ecg_start, ex.ecg_end));
    return out;
  }

  /** Sampling rate and length of a record, from its header only (cached). */
  async info(path: string): Promise<{ fs: number; length: number }> {
    let i = this.infos.get(path);
    if (!i) {
      const full = join(this.dataDir, path);
      try {
        const w = await wfdbRecordInfo(full);
        i = { fs: w.fs, length: w.length };
      } catch {
        const e = await this.record(path); // not WFDB: read it (cached)
        i = { fs: e.fs, length: e.signals[0]?.length ?? 0 };
      }
      this.infos.set(path, i);
    }
    return i;
  }

  /** Durations in seconds of the ECGs an example shows (headers only). */
  async durations(ex: Example): Promise<number[]> {
    const paths = Array.isArray(ex.ecg_path) ? ex.ecg_path : [ex.ecg_path];
    const out: number[] = [];
    for (const p of paths) {
      const { fs, length } = await this.info(p);
      const a = ex.ecg_start ?? 0;
      const b = Math.min(ex.ecg_end ?? length, length);
      out.push(Math.max(0, b - a) / fs);
    }
    return out;
  }

  /** Records currently cached. */
  get cached(): number {
    return this.cache.size;
  }
}
