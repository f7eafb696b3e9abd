/**
 * Loss curves as a small hand-written SVG: training loss (raw, faint, and an exponential moving
 * average), validation loss as points joined by a line, steps on x, loss on y, with tick labels.
 */
import { writeFileSync, renameSync } from "node:fs";

export interface Series {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
  /** Draw markers at the points. */
  markers?: boolean;
  opacity?: number;
}

const W = 720;
const H = 400;
const PAD = { left: 60, right: 20, top: 30, bottom: 45 };

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Exponential moving average of the y values (bias-corrected, so early points are not pulled to 0). */
export function smooth(points: readonly (readonly [number, number])[], beta = 0.9): [number, number][] {
  let m = 0;
  return points.map(([x, y], i) => {
    m = beta * m + (1 - beta) * y;
    return [x, m / (1 - beta ** (i + 1))];
  });
}

/** The SVG text of a loss plot. */
export function lossSvg(title: string, series: readonly Series[]): string {
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(x0 + 1, ...xs);
  const y0 = all.length ? Math.min(...ys) : 0;
  const y1 = all.length ? Math.max(...ys, y0 + 1e-6) : 1;
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const sx = (x: number): number => PAD.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => PAD.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const f = (v: number): string => v.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
  ];
  for (const t of ticks(y0, y1)) {
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#eee"/>`,
    );
    parts.push(`<text x="${PAD.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const t of ticks(x0, x1)) {
    parts.push(
      `<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#eee"/>`,
    );
    parts.push(`<text x="${f(sx(t))}" y="${H - PAD.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
    `<text x="${PAD.left + pw / 2}" y="${H - 8}" text-anchor="middle">step</text>`,
    `<text x="14" y="${PAD.top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ${PAD.top + ph / 2})">loss</text>`,
  );
  series.forEach((s, k) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length) {
      const d = pts.map(([x, y], i) => `${i ? "L" : "M"}${f(sx(x))},${f(sy(y))}`).join("");
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5" opacity="${s.opacity ?? 1}"/>`); // prettier-ignore
      if (s.markers) for (const [x, y] of pts) parts.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5" fill="${s.color}"/>`); // prettier-ignore
    }
    const ly = PAD.top + 14 + k * 14;
    parts.push(
      `<line x1="${W - PAD.right - 130}" x2="${W - PAD.right - 112}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${W - PAD.right - 106}" y="${ly}">${esc(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/** Writes the training and validation curves of a run (atomically: temp file then rename). */
export function writeLossSvg(
  file: string,
  title: string,
  train: readonly (readonly [number, number])[],
  valid: readonly (readonly [number, number])[],
): void {
  const svg = lossSvg(title, [
    { name: "train", color: "#9ecae1", points: train, opacity: 0.6 },
    { name: "train (EMA)", color: "#08519c", points: smooth(train) },
    { name: "validation", color: "#e6550d", points: valid, markers: true },
  ]);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, svg);
  renameSync(tmp, file);
}
