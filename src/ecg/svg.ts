/**
 * Draws ECGs on standard ECG paper as SVG: 25 mm/s, 10 mm/mV, a 1 mm minor and 5 mm major
 * grid. One SVG user unit is 1 mm, so the drawing prints at true scale.
 *
 * Layouts: a 12-lead record (all 12 standard leads present, at most 10 s shown) gets the
 * clinical 3 x 4 layout (2.5 s per column) with a lead II rhythm strip; anything else gets one
 * strip per lead, wrapped into rows of `rowSeconds`. Highlighted intervals (e.g. the intervals
 * of an answer) are drawn as translucent bands across every strip with an optional label.
 */
import type { Ecg } from "./record.js";
import { durationSeconds } from "./record.js";

export interface Highlight {
  /** Seconds from the start of the record. */
  start: number;
  end: number;
  label?: string;
}

export interface PlotOptions {
  /** First second shown (default 0). */
  start?: number;
  /** Seconds shown (default: the whole record, at most 10 s for the 12-lead layout). */
  duration?: number;
  /** Leads to draw, by name as in the record (default: all). */
  leads?: string[];
  /** Seconds per row for strip layouts (default 10). */
  rowSeconds?: number;
  highlights?: Highlight[];
  title?: string;
}

const MM_PER_S = 25;
const MM_PER_MV = 10;
const STRIP_MM = 30; // height of one strip: +-1.5 mV around its baseline
const MARGIN = 10;
const LABEL_H = 8;
const TWELVE = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"];

interface Strip {
  lead: number;
  /** Display baseline in mV (the median of the lead over the shown time), drawn on the strip's axis. */
  baseline: number;
  t0: number; // seconds
  t1: number;
  x: number; // mm
  y: number; // mm, baseline
}

/** Renders the record (or the part chosen by `opts`) as an SVG document string. */
export function plotEcgSvg(ecg: Ecg, opts: PlotOptions = {}): string {
  const total = durationSeconds(ecg);
  const start = clamp(opts.start ?? 0, 0, total);
  const leads = selectLeads(ecg, opts.leads);
  const twelve = TWELVE.every((l) => leads.some((i) => sameLead(ecg.leads[i]!, l)));
  const defaultDuration = twelve ? 10 : total - start;
  const duration = clamp(opts.duration ?? defaultDuration, 0, total - start);
  if (duration <= 0)
    throw new RangeError(`nothing to plot: start ${start}s is at or after the end (${total}s)`);
  const layout =
    twelve && duration <= 10
      ? twelveLeadStrips(ecg, start, duration)
      : rowStrips(leads, start, duration, opts.rowSeconds ?? 10);
  const baselines = new Map(leads.map((l) => [l, median(ecg.signals[l]!, ecg.fs, start, start + duration)]));
  const strips: Strip[] = layout.map((s) => ({ ...s, baseline: baselines.get(s.lead) ?? 0 }));

  const width = Math.max(...strips.map((s) => s.x + (s.t1 - s.t0) * MM_PER_S)) + MARGIN;
  const height = Math.max(...strips.map((s) => s.y)) + STRIP_MM / 2 + MARGIN;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}mm" height="${height}mm" viewBox="0 0 ${fmt(width)} ${fmt(height)}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    grid(width, height),
  ];
  for (const s of strips) out.push(highlightBands(s, opts.highlights ?? []));
  for (const s of strips) out.push(trace(ecg, s));
  for (const s of strips) out.push(leadLabel(ecg.leads[s.lead]!, s));
  const title = opts.title ?? `${ecg.name} — ${fmt(ecg.fs)} Hz — ${fmt(start)}-${fmt(start + duration)} s`;
  out.push(
    `<text x="${MARGIN}" y="${MARGIN - 3}" font-family="sans-serif" font-size="4">${escapeXml(title)} — 25 mm/s, 10 mm/mV</text>`,
  );
  out.push("</svg>");
  return out.join("\n");
}

function median(x: Float32Array, fs: number, t0: number, t1: number): number {
  const part = x
    .slice(Math.floor(t0 * fs), Math.ceil(t1 * fs))
    .filter(Number.isFinite)
    .sort();
  return part.length ? part[part.length >> 1]! : 0;
}

function selectLeads(ecg: Ecg, names?: string[]): number[] {
  if (!names?.length) return ecg.leads.map((_, i) => i);
  return names.map((n) => {
    const i = ecg.leads.findIndex((l) => sameLead(l, n));
    if (i < 0) throw new RangeError(`lead "${n}" is not in ${ecg.name} (it has ${ecg.leads.join(", ")})`);
    return i;
  });
}

