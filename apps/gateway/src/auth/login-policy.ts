import type { RateLimit } from '@tilemud/contracts';

/** Failed sign-ins counted on one key, and when the latest was counted (epoch ms). */
export interface FailureCount {
  fails: number;
  last: number;
}

/**
 * The three keys a sign-in is counted on. `pair` is one name from one address: an attacker's
 * failures there never touch the player's own address. `address` is everything from one address.
 * `user` is one name from every address.
 */
export const LOGIN_KEYS = ['pair', 'address', 'user'] as const;
export type LoginKey = (typeof LOGIN_KEYS)[number];
export type LoginCounts = Partial<Record<LoginKey, FailureCount>>;

/**
 * `pair` and `address`: `limit` failures are free, then each further attempt waits. `user` only
 * slows down: beyond `limit`, an address that has failed on the name waits; a fresh one does not.
 * A limit of 0 turns its key off (a name that is no username has no pair or user key).
 */
export type LoginLimits = Record<LoginKey, RateLimit>;

export type LoginDecision = { allowed: true } | { allowed: false; retryAfterMs: number; limit: LoginKey };

/**
 * A key quiet for two windows is forgotten. Not one: waits reach a whole window, and a patient
 * attacker who waited exactly that would otherwise get `limit` free tries back each time.
 */
function live(c: FailureCount | undefined, limit: RateLimit, now: number): FailureCount {
  if (!c || limit.limit <= 0 || now - c.last >= 2 * limit.windowMs) return { fails: 0, last: 0 };
  return c;
}

/**
 * The wait after `fails` failures: none for the first `limit`, then window/limit (5 per 5 min:
 * one minute, as a token bucket would give), doubling with each further failure, at most a window.
 */
export function backoffMs(fails: number, limit: RateLimit): number {
  if (limit.limit <= 0 || fails < limit.limit) return 0;
  return Math.min(limit.windowMs, (limit.windowMs / limit.limit) * 2 ** (fails - limit.limit));
}

/**
 * Whether a sign-in may be tried now; refused, the longest of the waits and whose it is. The
 * `user` wait runs from this pair's own last failure, so the player's own retries do not race an
 * attacker's; a pair with no failures (an address that has not been failing) never has it.
 * login-limiter.lua.ts is this same arithmetic, run atomically in Redis.
 */
export function decide(counts: LoginCounts, limits: LoginLimits, now: number): LoginDecision {
  const pair = live(counts.pair, limits.pair, now);
  const address = live(counts.address, limits.address, now);
  const user = live(counts.user, limits.user, now);
  const waits: Array<[LoginKey, number]> = [
    ['pair', pair.last + backoffMs(pair.fails, limits.pair) - now],
    ['address', address.last + backoffMs(address.fails, limits.address) - now],
    ['user', pair.fails > 0 ? pair.last + backoffMs(user.fails, limits.user) - now : 0],
  ];
  let worst: [LoginKey, number] = ['pair', 0];
  for (const w of waits) if (w[1] > worst[1]) worst = w;
  return worst[1] > 0 ? { allowed: false, retryAfterMs: Math.ceil(worst[1]), limit: worst[0] } : { allowed: true };
}

/**
 * Counts the attempt as a failure before the password is checked, so concurrent attempts cannot
 * all pass one check; a right password or an attempt never tried gives it back (`release`).
 */
function reserve(counts: LoginCounts, limits: LoginLimits, now: number): LoginCounts {
  const next: LoginCounts = {};
  for (const k of LOGIN_KEYS) if (limits[k].limit > 0) next[k] = { fails: live(counts[k], limits[k], now).fails + 1, last: now };
  return next;
}

/** decide, and reserve when allowed: one step, as the Redis script does it. */
export function attempt(counts: LoginCounts, limits: LoginLimits, now: number): { decision: LoginDecision; counts: LoginCounts } {
  const decision = decide(counts, limits, now);
  return { decision, counts: decision.allowed ? reserve(counts, limits, now) : counts };
}

/** What an attempt leaves on each key once settled. */
export type Settlement = 'keep' | 'give_back' | 'clear';

/**
 * A wrong password keeps its failures. A right one clears its pair and gives back what it took
 * from the address and the name; an attempt that was never tried (hashing queue full, database
 * down) gives back all three.
 */
export function settlementOf(outcome: 'failed' | 'succeeded' | 'not_tried'): Record<LoginKey, Settlement> {
  if (outcome === 'failed') return { pair: 'keep', address: 'keep', user: 'keep' };
  if (outcome === 'succeeded') return { pair: 'clear', address: 'give_back', user: 'give_back' };
  return { pair: 'give_back', address: 'give_back', user: 'give_back' };
}

/** One key after its settlement; undefined when nothing is left to remember. */
export function settle(c: FailureCount | undefined, how: Settlement): FailureCount | undefined {
  if (!c || how === 'keep') return c;
  if (how === 'clear' || c.fails <= 1) return undefined;
  return { fails: c.fails - 1, last: c.last };
}
