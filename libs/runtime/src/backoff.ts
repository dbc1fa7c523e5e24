/** How the waits of a retry loop grow. */
export interface BackoffOptions {
  /** The first wait, and the first again after `reset`. */
  initialMs: number;
  /** The longest wait. */
  maxMs: number;
  /** Each wait is this many times the one before; 2 unless said. */
  factor?: number;
}

/** The wait after `failures` failures in a row (0: the first wait). Pure. */
export function backoffDelay(opts: BackoffOptions, failures: number): number {
  return Math.min(opts.maxMs, Math.round(opts.initialMs * (opts.factor ?? 2) ** failures));
}

/**
 * The pause between the attempts of a loop that rides out an outage (PostgreSQL, NATS, JetStream
 * not answering yet): `initialMs` first, then `factor` times longer each time up to `maxMs`, and
 * from `initialMs` again after `reset` (call it when an attempt succeeds). One helper for every
 * such loop, so that none retries hot and each says in one line how its pauses grow.
 */
export class Backoff {
  private failures = 0;
  private wake?: () => void;

  constructor(private readonly opts: BackoffOptions) {}

  /** What the next `wait` will take (for the log line that announces it). */
  get delayMs(): number {
    return backoffDelay(this.opts, this.failures);
  }

  /** Waits `delayMs` (or until `interrupt`), and makes the next wait longer. */
  async wait(): Promise<void> {
    const ms = this.delayMs;
    this.failures++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
    this.wake = undefined;
  }

  /** Ends the wait under way at once (the loop was stopped, or what it waits for came). */
  interrupt(): void {
    this.wake?.();
  }

  /** The attempt succeeded: the next wait is `initialMs` again. */
  reset(): void {
    this.failures = 0;
  }
}
