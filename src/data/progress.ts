/**
 * A small progress line for long jobs: count, rate and ETA, redrawn in place on a terminal and
 * printed once at the end otherwise (so logs stay readable).
 */
export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
}

export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit: string,
    private readonly out: ProgressSink | null = process.stderr,
  ) {}

  /** Marks `n` more units done (throttled redraw, at most 10 per second). */
  tick(n = 1): void {
    this.done += n;
    const now = Date.now();
    if (this.out?.isTTY && now - this.lastDraw > 100) {
      this.lastDraw = now;
      this.out.write(`\r${this.line()}\x1b[K`);
    }
  }

  /** The current line: "mitdb [#####.....] 13/26 records 8.1/s ETA 2s". */
  line(): string {
    const elapsed = Math.max(1e-3, (Date.now() - this.started) / 1000);
    const rate = this.done / elapsed;
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const width = 20;
    const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
    const eta = rate > 0 ? Math.max(0, (this.total - this.done) / rate) : 0;
    return `${this.label.padEnd(18)} [${bar}] ${this.done}/${this.total} ${this.unit} ${rate.toFixed(1)}/s ETA ${formatSeconds(eta)}`;
  }

  /** Prints the final line. */
  finish(): void {
    if (!this.out) return;
    const elapsed = (Date.now() - this.started) / 1000;
    this.out.write(
      `${this.out.isTTY ? "\r" : ""}${this.line().replace(/ETA .*$/, `in ${formatSeconds(elapsed)}`)}\n`,
    );
  }
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
