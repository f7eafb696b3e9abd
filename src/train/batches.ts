/**
 * Batches of examples: bucketed by length to limit padding, shuffled deterministically by seed,
 * and addressed by a global micro-batch number so that a resumed run sees exactly the batches an
 * uninterrupted one would.
 *
 * Each epoch: the examples are shuffled (seed, epoch), cut into pools of `poolBatches` batches,
 * each pool sorted by length and cut into batches of neighbours of similar length, and the
 * batches of the epoch shuffled again, so that long and short batches alternate instead of the
 * run ending on the longest ones. Batch i of the stream is batch (i mod n) of epoch (i div n).
 */
import { Rng } from "../data/rng.js";

export interface BatchPlanOptions {
  batchSize: number;
  seed: number;
  /** Batches per sorting pool (default 32): larger pools pad less but mix less. */
  poolBatches?: number;
  /** Leave out the epoch's last, smaller batch (contrastive losses need full batches). */
  dropLast?: boolean;
}

/** The batches (lists of example indices) of one epoch. */
export function planEpoch(lengths: readonly number[], epoch: number, opts: BatchPlanOptions): number[][] {
  const { batchSize } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError("batchSize must be >= 1");
  const pool = batchSize * (opts.poolBatches ?? 32);
  const order = Rng.for(opts.seed, "epoch", epoch).shuffle(lengths.map((_, i) => i));
  const batches: number[][] = [];
  for (let p = 0; p < order.length; p += pool) {
    // stable sort: ties keep the shuffled order, so the plan is a pure function of the inputs
    const part = order.slice(p, p + pool).sort((a, b) => lengths[a]! - lengths[b]!);
    for (let b = 0; b < part.length; b += batchSize) batches.push(part.slice(b, b + batchSize));
  }
  if (opts.dropLast && batches.length && batches[batches.length - 1]!.length < batchSize) batches.pop();
  return Rng.for(opts.seed, "batches", epoch).shuffle(batches);
}

/** Padding share of a plan: 1 - real tokens / padded tokens (for logs and tests). */
export function paddingShare(lengths: readonly number[], batches: readonly number[][]): number {
  let real = 0;
  let padded = 0;
  for (const b of batches) {
    const max = Math.max(...b.map((i) => lengths[i]!));
    for (const i of b) real += lengths[i]!;
    padded += max * b.length;
  }
  return padded > 0 ? 1 - real / padded : 0;
}

/** The endless stream of micro-batches over epochs. */
export class BatchStream {
  private epoch = -1;
  private plan: number[][] = [];

  constructor(
    private readonly lengths: readonly number[],
    private readonly opts: BatchPlanOptions,
  ) {
    if (lengths.length === 0 || (opts.dropLast && lengths.length < opts.batchSize))
      throw new RangeError(`${lengths.length} examples: too few to make batches of ${opts.batchSize}`);
  }

  /** Batches per epoch. */
  get perEpoch(): number {
    const n = this.lengths.length / this.opts.batchSize;
    return this.opts.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** Where micro-batch i sits: its epoch and index in that epoch. */
  position(i: number): { epoch: number; index: number } {
    const n = this.perEpoch;
    return { epoch: Math.floor(i / n), index: i % n };
  }

  /** Example indices of micro-batch i (0-based over the whole run). */
  batch(i: number): number[] {
    const { epoch, index } = this.position(i);
    if (epoch !== this.epoch) {
      this.plan = planEpoch(this.lengths, epoch, this.opts);
      this.epoch = epoch;
    }
    return this.plan[index]!;
  }
}
