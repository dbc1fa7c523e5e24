import type { Logger } from '@tilemud/runtime';

/**
 * Pure. At most one log line per kind per window; the ones in between are counted and the count
 * goes with the next line. A client can cause a fault as often as it can open a socket: each one
 * logged would let it fill the logs (and hide everything else in them).
 */
export class LogThrottle {
  private readonly kinds = new Map<string, { lastAt: number; suppressed: number }>();

  constructor(
    private readonly windowMs: number,
    /** Kinds remembered at most (they come from a small set of codes; this only bounds a surprise). */
    private readonly maxKinds = 256,
  ) {}

  /** Null: stay quiet now. Else log, saying how many of this kind were left out since its last line. */
  take(kind: string, now: number): { suppressed: number } | null {
    const k = this.kinds.get(kind);
    if (k && now - k.lastAt < this.windowMs) {
      k.suppressed++;
      return null;
    }
    if (!k && this.kinds.size >= this.maxKinds) this.kinds.clear();
    this.kinds.set(kind, { lastAt: now, suppressed: 0 });
    return { suppressed: k?.suppressed ?? 0 };
  }
}

/** Faults a client causes (a refused frame, a connection over its address's cap): info, throttled per kind. */
export class ClientFaultLog {
  private readonly throttle: LogThrottle;

  constructor(
    private readonly logger: Logger,
    windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.throttle = new LogThrottle(windowMs);
  }

  note(kind: string, msg: string, fields: Record<string, unknown> = {}): void {
    const t = this.throttle.take(kind, this.now());
    if (t) this.logger.info({ kind, ...fields, ...(t.suppressed ? { suppressed: t.suppressed } : {}) }, `client fault: ${msg}`);
  }
}
