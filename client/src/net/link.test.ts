import { assessLink, rttLabel, UNSTABLE_AFTER_MS, waitingFor } from './link';

const base = { now: 10_000, oldestUnackedAt: null, unacked: 0, pingSentAt: null, rttMs: 50 };

describe('link health', () => {
  it('is ok while nothing is owed, or owed for less than 1.5 s', () => {
    expect(assessLink(base)).toEqual({ state: 'ok' });
    expect(assessLink({ ...base, oldestUnackedAt: base.now - UNSTABLE_AFTER_MS + 1, unacked: 2, pingSentAt: base.now - 1000 })).toEqual({ state: 'ok' });
  });

  it('is unstable at once when an intent has waited 1.5 s for its ack', () => {
    expect(assessLink({ ...base, oldestUnackedAt: base.now - UNSTABLE_AFTER_MS, unacked: 2 })).toEqual({ state: 'unstable', since: base.now - 1500, unacked: 2, pingOverdue: false });
  });

  it('is unstable when a pong is overdue, even with no intent on the wire', () => {
    expect(assessLink({ ...base, pingSentAt: base.now - 2000 })).toEqual({ state: 'unstable', since: base.now - 2000, unacked: 0, pingOverdue: true });
  });

  it('dates the stall from whatever has been owed longest', () => {
    const link = assessLink({ ...base, pingSentAt: base.now - 4000, oldestUnackedAt: base.now - 1600, unacked: 1 });
    expect(link).toMatchObject({ state: 'unstable', since: base.now - 4000, unacked: 1, pingOverdue: true });
  });

  it('says what it waits for', () => {
    expect(waitingFor(['move', 'move', 'message'], true)).toBe('2 moves, 1 message and a ping');
    expect(waitingFor(['action'], false)).toBe('1 action');
    expect(waitingFor([], false)).toBe('the server');
  });

  it('marks the round-trip time stale while unstable', () => {
    expect(rttLabel(50, { state: 'ok' })).toBe('50 ms');
    expect(rttLabel(50, { state: 'unstable', since: 0, unacked: 1, pingOverdue: false })).toBe('last 50 ms, stale');
    expect(rttLabel(null, { state: 'ok' })).toBeNull();
  });
});
