import { SerialQueue } from './serial-queue';

describe('SerialQueue', () => {
  function queue(max = 4) {
    const flow: string[] = [];
    const errors: unknown[] = [];
    const q = new SerialQueue({ pause: () => flow.push('pause'), resume: () => flow.push('resume') }, max, (e) => errors.push(e));
    return { q, flow, errors };
  }

  it('runs steps one at a time in order, and goes on after one throws', async () => {
    const { q, errors } = queue();
    const order: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    void q.push(async () => (await gate, order.push(1)));
    const failed = q.push(() => Promise.reject(new Error('boom')));
    const last = q.push(() => Promise.resolve(void order.push(3)));
    expect(order).toEqual([]);
    release();
    await expect(failed).rejects.toThrow('boom');
    await last;
    expect(order).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
  });

  it('pauses reading when more frames wait than allowed, and resumes once half are done', async () => {
    const { q, flow } = queue(4);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    q.pushFrame(() => gate);
    for (let i = 0; i < 4; i++) q.pushFrame(() => Promise.resolve());
    expect(q.waiting).toBe(5);
    expect(flow).toEqual(['pause']);
    q.pushFrame(() => Promise.resolve()); // already paused: not paused twice
    expect(flow).toEqual(['pause']);
    release();
    while (q.waiting > 0) await new Promise((r) => setImmediate(r));
    expect(flow).toEqual(['pause', 'resume']);
  });
});
