/**
 * ECG paper on a canvas: the pink millimetre grid at 25 mm/s and 10 mm/mV (CSS millimetres, so
 * the paper is true to scale on a screen at its nominal 96 dpi), and traces drawn from raw
 * samples or from min/max buckets. When zoomed far out the 1-mm lines would merge, so the grid
 * switches to round time steps (1 s, 10 s, 1 min ...) in the same colours.
 */
import type { SignalWindow } from "./api.js";

export const PX_PER_MM = 96 / 25.4;
export const MM_PER_SECOND = 25;
export const MM_PER_MV = 10;

export const COLORS = {
  paper: "#fff5f5",
  minor: "#f9c9c9",
  major: "#ef8f8f",
  trace: "#111111",
  label: "#7a1f1f",
  highlight: "rgba(255, 176, 0, 0.30)",
  highlightEdge: "rgba(214, 120, 0, 0.9)",
};

/** A rectangle of the canvas showing time [t0, t0 + width / pxPerSecond). */
export interface Cell {
  x: number;
  y: number;
  width: number;
  height: number;
  t0: number;
  pxPerSecond: number;
}

const NICE_STEPS = [0.04, 0.2, 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200];

/** Vertical grid lines every `minor` and `major` seconds, for this zoom. */
function timeSteps(pxPerSecond: number): { minor: number; major: number } {
  const minor = NICE_STEPS.find((s) => s * pxPerSecond >= 3.5) ?? 7200;
  const major = NICE_STEPS.find((s) => s > minor && s * pxPerSecond >= 18 && s / minor >= 4.99) ?? minor * 5;
  return { minor, major };
}

export function drawGrid(ctx: CanvasRenderingContext2D, c: Cell, pxPerMv: number): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(c.x, c.y, c.width, c.height);
  ctx.clip();
  ctx.fillStyle = COLORS.paper;
  ctx.fillRect(c.x, c.y, c.width, c.height);
  const { minor, major } = timeSteps(c.pxPerSecond);
  const lines = (step: number, color: string, width: number) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    const first = Math.ceil(c.t0 / step) * step;
    for (let t = first; (t - c.t0) * c.pxPerSecond <= c.width; t += step) {
      const x = Math.round(c.x + (t - c.t0) * c.pxPerSecond) + 0.5;
      ctx.moveTo(x, c.y);
      ctx.lineTo(x, c.y + c.height);
    }
    // Horizontal lines keep 1 mm / 5 mm (the amplitude scale never changes).
    const mm = pxPerMv / MM_PER_MV;
    const stepY = color === COLORS.minor ? mm : 5 * mm;
    const mid = c.y + c.height / 2;
    for (let y = c.y + ((mid - c.y) % stepY); y <= c.y + c.height; y += stepY) {
      ctx.moveTo(c.x, Math.round(y) + 0.5);
      ctx.lineTo(c.x + c.width, Math.round(y) + 0.5);
    }
    ctx.stroke();
  };
  lines(minor, COLORS.minor, 0.6);
  lines(major, COLORS.major, 1);
  ctx.restore();
}

/** Draws lead `lead` of `data` into the cell, centred vertically, clipped to the cell. */
export function drawTrace(
  ctx: CanvasRenderingContext2D,
  c: Cell,
  data: SignalWindow,
  lead: number,
  pxPerMv: number,
): void {
  const series = data.leads[lead];
  if (!series) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(c.x, c.y, c.width, c.height);
  ctx.clip();
  ctx.strokeStyle = COLORS.trace;
  ctx.lineWidth = 1.2;
  ctx.lineJoin = "round";
  const mid = c.y + c.height / 2;
  // Centre on the window's median level, so baseline wander does not push the trace out.
  const base = median(series.values ?? series.min!);
  const yOf = (v: number) => mid - (v - base) * pxPerMv;
  const xOf = (i: number) => c.x + (data.start + i * data.step - c.t0) * c.pxPerSecond;
  const first = Math.max(0, Math.floor((c.t0 - data.start) / data.step) - 1);
  const last = Math.min(
    data.points,
    Math.ceil((c.t0 + c.width / c.pxPerSecond - data.start) / data.step) + 2,
  );
  ctx.beginPath();
  let pen = false;
  for (let i = first; i < last; i++) {
    const x = xOf(i);
    if (series.values) {
      const v = series.values[i];
      if (v === null || v === undefined || Number.isNaN(v)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(x, yOf(v));
      else ctx.moveTo(x, yOf(v));
      pen = true;
    } else {
      const lo = yOf(series.min![i]!);
      const hi = yOf(series.max![i]!);
      if (pen) ctx.lineTo(x, hi);
      else ctx.moveTo(x, hi);
      ctx.lineTo(x, lo);
      pen = true;
    }
  }
  ctx.stroke();
  ctx.restore();
}

function median(xs: readonly (number | null)[]): number {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  if (!v.length) return 0;
  const step = Math.max(1, Math.floor(v.length / 512));
  const sample = v.filter((_, i) => i % step === 0).sort((a, b) => a - b);
  return sample[sample.length >> 1]!;
}

export function drawLabel(ctx: CanvasRenderingContext2D, text: string, x: number, y: number): void {
  ctx.save();
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillStyle = COLORS.label;
  ctx.textBaseline = "top";
  ctx.fillText(text, x + 4, y + 3);
  ctx.restore();
}

/** "12.5 s", "3:05", "1:02:03" for time labels. */
export function formatTime(t: number): string {
  if (t < 60) return `${Number(t.toFixed(2))} s`;
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = Math.floor(t % 60);
  const mm = String(m).padStart(h ? 2 : 1, "0");
  return `${h ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}
