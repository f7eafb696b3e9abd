/**
 * Dataset statistics: examples per task, source, split, stage, lead set and label, and the share
 * of `No ... Found` answers, as `stats.json` and a printed table.
 */
import type { LabeledExample } from "./example.js";

type Counts = Record<string, number>;

export interface DatasetStats {
  seed: number;
  sources: string[];
  total: number;
  bySplit: Counts;
  byStage: Counts;
  /** "task | dataset" -> { train, valid, notFound } */
  byTaskDataset: Record<string, { train: number; valid: number; notFound: number }>;
  /** Per task, per label, per split. */
  byLabel: Record<string, Record<string, Counts>>;
  /** Lead sets shown ("I", "II+V1", "12 leads"). */
  byLeads: Counts;
  /** Share of `No ... Found` answers among localization examples, per task. */
  notFoundShare: Record<string, number>;
}

const inc = (c: Counts, k: string, n = 1) => (c[k] = (c[k] ?? 0) + n);

function leadsKey(leads: readonly string[]): string {
  return leads.length === 12 ? "12 leads" : leads.join("+");
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function buildStats(
  examples: readonly LabeledExample[],
  meta: { seed: number; sources: string[] },
): DatasetStats {
  const s: DatasetStats = {
    seed: meta.seed,
    sources: [...meta.sources],
    total: examples.length,
    bySplit: {},
    byStage: {},
    byTaskDataset: {},
    byLabel: {},
    byLeads: {},
    notFoundShare: {},
  };
  const locTotal: Counts = {};
  const locNone: Counts = {};
  for (const { example: e, label } of examples) {
    inc(s.bySplit, e.split);
    inc(s.byStage, String(e.stage));
    inc(s.byLeads, leadsKey(e.leads));
    const key = `${e.task} | ${e.dataset}`;
    const td = (s.byTaskDataset[key] ??= { train: 0, valid: 0, notFound: 0 });
    td[e.split]++;
    const none = /^No .+ Found$/.test(e.answer);
    if (none) td.notFound++;
    const bl = ((s.byLabel[e.task] ??= {})[label] ??= {});
    inc(bl, e.split);
    if (e.task === "location" || e.task === "location_long") {
      inc(locTotal, e.task);
      if (none) inc(locNone, e.task);
    }
  }
  for (const [t, n] of Object.entries(locTotal))
    s.notFoundShare[t] = Math.round(((locNone[t] ?? 0) / n) * 1000) / 1000;
  s.byTaskDataset = sortKeys(s.byTaskDataset);
  s.byLabel = sortKeys(Object.fromEntries(Object.entries(s.byLabel).map(([k, v]) => [k, sortKeys(v)])));
  s.byLeads = sortKeys(s.byLeads);
  return s;
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const w = header.map((_, j) => Math.max(...cells.map((r) => r[j]!.length)));
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join("  ");
  return [line(header), w.map((n) => "-".repeat(n)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** The printed summary: task x dataset counts with the not-found share, then labels of localization. */
export function formatStatsTable(s: DatasetStats): string {
  const rows = Object.entries(s.byTaskDataset).map(([k, v]) => {
    const n = v.train + v.valid;
    return [k, v.train, v.valid, n ? `${((100 * v.notFound) / n).toFixed(1)}%` : "-"];
  });
  rows.push(["total", s.bySplit.train ?? 0, s.bySplit.valid ?? 0, ""]);
  const parts = [table(["task | dataset", "train", "valid", "not found"], rows)];
  for (const task of ["location", "location_long"]) {
    const labels = s.byLabel[task];
    if (!labels) continue;
    const lr = Object.entries(labels).map(([l, c]) => [l, c.train ?? 0, c.valid ?? 0]);
    parts.push(table([`${task} label`, "train", "valid"], lr));
  }
  parts.push(table(["leads shown", "examples"], Object.entries(s.byLeads)));
  parts.push(
    `stages: ${Object.entries(s.byStage)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ")}; not found: ${Object.entries(s.notFoundShare)
      .map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`)
      .join(", ")}`,
  );
  return parts.join("\n\n");
}
