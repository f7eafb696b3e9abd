/**
 * Display decimation for the waveform view: min/max per bucket, in aligned tiles cached by
 * (record, lead, level, tile), so scrolling a 24-hour recording re-uses the same tiles instead of
 * touching every sample again. A bucket at level L covers 2^L samples; a tile holds
 * TILE_BUCKETS buckets. Short windows are sent raw.
 */
import type { Ecg } from "../ecg/record.js";
import { sampleCount } from "../ecg/record.js";

export const TILE_BUCKETS = 512;

export interface SignalQuery {
  /** Seconds from the start. */
  start: number;
  /** Seconds. */
  duration: number;
  /** Lead indices into the record. */
  leads: number[];
  /** Most points per lead in the answer (raw samples, or 2 per min/max bucket). */
  maxPoints: number;
}

export interface LeadSeries {
  name: string;
  unit: string;
  /** Raw samples (when `decimated` is false). */
  values?: number[];
  /** Per-bucket minimum and maximum (when `decimated` is true). */
  min?: number[];
  max?: number[];
}

export interface SignalWindow {
  fs: number;
  /** Time of the first point (raw sample, or bucket start), seconds. */
  start: number;
  /** Seconds between points (1/fs raw, bucket length when decimated). */
  step: number;
  /** Points per lead. */
  points: number;
  decimated: boolean;
  /** Samples per bucket when decimated (a power of two), 1 raw. */
  samplesPerPoint: number;
  leads: LeadSeries[];
}

interface Tile {
  min: Float32Array;
  max: Float32Array;
}

/** Rounds to 0.1 µV: enough for display, and the JSON stays short. */
function r(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

export class TileCache {
  private readonly tiles = new Map<string, Tile>();

  constructor(private readonly maxTiles = 4096) {}

  /** Drops every tile of one record (after DELETE). */
  forget(id: string): void {
    for (const k of this.tiles.keys()) if (k.startsWith(`${id}:`)) this.tiles.delete(k);
  }

  get size(): number {
    return this.tiles.size;
  }

  window(id: string, ecg: Ecg, q: SignalQuery): SignalWindow {
    const n = sampleCount(ecg);
    const a = Math.min(n, Math.max(0, Math.floor(q.start * ecg.fs)));
    const b = Math.min(n, Math.max(a, Math.ceil((q.start + q.duration) * ecg.fs)));
    const count = b - a;
    const meta = (i: number) => ({ name: ecg.leads[i]!, unit: ecg.units[i] ?? "" });
    if (count <= q.maxPoints) {
      return {
        fs: ecg.fs,
        start: a / ecg.fs,
        step: 1 / ecg.fs,
        points: count,
        decimated: false,
        samplesPerPoint: 1,
        leads: q.leads.map((i) => ({ ...meta(i), values: Array.from(ecg.signals[i]!.subarray(a, b), r) })),
      };
    }
    const buckets = Math.max(1, Math.floor(q.maxPoints / 2));
    const level = Math.max(0, Math.ceil(Math.log2(count / buckets)));
    const size = 2 ** level;
    const first = Math.floor(a / size);
    const last = Math.ceil(b / size); // exclusive
    const leads = q.leads.map((i) => {
      const min: number[] = [];
      const max: number[] = [];
      for (let k = first; k < last;) {
        const t = Math.floor(k / TILE_BUCKETS);
        const tile = this.tile(id, ecg, i, level, t);
        const end = Math.min(last, (t + 1) * TILE_BUCKETS);
        for (; k < end; k++) {
          const j = k - t * TILE_BUCKETS;
          min.push(r(tile.min[j]!));
          max.push(r(tile.max[j]!));
        }
      }
      return { ...meta(i), min, max };
    });
    return {
      fs: ecg.fs,
      start: (first * size) / ecg.fs,
      step: size / ecg.fs,
      points: last - first,
      decimated: true,
      samplesPerPoint: size,
      leads,
    };
  }

  private tile(id: string, ecg: Ecg, lead: number, level: number, t: number): Tile {
    const key = `${id}:${lead}:${level}:${t}`;
    const hit = this.tiles.get(key);
    if (hit) {
      this.tiles.delete(key);
      this.tiles.set(key, hit);
      return hit;
    }
    const tile = computeTile(ecg.signals[lead]!, 2 ** level, t);
    this.tiles.set(key, tile);
    if (this.tiles.size > this.maxTiles) this.tiles.delete(this.tiles.keys().next().value!);
    return tile;
  }
}

/** Min and max of each bucket of tile `t`; buckets past the end repeat the last value. */
function computeTile(x: Float32Array, size: number, t: number): Tile {
  const min = new Float32Array(TILE_BUCKETS);
  const max = new Float32Array(TILE_BUCKETS);
  const base = t * TILE_BUCKETS * size;
  let lastValue = x.length ? x[Math.min(x.length - 1, base)]! : 0;
  for (let k = 0; k < TILE_BUCKETS; k++) {
    const from = base + k * size;
    const to = Math.min(x.length, from + size);
    if (from >= to) {
      min[k] = max[k] = lastValue;
      continue;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let s = from; s < to; s++) {
      const v = x[s]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    // NaN gaps (invalid samples) leave lo/hi infinite: show them as flat at the last value.
    if (lo === Infinity) lo = hi = lastValue;
    min[k] = lo;
    max[k] = hi;
    lastValue = x[to - 1]! === x[to - 1]! ? x[to - 1]! : lastValue;
  }
  return { min, max };
}
