import { BoundedWork, WorkQueueFullError } from './bounded-work';

/** A job that finishes when told to. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { open, job: () => done.then(() => 'done') };
}

describe('bounded work', () => {
  it('runs at most `concurrency` at once, queues `maxWaiting`, refuses the rest at once with a wait', async () => {
    let now = 0;
    const work = new BoundedWork(2, 3, 100, () => now);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const runs = gates.map((g, i) => work.run(() => (started.push(i), g.job())));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(work.stats).toEqual({ running: 2, waiting: 3 });
    const refused = await work.run(() => Promise.resolve('never')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkQueueFullError);
    expect((refused as WorkQueueFullError).retryAfterMs).toBe(200); // 4 in line at 2 a time, 100 ms each

    now = 50;
    gates[0]!.open();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]); // the place is handed over, not given up
    expect(work.stats).toEqual({ running: 2, waiting: 2 });
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(work.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the place of a job that throws', async () => {
    const work = new BoundedWork(1, 0);
    await expect(work.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await work.run(() => Promise.resolve(42))).toBe(42);
  });

  it('learns how long jobs take for its estimate', async () => {
    let now = 0;
    const work = new BoundedWork(1, 0, 100, () => now);
    for (let i = 0; i < 20; i++) await work.run(() => Promise.resolve(void (now += 1000)));
    expect(work.estimatedWaitMs()).toBeGreaterThan(900);
  });
});
