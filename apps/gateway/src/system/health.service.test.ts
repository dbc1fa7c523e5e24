import { withinTimeout } from './health.service';

/** Holds the event loop for `ms` (a process starved of CPU, or a long synchronous stretch). */
function holdLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('withinTimeout (the health probes)', () => {
  it('answers the work when it settles in time, and rejects when it does not', async () => {
    await expect(withinTimeout(Promise.resolve('up'), 100)).resolves.toBe('up');
    await expect(withinTimeout(new Promise((r) => setTimeout(r, 200)), 20)).rejects.toThrow('timeout');
  });

  it('an answer that arrived while the loop was held up wins over a timer that expired meanwhile', async () => {
    // Both timers expire while the loop is held; the timeout's comes first in the timers phase.
    const answer = new Promise((r) => setTimeout(() => r('up'), 30));
    const verdict = withinTimeout(answer, 10);
    holdLoop(80);
    await expect(verdict).resolves.toBe('up');
  });

  it('passes the work’s own failure through', async () => {
    await expect(withinTimeout(Promise.reject(new Error('refused')), 100)).rejects.toThrow('refused');
  });
});
