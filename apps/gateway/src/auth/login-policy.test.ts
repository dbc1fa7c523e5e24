import { LocalLoginCounts } from './local-login-counts';
import { attempt, backoffMs, decide, LoginCounts, LoginLimits, settle, settlementOf } from './login-policy';

const MIN = 60_000;
// 5 per (name, address) and 20 per address in 5 minutes; across addresses 12 in 20 minutes.
const limits: LoginLimits = { pair: { limit: 5, windowMs: 5 * MIN }, address: { limit: 20, windowMs: 5 * MIN }, user: { limit: 12, windowMs: 20 * MIN } };

/** Runs attempts through the pure policy as the store would, failing each. */
function fail(counts: LoginCounts, n: number, now: number): { counts: LoginCounts; allowed: number } {
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    const r = attempt(counts, limits, now);
    if (r.decision.allowed) allowed++;
    counts = r.counts;
  }
  return { counts, allowed };
}

describe('login policy', () => {
  it('reserves before the check: of 40 attempts at one instant, 5 are let through', () => {
    expect(fail({}, 40, 1000).allowed).toBe(5);
  });

  it('after the free failures the waits grow: window/limit, then doubling, never beyond the window', () => {
    expect([4, 5, 6, 7, 8, 9, 30].map((f) => backoffMs(f, limits.pair))).toEqual([0, MIN, 2 * MIN, 4 * MIN, 5 * MIN, 5 * MIN, 5 * MIN]);
    let { counts } = fail({}, 5, 0);
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 4; i++) {
      const refused = decide(counts, limits, now + 1);
      if (refused.allowed) throw new Error('expected a wait');
      waits.push(refused.retryAfterMs);
      now = now + 1 + refused.retryAfterMs;
      expect(decide(counts, limits, now - 1).allowed).toBe(false); // not a ms early
      ({ counts } = fail(counts, 1, now));
    }
    expect(waits).toEqual([MIN - 1, 2 * MIN - 1, 4 * MIN - 1, 5 * MIN - 1]);
  });

  it('forgets a key quiet for two windows, not one', () => {
    const { counts } = fail({}, 8, 0);
    expect(decide(counts, limits, 5 * MIN).allowed).toBe(true); // the wait (one window) is over...
    expect(fail(counts, 1, 5 * MIN).counts.pair!.fails).toBe(6); // ...but the count goes on (5 of the 8 were tried)
    expect(fail(counts, 1, 10 * MIN).counts.pair!.fails).toBe(1);
  });

  it("another address's failures never touch a player's own (name, address) pair", () => {
    const attacker = fail({ user: undefined }, 5, 0).counts;
    // the player's address: a fresh pair and address, the same name
    const mine = decide({ user: attacker.user }, limits, 1);
    expect(mine).toEqual({ allowed: true });
    expect(decide(attacker, limits, 1)).toMatchObject({ allowed: false, limit: 'pair' });
  });

  it('across addresses a name only slows down the addresses that have failed on it; a fresh one goes through', () => {
    const user = { fails: 12, last: 0 }; // at the threshold
    const failedOnce = { fails: 1, last: 0 };
    // first wait: 20 min / 12 = 100 s from this pair's own last failure
    expect(decide({ pair: failedOnce, user }, limits, 10_000)).toEqual({ allowed: false, retryAfterMs: 90_000, limit: 'user' });
    expect(decide({ pair: undefined, user }, limits, 10_000)).toEqual({ allowed: true });
    // each failure more across addresses doubles it
    expect(decide({ pair: failedOnce, user: { fails: 13, last: 0 } }, limits, 10_000)).toMatchObject({ retryAfterMs: 190_000 });
    expect(decide({ pair: failedOnce, user: { fails: 40, last: 0 } }, limits, 10_000)).toMatchObject({ retryAfterMs: 20 * MIN - 10_000 });
  });

  it('limits an address across names', () => {
    let counts: LoginCounts = {};
    let allowed = 0;
    for (let i = 0; i < 25; i++) {
      const r = attempt({ address: counts.address }, limits, 0); // a new name each time
      if (r.decision.allowed) allowed++;
      counts = r.counts;
    }
    expect(allowed).toBe(20);
    expect(decide({ address: counts.address }, limits, 0)).toEqual({ allowed: false, retryAfterMs: 15_000, limit: 'address' });
  });

  it('a key with limit 0 is left alone (a name that is no username counts on the address only)', () => {
    const off = { ...limits, pair: { limit: 0, windowMs: 1 }, user: { limit: 0, windowMs: 1 } };
    const r = attempt({}, off, 0);
    expect(Object.keys(r.counts)).toEqual(['address']);
  });

  it('settling: a wrong password keeps its count, a right one clears the pair and gives back the rest', () => {
    expect(settlementOf('failed')).toEqual({ pair: 'keep', address: 'keep', user: 'keep' });
    expect(settlementOf('succeeded')).toEqual({ pair: 'clear', address: 'give_back', user: 'give_back' });
    expect(settlementOf('not_tried')).toEqual({ pair: 'give_back', address: 'give_back', user: 'give_back' });
    const c = { fails: 3, last: 7 };
    expect(settle(c, 'keep')).toBe(c);
    expect(settle(c, 'give_back')).toEqual({ fails: 2, last: 7 });
    expect(settle({ fails: 1, last: 7 }, 'give_back')).toBeUndefined();
    expect(settle(c, 'clear')).toBeUndefined();
  });
});

describe('local login counts (the fallback without Redis)', () => {
  const keys = (addr: string) => ({ pair: `p:ada:${addr}`, address: `a:${addr}`, user: 'u:ada' });

  it('lets 5 of 40 concurrent guesses through, and the right password from a fresh address', () => {
    const local = new LocalLoginCounts(() => 0);
    const decisions = Array.from({ length: 40 }, () => local.attempt(keys('10.0.0.1'), limits));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    expect(local.attempt(keys('10.0.0.2'), limits)).toEqual({ allowed: true });
  });

  it('gives back what a right password or an untried attempt took, and forgets quiet keys', () => {
    let now = 0;
    const local = new LocalLoginCounts(() => now);
    for (let i = 0; i < 4; i++) local.attempt(keys('10.0.0.1'), limits);
    local.attempt(keys('10.0.0.1'), limits);
    local.settle(keys('10.0.0.1'), settlementOf('not_tried'));
    expect(local.attempt(keys('10.0.0.1'), limits)).toEqual({ allowed: true }); // the 5th again
    expect(local.attempt(keys('10.0.0.1'), limits)).toMatchObject({ allowed: false });
    local.settle(keys('10.0.0.1'), settlementOf('succeeded'));
    expect(local.attempt(keys('10.0.0.1'), limits)).toEqual({ allowed: true }); // the pair was cleared
    now = 40 * MIN;
    local.sweep();
    expect(local.size).toBe(0);
  });
});
