import { Backoff, backoffDelay } from './backoff';

describe('backoff', () => {
  it('doubles from the first wait up to the longest, and starts over after a reset', async () => {
    jest.useFakeTimers();
    try {
      const b = new Backoff({ initialMs: 250, maxMs: 2000 });
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) {
        const ms = b.delayMs;
        seen.push(ms);
        const waited = b.wait();
        await jest.advanceTimersByTimeAsync(ms);
        await waited;
      }
      expect(seen).toEqual([250, 500, 1000, 2000, 2000]);
      b.reset();
      expect(b.delayMs).toBe(250);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a wait under way ends at once when interrupted', async () => {
    const b = new Backoff({ initialMs: 60_000, maxMs: 60_000 });
    const waited = b.wait();
    b.interrupt();
    await expect(waited).resolves.toBeUndefined();
  });

  it('computes any step with another factor, capped', () => {
    const opts = { initialMs: 500, maxMs: 30_000, factor: 3 };
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(opts, n))).toEqual([500, 1500, 4500, 13_500, 30_000]);
  });
});