function sameLead(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function twelveLeadStrips(ecg: Ecg, start: number, duration: number): Omit<Strip, "baseline">[] {
  const col = duration / 4;
  const index = (name: string) => ecg.leads.findIndex((l) => sameLead(l, name));
  const strips: Omit<Strip, "baseline">[] = [];
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 3; r++) {
      const t0 = start + c * col;
      strips.push({
        lead: index(TWELVE[c * 3 + r]!),
        t0,
        t1: t0 + col,
        x: MARGIN + c * col * MM_PER_S,
        y: MARGIN + LABEL_H + r * STRIP_MM + STRIP_MM / 2,
      });
    }
  }
  strips.push({
    lead: index("II"),
    t0: start,
    t1: start + duration,
    x: MARGIN,
    y: MARGIN + LABEL_H + 3 * STRIP_MM + STRIP_MM / 2,
  });
  return strips;
}

function rowStrips(
  leads: number[],
  start: number,
  duration: number,
  rowSeconds: number,
): Omit<Strip, "baseline">[] {
  const strips: Omit<Strip, "baseline">[] = [];
  let row = 0;
  for (let t0 = start; t0 < start + duration - 1e-9; t0 += rowSeconds) {
    const t1 = Math.min(t0 + rowSeconds, start + duration);
    for (const lead of leads) {
      strips.push({ lead, t0, t1, x: MARGIN, y: MARGIN + LABEL_H + row * STRIP_MM + STRIP_MM / 2 });
      row++;
    }
  }
  return strips;
}

function grid(width: number, height: number): string {
  const minor: string[] = [];
  const major: string[] = [];
  for (let x = 0; x <= width; x += 1) (x % 5 === 0 ? major : minor).push(`M${x} 0V${fmt(height)}`);
  for (let y = 0; y <= height; y += 1) (y % 5 === 0 ? major : minor).push(`M0 ${y}H${fmt(width)}`);
  return (
    `<path d="${minor.join("")}" stroke="#f6c3c3" stroke-width="0.1"/>` +
    `<path d="${major.join("")}" stroke="#ee8f8f" stroke-width="0.25"/>`
  );
}

/**
 * The waveform of one strip as a polyline in mm. Where there are more samples than 0.2 mm
 * columns, each column keeps its minimum and maximum, so QRS peaks survive the decimation.
 * NaN samples break the line instead of drawing a spike. The lead's median is drawn on the
 * strip's axis, so a DC offset (common in Holter records) does not push the trace off its strip.
 */
function trace(ecg: Ecg, s: Strip): string {
  const x = ecg.signals[s.lead]!;
  const i0 = Math.max(0, Math.floor(s.t0 * ecg.fs));
  const i1 = Math.min(x.length, Math.ceil(s.t1 * ecg.fs));
  const columns = Math.max(1, Math.round(((s.t1 - s.t0) * MM_PER_S) / 0.2));
  const perColumn = (i1 - i0) / columns;
  const parts: string[] = [];
  let pen = false;
  const point = (i: number) => {
    const v = x[i]!;
    if (!Number.isFinite(v)) {
      pen = false;
      return;
    }
    const px = s.x + (i / ecg.fs - s.t0) * MM_PER_S;
    const limit = STRIP_MM / MM_PER_MV;
    const py = s.y - clamp(v - s.baseline, -limit, limit) * MM_PER_MV;
    parts.push(`${pen ? "L" : "M"}${fmt(px)} ${fmt(py)}`);
    pen = true;
  };
  if (perColumn <= 2) {
    for (let i = i0; i < i1; i++) point(i);
  } else {
    for (let c = 0; c < columns; c++) {
      const a = i0 + Math.floor(c * perColumn);
      const b = Math.min(i1, i0 + Math.floor((c + 1) * perColumn));
      let lo = a;
      let hi = a;
      for (let i = a; i < b; i++) {
        if (x[i]! < x[lo]!) lo = i;
        if (x[i]! > x[hi]!) hi = i;
      }
      point(Math.min(lo, hi));
      if (lo !== hi) point(Math.max(lo, hi));
    }
  }
  return `<path d="${parts.join("")}" fill="none" stroke="#000" stroke-width="0.3" stroke-linejoin="round"/>`;
}

function highlightBands(s: Strip, highlights: Highlight[]): string {
  const out: string[] = [];
  for (const h of highlights) {
    const a = Math.max(h.start, s.t0);
    const b = Math.min(h.end, s.t1);
    if (b <= a) continue;
    const x = s.x + (a - s.t0) * MM_PER_S;
    const w = Math.max((b - a) * MM_PER_S, 0.3);
    out.push(
      `<rect x="${fmt(x)}" y="${fmt(s.y - STRIP_MM / 2)}" width="${fmt(w)}" height="${STRIP_MM}" fill="#3b82f6" fill-opacity="0.22"><title>${escapeXml(h.label ?? `${h.start}s-${h.end}s`)}</title></rect>`,
    );
  }
  return out.join("");
}

function leadLabel(name: string, s: Strip): string {
  return `<text x="${fmt(s.x + 1)}" y="${fmt(s.y - STRIP_MM / 2 + 5)}" font-family="sans-serif" font-size="3.5">${escapeXml(name)}</text>`;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function fmt(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}
