import { classifyAnswer, PendingIntents, SLO_GOOD_WITHIN_MS } from './intent-slo';

describe('intent SLO classification', () => {
  it('counts applied, rejected and duplicate answers good when within 200 ms', () => {
    for (const status of ['applied', 'rejected', 'duplicate'] as const) {
      expect(classifyAnswer({ status, code: status === 'rejected' ? 'MOVE_INTO_WALL' : undefined }, 50)).toEqual({
        outcome: status,
        code: status === 'rejected' ? 'MOVE_INTO_WALL' : '',
        slo: true,
        good: true,
      });
      expect(classifyAnswer({ status }, SLO_GOOD_WITHIN_MS + 1).good).toBe(false);
    }
  });

  it('counts the service failing against the SLO, as an error, however fast', () => {
    for (const code of ['UNAVAILABLE', 'INTERNAL', 'CAPACITY_EXCEEDED']) expect(classifyAnswer({ status: 'rejected', code }, 1)).toEqual({ outcome: 'error', code, slo: true, good: false });
    expect(classifyAnswer({ status: 'timeout' }, 10_000)).toEqual({ outcome: 'error', code: 'TIMEOUT', slo: true, good: false });
  });

  it('leaves rate-limited intents out of the SLO', () => {
    expect(classifyAnswer({ status: 'rejected', code: 'RATE_LIMITED' }, 1)).toEqual({ outcome: 'rejected', code: 'RATE_LIMITED', slo: false, good: false });
  });
});

describe('pending intents', () => {
  it('times an answer, ages the oldest, expires the unanswered and forgets a closed session', () => {
    const p = new PendingIntents();
    p.begin('s1', 1, 'move', 0);
    p.begin('s1', 2, 'chat', 100);
    p.begin('s2', 1, 'action', 200);
    expect(p.oldestAgeMs(1000)).toBe(1000);
    expect(p.end('s1', 1, 150)).toEqual({ type: 'move', elapsedMs: 150 });
    expect(p.end('s1', 1, 160)).toBeUndefined();
    expect(p.oldestAgeMs(1000)).toBe(900);
    p.dropSession('s2');
    expect(p.expire(5000, 4000)).toEqual(['chat']);
    expect(p.oldestAgeMs(6000)).toBe(0);
  });
});
