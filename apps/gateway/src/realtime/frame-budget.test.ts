import { BudgetError, FrameBudget } from './frame-budget';

/**
 * A fake world on a fake clock: `rate` deltas a second, each frame needing `writes(interval)`
 * socket writes; frames go out as the channel would send them (at most one per interval).
 */
function simulate(budget: FrameBudget, worlds: Array<{ id: string; rate: number; writes: (ms: number) => number }>, fromMs: number, toMs: number, stepMs = 1) {
  const next = new Map(worlds.map((w) => [w.id, 0]));
  const lastFlush = new Map(worlds.map((w) => [w.id, -Infinity]));
  const intervals: number[] = [];
  let written = 0;
  for (let t = fromMs; t < toMs; t += stepMs) {
    const interval = budget.interval(t);
    intervals.push(interval);
    for (const w of worlds) {
      // Deltas arrive evenly; what arrived is flushed once the interval since the last flush has passed.
      while (next.get(w.id)! <= t) {
        budget.delta(w.id);
        next.set(w.id, next.get(w.id)! + 1000 / w.rate);
        (w as { due?: boolean }).due = true;
      }
      if ((w as { due?: boolean }).due && t - lastFlush.get(w.id)! >= interval) {
        const n = w.writes(interval);
        budget.flushed(w.id, n);
        written += n;
        lastFlush.set(w.id, t);
        (w as { due?: boolean }).due = false;
      }
    }
  }
  return { intervals, writesPerS: (1000 * written) / (toMs - fromMs) };
}

describe('FrameBudget', () => {
  it('keeps the shortest interval while the writes are within the budget', () => {
    const b = new FrameBudget({ minIntervalMs: 10, maxWritesPerS: 10_000 }, 0);
    const { intervals, writesPerS } = simulate(b, [{ id: 'a', rate: 100, writes: () => 50 }], 0, 5000);
    expect(new Set(intervals)).toEqual(new Set([10]));
    expect(writesPerS).toBeLessThanOrEqual(10_000);
  });

  it('grows the interval only as far as the budget needs (one whole-world audience of 500: 50 ms for 10,000/s)', () => {
    const b = new FrameBudget({ minIntervalMs: 10, maxWritesPerS: 10_000 }, 0);
    const { intervals, writesPerS } = simulate(b, [{ id: 'a', rate: 200, writes: () => 500 }], 0, 10_000);
    expect(intervals[intervals.length - 1]).toBe(50);
    const late = simulate(b, [{ id: 'a', rate: 200, writes: () => 500 }], 10_000, 20_000);
    expect(late.writesPerS).toBeLessThanOrEqual(10_500);
    expect(writesPerS).toBeGreaterThan(5000);
  });

  it('shares the budget among the worlds in proportion: a quiet world costs what it needs, not its audience', () => {
    const b = new FrameBudget({ minIntervalMs: 10, maxWritesPerS: 10_000 }, 0);
    const worlds = [
      { id: 'busy', rate: 200, writes: () => 200 },
      { id: 'quiet', rate: 1, writes: () => 2000 }, // a big audience, one delta a second
    ];
    simulate(b, worlds, 0, 10_000);
    // busy needs 200 × 1000/I, quiet 2000 × 1: I = 200,000 / 8,000 = 25 ms.
    expect(b.interval(10_000)).toBeGreaterThanOrEqual(22);
    expect(b.interval(10_000)).toBeLessThanOrEqual(28);
    expect(b.demand(25)).toBeLessThanOrEqual(10_000);
  });

  it('does not see-saw when the writes a frame needs grow with the interval (areas of interest)', () => {
    const b = new FrameBudget({ minIntervalMs: 10, maxWritesPerS: 10_000 }, 0);
    // 2,000 clients; the longer the frame, the more clients see a change in it.
    const writes = (ms: number) => Math.round(2000 * (1 - Math.exp(-ms / 100)));
    const { intervals } = simulate(b, [{ id: 'a', rate: 500, writes }], 0, 30_000);
    const settled = intervals.slice(15_000);
    const lo = Math.min(...settled);
    const hi = Math.max(...settled);
    expect(hi - lo).toBeLessThanOrEqual(Math.max(2, 0.1 * lo));
    expect(lo).toBeGreaterThan(10);
  });

  it('comes down gently when the load goes, and rises at once when it comes back', () => {
    const b = new FrameBudget({ minIntervalMs: 10, maxWritesPerS: 1000, maxStepDown: 0.25, updateEveryMs: 250 }, 0);
    simulate(b, [{ id: 'a', rate: 100, writes: () => 100 }], 0, 5000);
    const high = b.interval(5000);
    expect(high).toBe(100);
    b.forget('a');
    expect(b.interval(5250)).toBe(75);
    expect(b.interval(5500)).toBe(57);
    for (let t = 5750; t < 10_000; t += 250) b.interval(t);
    expect(b.interval(10_000)).toBe(10);
    simulate(b, [{ id: 'a', rate: 100, writes: () => 100 }], 10_000, 10_300);
    expect(b.interval(10_300)).toBe(100);
  });

  it('never goes beyond the longest interval, and refuses settings that make no sense', () => {
    const b = new FrameBudget({ minIntervalMs: 10, maxWritesPerS: 100, maxIntervalMs: 200 }, 0);
    simulate(b, [{ id: 'a', rate: 100, writes: () => 10_000 }], 0, 2000);
    expect(b.interval(2000)).toBe(200);
    expect(() => new FrameBudget({ minIntervalMs: 10, maxWritesPerS: 0 }, 0)).toThrow(BudgetError);
    expect(() => new FrameBudget({ minIntervalMs: 50, maxWritesPerS: 10, maxIntervalMs: 20 }, 0)).toThrow(BudgetError);
  });
});
