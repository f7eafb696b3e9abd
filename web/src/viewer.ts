/**
 * One ECG on paper: scroll (drag, wheel, arrow keys, the position slider) and zoom (ctrl+wheel,
 * +/- keys, buttons) through recordings of any length. The viewer fetches a window three screens
 * wide of min/max-decimated data from the server (at most ~2 points per pixel), and fetches again
 * only when the view leaves it or the zoom changes, so hours of signal scroll smoothly.
 * 12-lead records use the standard 3x4 layout with a lead II rhythm strip; others stack leads.
 */
import { fetchSignal, type EcgMeta, type SignalWindow } from "./api.js";
import {
  type Cell,
  COLORS,
  MM_PER_MV,
  MM_PER_SECOND,
  PX_PER_MM,
  drawGrid,
  drawLabel,
  drawTrace,
  formatTime,
} from "./paper.js";

const TWELVE = [
  ["I", "aVR", "V1", "V4"],
  ["II", "aVL", "V2", "V5"],
  ["III", "aVF", "V3", "V6"],
];
const ROW_MM = 30;
const AXIS_PX = 18;

export interface Highlight {
  start: number;
  end: number;
  label?: string;
}

function norm(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^lead\s*/, "");
}

export class EcgViewer {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly slider: HTMLInputElement;
  private readonly status: HTMLElement;
  /** View start, seconds. */
  private t0 = 0;
  /** Time zoom: 1 is 25 mm/s. */
  private zoom = 1;
  private data: SignalWindow | null = null;
  private fetched = { start: 0, end: 0, pxPerSecond: 0 };
  private pending: AbortController | null = null;
  private highlights: Highlight[] = [];
  private flash: Highlight | null = null;
  private frame = 0;
  private readonly twelve: number[][] | null;
  private drag: { x: number; t0: number } | null = null;

  constructor(
    readonly meta: EcgMeta,
    readonly index: number,
    onRemove: () => void,
  ) {
    this.twelve = twelveLeadIndices(meta.leads);
    this.element = document.createElement("article");
    this.element.className = "viewer";
    this.element.dataset.ecgId = meta.id;
    const title = `ECG ${index + 1}: ${meta.name}`;
    this.element.setAttribute("aria-label", title);
    this.element.innerHTML = `
      <header class="viewer-head">
        <h3></h3>
        <span class="meta"></span>
        <span class="tools">
          <button type="button" data-act="out" aria-label="Zoom out">−</button>
          <button type="button" data-act="in" aria-label="Zoom in">+</button>
          <button type="button" data-act="fit" aria-label="Show the whole recording">all</button>
          <button type="button" data-act="paper" aria-label="Back to 25 mm/s">25 mm/s</button>
          <button type="button" data-act="remove" aria-label="Remove this ECG">✕</button>
        </span>
      </header>
      <canvas tabindex="0" role="img"></canvas>
      <input type="range" min="0" max="1000" value="0" step="1" class="position" />
      <p class="viewer-status" aria-live="polite"></p>`;
    this.element.querySelector("h3")!.textContent = title;
    this.element.querySelector(".meta")!.textContent =
      `${meta.leads.length} lead${meta.leads.length > 1 ? "s" : ""} · ${meta.fs} Hz · ${formatTime(meta.durationSeconds)} · ${meta.format}`;
    this.canvas = this.element.querySelector("canvas")!;
    this.slider = this.element.querySelector(".position")!;
    this.slider.setAttribute("aria-label", `Position in ${meta.name}`);
    this.status = this.element.querySelector(".viewer-status")!;
    this.canvas.setAttribute(
      "aria-label",
      `${title}, ${meta.leads.join(", ")}. Arrow keys scroll, plus and minus zoom, Home and End jump.`,
    );
    this.element.querySelector<HTMLButtonElement>('[data-act="remove"]')!.onclick = onRemove;
    for (const b of this.element.querySelectorAll<HTMLButtonElement>("[data-act]")) {
      const act = b.dataset.act!;
      if (act === "remove") continue;
      b.onclick = () => this.act(act);
    }
    this.bindInput();
    new ResizeObserver(() => this.schedule()).observe(this.canvas);
  }

  get pxPerSecond(): number {
    return MM_PER_SECOND * PX_PER_MM * this.zoom;
  }

  private get width(): number {
    return this.canvas.clientWidth || 800;
  }

  /** Seconds visible at once. */
  get span(): number {
    const traceWidth = this.width;
    return traceWidth / this.pxPerSecond;
  }

  get viewStart(): number {
    return this.t0;
  }

  setHighlights(h: Highlight[]): void {
    this.highlights = h;
    this.schedule();
  }

