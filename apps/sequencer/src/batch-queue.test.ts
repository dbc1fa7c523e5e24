import { BatchQueue } from './batch-queue';

type Item = { id: number };

/** A queue whose batches are held until released, so a test sees what is in hand at each moment. */
function queue(maxBatch: number) {
  const batches: number[][] = [];
  const pending: Array<() => void> = [];
  const q = new BatchQueue<Item>(maxBatch, (batch) => {
    batches.push(batch.map((i) => i.id));
    return new Promise((r) => pending.push(r));
  });
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
});
