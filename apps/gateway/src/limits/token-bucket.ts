import type { RateLimit } from '@tilemud/contracts';

export interface RateDecision {
  allowed: boolean;
  /** How long until the request would be allowed; 0 when it was. */
  retryAfterMs: number;
}

/**
 * The token bucket both limiters share: `limit` tokens, refilled evenly over `windowMs` (so "5 per
 * 10 s" allows a burst of 5, then one every 2 s). Taking `cost` 0 only asks whether one token is
 * there. The Redis script in rate-limiter.service.ts is this same arithmetic.
 */
export function takeToken(state: { tokens: number; at: number } | undefined, limit: RateLimit, cost: number, now: number): { decision: RateDecision; state: { tokens: number; at: number } } {
  const rate = limit.limit / limit.windowMs;
  const prev = state ?? { tokens: limit.limit, at: now };
  const tokens = Math.min(limit.limit, prev.tokens + Math.max(0, now - prev.at) * rate);
  const need = Math.max(cost, 1);
  if (tokens >= need) return { decision: { allowed: true, retryAfterMs: 0 }, state: { tokens: tokens - cost, at: now } };
  return { decision: { allowed: false, retryAfterMs: Math.ceil((need - tokens) / rate) }, state: { tokens, at: now } };
}

/** In-process buckets: the fallback while Redis is unreachable (each gateway then limits on its own). */
export class LocalBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number; windowMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  take(key: string, limit: RateLimit, cost: number): RateDecision {
    const now = this.now();
    if (this.buckets.size > 100_000) this.sweep(now);
    const { decision, state } = takeToken(this.buckets.get(key), limit, cost, now);
    if (cost > 0 || this.buckets.has(key)) this.buckets.set(key, { ...state, windowMs: limit.windowMs });
    return decision;
  }

  reset(key: string): void {
    this.buckets.delete(key);
  }

  /** A bucket untouched for its whole window is full again: forgetting it changes nothing. */
  sweep(now = this.now()): void {
    for (const [key, b] of this.buckets) if (now - b.at >= b.windowMs) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}
