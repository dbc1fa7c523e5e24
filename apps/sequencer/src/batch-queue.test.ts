import { BatchQueue } from './batch-queue';

type Item = { id: number };

/** A queue whose batches are held until released, so a test sees what is in hand at each moment. */
function queue(maxBatch: number, keyOf?: (item: Item) => unknown) {
  const batches: number[][] = [];
  const pending: Array<() => void> = [];
  const q = new BatchQueue<Item>(
    maxBatch,
    (batch) => {
      batches.push(batch.map((i) => i.id));
      return new Promise((r) => pending.push(r));
    },
    keyOf,
  );
  const release = async () => {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { q, batches, release };
}

describe('BatchQueue', () => {
  it('takes a batch at once, never waiting to fill, and the next (at most maxBatch) when it is done', async () => {
    const { q, batches, release } = queue(2);
    q.push({ id: 1 });
    q.push({ id: 2 });
    q.push({ id: 3 });
    q.push({ id: 4 });
    expect(batches).toEqual([[1]]);
    await release();
    expect(batches).toEqual([[1], [2, 3]]);
    await release();
    await release();
    expect(batches).toEqual([[1], [2, 3], [4]]);
    await q.idle();
  });

  it('closed, takes nothing more: what is queued is handed back', async () => {
    const { q, batches, release } = queue(10);
    q.push({ id: 1 });
    q.push({ id: 2 });
    q.close();
    expect(q.takeQueued()).toEqual([{ id: 2 }]);
    const idle = q.idle();
    await release();
    await idle;
    expect(batches).toEqual([[1]]);
  });

  it('reports how long the oldest item in hand (in the batch under way) has waited, and 0 with none', async () => {
    const { q, release } = queue(10);
    expect(q.waitingMs()).toBe(0);
    const before = performance.now();
    q.push({ id: 1 });
    const after = performance.now();
    q.push({ id: 2 });
    expect(q.waitingMs(after + 100)).toBeGreaterThanOrEqual(100);
    expect(q.waitingMs(after + 100)).toBeLessThanOrEqual(after - before + 100);
    await release();
    await release();
    expect(q.waitingMs()).toBe(0);
  });

  it('gives back only the queued items picked, keeping the others in order', async () => {
    const { q, batches, release } = queue(10);
    for (const id of [1, 2, 3, 4, 5]) q.push({ id });
    expect(q.takeQueued((i) => i.id % 2 === 0).map((i) => i.id)).toEqual([2, 4]);
    await release();
    expect(batches).toEqual([[1], [3, 5]]);
    await release();
  });

  it('settles when the batch under way is done, without waiting for the batches after it', async () => {
    const { q, batches, release } = queue(1);
    await q.settled(); // nothing under way
    q.push({ id: 1 });
    q.push({ id: 2 });
    let settled = false;
    const s = q.settled().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    await release();
    await s;
    expect(batches).toEqual([[1], [2]]); // the next batch is under way, and settled did not wait for it
    await release();
  });

  it('hands back the items a test picks, in queue order, and keeps the rest in order; a long queue in one pass', async () => {
    const { q, batches, release } = queue(3);
    for (let id = 1; id <= 9; id++) q.push({ id });
    expect(batches).toEqual([[1]]);
    expect(q.takeQueued((i) => i.id % 2 === 0).map((i) => i.id)).toEqual([2, 4, 6, 8]);
    expect(q.length).toBe(4);
    await release();
    expect(batches).toEqual([[1], [3, 5, 7]]);
    await release();
    await release();
    expect(batches).toEqual([[1], [3, 5, 7], [9]]);
    // 200,000 queued, half of them taken back: linear (the old splice per item took minutes here).
    const big = queue(1);
    big.q.push({ id: -1 }); // in a batch, held
    for (let id = 0; id < 200_000; id++) big.q.push({ id });
    const started = performance.now();
    const odd = big.q.takeQueued((i) => i.id % 2 === 1);
    expect(odd).toHaveLength(100_000);
    expect(odd[0]!.id).toBe(1);
    expect(odd[99_999]!.id).toBe(199_999);
    expect(big.q.length).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(5_000); // generous: quadratic is minutes
    big.q.takeQueued();
    await big.release();
  });

  it('with keys, a second delivery of an item still queued is not queued again; once taken, its key is free', async () => {
    const { q, batches, release } = queue(10, (i) => i.id);
    expect(q.push({ id: 1 })).toBe(true); // taken into a batch at once
    expect(q.push({ id: 2 })).toBe(true);
    expect(q.push({ id: 2 })).toBe(false); // a redelivery while the first waits
    expect(q.push({ id: 3 })).toBe(true);
    expect(q.push({ id: 1 })).toBe(true); // its first is in the batch under way, not queued: decided again (as a duplicate)
    expect(q.length).toBe(3);
    await release();
    expect(batches).toEqual([[1], [2, 3, 1]]);
    expect(q.push({ id: 2 })).toBe(true); // in the batch under way now
    expect(q.takeQueued().map((i) => i.id)).toEqual([2]);
    expect(q.push({ id: 2 })).toBe(true); // handed back: no longer queued
    q.takeQueued();
    await release();
    await q.idle();
  });
});