  /** Centres the interval in the view (zooming out if it is wider than the screen) and flashes it. */
  jumpTo(h: Highlight): void {
    const width = h.end - h.start;
    if (width * 1.25 > this.span)
      this.zoom = this.clampZoom(this.width / (width * 1.5) / (MM_PER_SECOND * PX_PER_MM));
    this.setStart((h.start + h.end) / 2 - this.span / 2);
    this.flash = h;
    window.setTimeout(() => {
      this.flash = null;
      this.schedule();
    }, 1500);
    this.canvas.focus();
  }

  private act(act: string): void {
    const centre = this.t0 + this.span / 2;
    if (act === "in") this.zoom = this.clampZoom(this.zoom * 2);
    if (act === "out") this.zoom = this.clampZoom(this.zoom / 2);
    if (act === "paper") this.zoom = 1;
    if (act === "fit") {
      this.zoom = this.clampZoom(this.width / this.meta.durationSeconds / (MM_PER_SECOND * PX_PER_MM));
      this.setStart(0);
      return;
    }
    this.setStart(centre - this.span / 2);
  }

  private clampZoom(z: number): number {
    const fit = this.width / this.meta.durationSeconds / (MM_PER_SECOND * PX_PER_MM);
    return Math.min(8, Math.max(Math.min(1, fit), z));
  }

  private setStart(t: number): void {
    this.t0 = Math.max(0, Math.min(t, this.meta.durationSeconds - this.span));
    this.slider.value = String(
      Math.round((this.t0 / Math.max(1e-9, this.meta.durationSeconds - this.span)) * 1000) || 0,
    );
    this.slider.setAttribute(
      "aria-valuetext",
      `${formatTime(this.t0)} of ${formatTime(this.meta.durationSeconds)}`,
    );
    this.schedule();
  }

