/**
 * Limits concurrent generations: at most `concurrency` run, up to `maxQueued` wait in order, and
 * past that a request is refused at once (the server answers 429 with Retry-After) instead of
 * piling up. Waiting requests leave the queue when their client goes away.
 */

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(
      `the server is busy (all generation slots and the queue are full); retry in ${retryAfterSeconds} s`,
    );
    this.name = "QueueFullError";
  }
}

interface Waiter {
  start: () => void;
}

export class GenerationQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  /** Moving average of generation time, for Retry-After. */
  private avgSeconds = 5;

  constructor(
    readonly concurrency: number,
    readonly maxQueued: number,
  ) {}

  get stats(): { running: number; queued: number; concurrency: number; maxQueued: number } {
    return {
      running: this.running,
      queued: this.waiting.length,
      concurrency: this.concurrency,
      maxQueued: this.maxQueued,
    };
  }

  /** Seconds until a slot is likely free for one more request. */
  retryAfter(): number {
    const ahead = this.waiting.length + 1;
    return Math.max(1, Math.ceil((this.avgSeconds * ahead) / this.concurrency));
  }

  /**
   * Waits for a slot (or throws QueueFullError right away), then runs `fn`; the slot is held
   * until `fn` settles, even when the caller has stopped waiting for it.
   */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.avgSeconds = 0.8 * this.avgSeconds + 0.2 * ((performance.now() - t0) / 1000);
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueued) return Promise.reject(new QueueFullError(this.retryAfter()));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason as Error);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.running--;
  }
}
