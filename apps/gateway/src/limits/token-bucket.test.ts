import { LocalBuckets, takeToken } from './token-bucket';

describe('token bucket', () => {
  const chat = { limit: 5, windowMs: 10_000 };

  it('allows a burst of the limit, then refuses with the time until the next token', () => {
    let state: { tokens: number; at: number } | undefined;
    for (let i = 0; i < 5; i++) {
      const r = takeToken(state, chat, 1, 1000);
      expect(r.decision.allowed).toBe(true);
      state = r.state;
    }
    const refused = takeToken(state, chat, 1, 1000);
    expect(refused.decision).toEqual({ allowed: false, retryAfterMs: 2000 });
    // half a token later, half the wait
    expect(takeToken(refused.state, chat, 1, 2000).decision).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(takeToken(refused.state, chat, 1, 3000).decision.allowed).toBe(true);
  });

  it('never holds more than the limit, however long it rested', () => {
    const r = takeToken({ tokens: 0, at: 0 }, chat, 1, 10_000_000);
    expect(r.state.tokens).toBe(4);
  });

  it('a peek (cost 0) takes nothing', () => {
    const r = takeToken({ tokens: 1, at: 0 }, chat, 0, 0);
    expect(r.decision.allowed).toBe(true);
    expect(r.state.tokens).toBe(1);
    expect(takeToken({ tokens: 0.5, at: 0 }, chat, 0, 0).decision).toEqual({ allowed: false, retryAfterMs: 1000 });
  });

  it('local buckets are keyed, resettable and forget full ones', () => {
    let now = 0;
    const b = new LocalBuckets(() => now);
    const move = { limit: 2, windowMs: 1000 };
    expect(b.take('m:a', move, 1).allowed).toBe(true);
    expect(b.take('m:a', move, 1).allowed).toBe(true);
    expect(b.take('m:a', move, 1)).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(b.take('m:b', move, 1).allowed).toBe(true);
    b.reset('m:a');
    expect(b.take('m:a', move, 1).allowed).toBe(true);
    now = 5000;
    b.sweep();
    expect(b.size).toBe(0);
  });
});