  private bindInput(): void {
    const c = this.canvas;
    c.addEventListener("keydown", (e) => {
      const page = this.span;
      const moves: Record<string, () => void> = {
        ArrowRight: () => this.setStart(this.t0 + page / 4),
        ArrowLeft: () => this.setStart(this.t0 - page / 4),
        PageDown: () => this.setStart(this.t0 + page),
        PageUp: () => this.setStart(this.t0 - page),
        Home: () => this.setStart(0),
        End: () => this.setStart(this.meta.durationSeconds),
        "+": () => this.act("in"),
        "=": () => this.act("in"),
        "-": () => this.act("out"),
      };
      const f = moves[e.key];
      if (f) {
        e.preventDefault();
        f();
      }
    });
    c.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        if (e.ctrlKey || e.metaKey) {
          const at = this.t0 + (e.offsetX / this.width) * this.span;
          this.zoom = this.clampZoom(this.zoom * Math.exp(-e.deltaY / 300));
          this.setStart(at - (e.offsetX / this.width) * this.span);
        } else {
          const d = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.deltaY;
          this.setStart(this.t0 + d / this.pxPerSecond);
        }
      },
      { passive: false },
    );
    c.addEventListener("pointerdown", (e) => {
      this.drag = { x: e.clientX, t0: this.t0 };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      if (this.drag) this.setStart(this.drag.t0 - (e.clientX - this.drag.x) / this.pxPerSecond);
    });
    c.addEventListener("pointerup", () => (this.drag = null));
    this.slider.addEventListener("input", () => {
      this.setStart((Number(this.slider.value) / 1000) * Math.max(0, this.meta.durationSeconds - this.span));
    });
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.ensureData();
      this.draw();
    });
  }

  /** Fetches a three-screen window around the view when the view left the last one. */
  private ensureData(): void {
    const span = this.span;
    const end = Math.min(this.meta.durationSeconds, this.t0 + span);
    const f = this.fetched;
    const sameZoom = f.pxPerSecond > 0 && Math.abs(Math.log2(f.pxPerSecond / this.pxPerSecond)) < 0.5;
    if (sameZoom && this.t0 >= f.start && end <= f.end) return;
    const start = Math.max(0, this.t0 - span);
    const duration = Math.min(this.meta.durationSeconds - start, 3 * span);
    this.fetched = { start, end: start + duration, pxPerSecond: this.pxPerSecond };
    this.pending?.abort();
    const ctrl = new AbortController();
    this.pending = ctrl;
    const points = Math.min(20000, 2 * 3 * this.width);
    fetchSignal(this.meta.id, start, duration, points, ctrl.signal)
      .then((d) => {
        if (ctrl.signal.aborted) return;
        this.data = d;
        this.status.textContent = "";
        this.element.dataset.loaded = "true";
        this.draw();
      })
      .catch((err: Error) => {
        if (ctrl.signal.aborted) return;
        this.fetched = { start: 0, end: 0, pxPerSecond: 0 };
        this.status.textContent = `cannot load the signal: ${err.message}`;
      });
  }

  private rows(): number {
    return this.twelve ? 4 : this.meta.leads.length;
  }

  private draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const pxPerMv = MM_PER_MV * PX_PER_MM;
    const rowPx = ROW_MM * PX_PER_MM;
    const width = this.width;
    const height = AXIS_PX + this.rows() * rowPx;
    this.canvas.style.height = `${height}px`;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
    }
    const ctx = this.canvas.getContext("2d")!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const pps = this.pxPerSecond;
    const cells: { cell: Cell; lead: number }[] = [];
    if (this.twelve) {
      const colW = width / 4;
      const colSpan = colW / pps;
      this.twelve.forEach((row, r) =>
        row.forEach((lead, col) =>
          cells.push({
            cell: {
              x: col * colW,
              y: AXIS_PX + r * rowPx,
              width: colW,
              height: rowPx,
              t0: this.t0 + col * colSpan,
              pxPerSecond: pps,
            },
            lead,
          }),
        ),
      );
      cells.push({
        cell: { x: 0, y: AXIS_PX + 3 * rowPx, width, height: rowPx, t0: this.t0, pxPerSecond: pps },
        lead: this.twelve[1]![0]!,
      });
    } else {
      this.meta.leads.forEach((_, i) =>
        cells.push({
          cell: { x: 0, y: AXIS_PX + i * rowPx, width, height: rowPx, t0: this.t0, pxPerSecond: pps },
          lead: i,
        }),
      );
    }
    for (const { cell } of cells) drawGrid(ctx, cell, pxPerMv);
    this.drawHighlights(
      ctx,
      cells.map((c) => c.cell),
    );
    for (const { cell, lead } of cells) {
      if (this.data) drawTrace(ctx, cell, this.data, lead, pxPerMv);
      drawLabel(ctx, this.meta.leads[lead] ?? "", cell.x, cell.y);
    }
    if (this.twelve) {
      ctx.strokeStyle = COLORS.label;
      for (let col = 1; col < 4; col++) {
        const x = Math.round((col * width) / 4) + 0.5;
        ctx.beginPath();
        ctx.moveTo(x, AXIS_PX);
        ctx.lineTo(x, AXIS_PX + 3 * rowPx);
        ctx.stroke();
      }
    }
    this.drawAxis(ctx, width);
  }

  private drawHighlights(ctx: CanvasRenderingContext2D, cells: Cell[]): void {
    const all = this.flash ? [...this.highlights, this.flash] : this.highlights;
    for (const cell of cells) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(cell.x, cell.y, cell.width, cell.height);
      ctx.clip();
      for (const h of all) {
        const x0 = cell.x + (h.start - cell.t0) * cell.pxPerSecond;
        const x1 = cell.x + (h.end - cell.t0) * cell.pxPerSecond;
        if (x1 < cell.x || x0 > cell.x + cell.width) continue;
        ctx.fillStyle = h === this.flash ? "rgba(255, 140, 0, 0.45)" : COLORS.highlight;
        ctx.fillRect(x0, cell.y, Math.max(2, x1 - x0), cell.height);
        ctx.strokeStyle = COLORS.highlightEdge;
        ctx.strokeRect(x0 + 0.5, cell.y + 0.5, Math.max(1, x1 - x0 - 1), cell.height - 1);
      }
      ctx.restore();
    }
  }

  /** Time labels along the top, at round steps. */
  private drawAxis(ctx: CanvasRenderingContext2D, width: number): void {
    ctx.save();
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, AXIS_PX);
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = COLORS.label;
    ctx.textBaseline = "middle";
    const steps = [0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];
    const colSpan = this.twelve ? this.span / 4 : this.span;
    const step = steps.find((s) => s * this.pxPerSecond >= 70) ?? 7200;
    const cols = this.twelve ? 4 : 1;
    for (let col = 0; col < cols; col++) {
      const t0 = this.t0 + col * colSpan;
      const x0 = (col * width) / cols;
      for (let t = Math.ceil(t0 / step) * step; t < t0 + colSpan; t += step) {
        ctx.fillText(formatTime(t), x0 + (t - t0) * this.pxPerSecond + 2, AXIS_PX / 2);
      }
    }
    ctx.restore();
  }
}

/** Indices for the 3x4 layout when the record has the 12 standard leads, else null. */
function twelveLeadIndices(leads: string[]): number[][] | null {
  if (leads.length < 12) return null;
  const at = new Map(leads.map((l, i) => [norm(l), i]));
  const rows = TWELVE.map((row) => row.map((l) => at.get(norm(l)) ?? -1));
  return rows.every((r) => r.every((i) => i >= 0)) ? rows : null;
}
