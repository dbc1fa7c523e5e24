import { attempt, LOGIN_KEYS, LoginCounts, LoginDecision, LoginKey, LoginLimits, settle, Settlement } from './login-policy';

type Keys = Record<LoginKey, string>;

/**
 * The login counters in process: the fallback while Redis is unreachable (each gateway then
 * counts on its own). Reserving is one synchronous step, so concurrent requests cannot both pass.
 */
export class LocalLoginCounts {
  private readonly counts = new Map<string, { fails: number; last: number; forgetAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  attempt(keys: Keys, limits: LoginLimits): LoginDecision {
    const now = this.now();
    if (this.counts.size > 100_000) this.sweep(now);
    const current: LoginCounts = {};
    for (const k of LOGIN_KEYS) current[k] = this.counts.get(keys[k]);
    const r = attempt(current, limits, now);
    if (r.decision.allowed) {
      for (const k of LOGIN_KEYS) {
        const c = r.counts[k];
        if (c) this.counts.set(keys[k], { ...c, forgetAt: now + 2 * limits[k].windowMs });
      }
    }
    return r.decision;
  }

  settle(keys: Keys, how: Record<LoginKey, Settlement>): void {
    for (const k of LOGIN_KEYS) {
      const c = this.counts.get(keys[k]);
      const next = settle(c, how[k]);
      if (!next) this.counts.delete(keys[k]);
      else if (c) this.counts.set(keys[k], { ...c, ...next });
    }
  }

  /** Forgets counters quiet for two windows (they count for nothing then). */
  sweep(now = this.now()): void {
    for (const [key, c] of this.counts) if (now >= c.forgetAt) this.counts.delete(key);
  }

  clear(): void {
    this.counts.clear();
  }

  get size(): number {
    return this.counts.size;
  }
}
