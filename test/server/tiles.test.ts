/**
 * Display decimation: every min/max bucket the tile cache returns equals the brute-force
 * minimum and maximum of its samples, for windows that start off tile boundaries and span
 * several tiles, on a real 30-minute MIT-BIH record (and on the shipped excerpt).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readEcg } from "../../src/ecg/read.js";
import type { Ecg } from "../../src/ecg/record.js";
import { TILE_BUCKETS, TileCache } from "../../src/server/tiles.js";
import { dataPath, describeData, samplesDir } from "../data.js";

function checkWindow(ecg: Ecg, start: number, duration: number, maxPoints: number): number {
  const cache = new TileCache();
  const w = cache.window("r", ecg, { start, duration, leads: [0, 1], maxPoints });
  expect(w.decimated).toBe(true);
  expect(2 * w.points).toBeLessThanOrEqual(maxPoints);
  // The buckets cover the asked window.
  expect(w.start).toBeLessThanOrEqual(start);
  expect(w.start + w.points * w.step).toBeGreaterThanOrEqual(
    Math.min(start + duration, ecg.signals[0]!.length / ecg.fs) - 1e-9,
  );
  const k = w.samplesPerPoint;
  const first = Math.round(w.start * ecg.fs);
  for (const [li, lead] of w.leads.entries()) {
    const x = ecg.signals[li]!;
    for (let b = 0; b < w.points; b++) {
      const from = first + b * k;
      const to = Math.min(x.length, from + k);
      if (from >= to) continue;
      let lo = Infinity;
      let hi = -Infinity;
      for (let s = from; s < to; s++) {
        lo = Math.min(lo, x[s]!);
        hi = Math.max(hi, x[s]!);
      }
      expect(lead.min![b]).toBeCloseTo(lo, 3);
      expect(lead.max![b]).toBeCloseTo(hi, 3);
    }
  }
  // Asking again is served from the cache with identical numbers.
  expect(cache.window("r", ecg, { start, duration, leads: [0, 1], maxPoints })).toEqual(w);
  return w.points;
}

describe("tiles on the shipped MIT-BIH excerpt", () => {
  it("matches brute-force min/max, off tile boundaries", async () => {
    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    checkWindow(ecg, 0, 10, 100);
    checkWindow(ecg, 3.33, 5.1, 64);
  });
});

describeData("tiles on a 30-minute MIT-BIH record", () => {
  it("matches brute-force min/max for overviews and scrolled windows across tiles", async () => {
    const ecg = await readEcg(dataPath("mitdb", "101.hea"));
    expect(checkWindow(ecg, 0, 1805, 3000)).toBeGreaterThan(TILE_BUCKETS);
    expect(checkWindow(ecg, 611.7, 240, 3000)).toBeGreaterThan(TILE_BUCKETS);
    checkWindow(ecg, 1790, 30, 1000); // runs past the end
  });
});
