/** Refused because `maxWaiting` jobs already wait; `retryAfterMs` is when a place is likely free. */
export class WorkQueueFullError extends Error {
  readonly code = 'WORK_QUEUE_FULL';
  constructor(readonly retryAfterMs: number) {
    super('work queue full');
  }
}

/**
 * At most `concurrency` jobs at once and `maxWaiting` more in line; beyond that a job is refused at
 * once rather than queued without end. Password hashing runs through one of these so that it never
 * holds every thread of libuv's pool: file reads (static assets), DNS lookups and zlib need them too.
 */
export class BoundedWork {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private avgMs: number;

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
    /** First guess of a job's duration, until some have run. */
    initialJobMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(concurrency >= 1)) throw new Error('concurrency must be at least 1');
    this.avgMs = initialJobMs;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    else if (this.waiting.length >= this.maxWaiting) throw new WorkQueueFullError(this.estimatedWaitMs());
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the finishing job hands its place over
    const started = this.now();
    try {
      return await job();
    } finally {
      this.avgMs = 0.8 * this.avgMs + 0.2 * (this.now() - started);
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** How long until a job asked for now would start: the line ahead of it, `concurrency` at a time. */
  estimatedWaitMs(): number {
    return Math.max(1, Math.ceil(((this.waiting.length + 1) / this.concurrency) * this.avgMs));
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
