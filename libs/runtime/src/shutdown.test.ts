import { createLogger } from './logger';
import { Shutdown, within } from './shutdown';

const quiet = createLogger('test', 'silent');
const never = () => new Promise<void>(() => undefined);

describe('Shutdown', () => {
  it('runs the steps by phase, then in the order added, and exits 0', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const s = new Shutdown('app', quiet, 5000, (c) => exits.push(c));
    s.add({ name: 'lock', run: () => void order.push('lock'), phase: 2 });
    s.add({ name: 'role', run: () => void order.push('role') });
    s.add({ name: 'batch', run: async () => void order.push('batch'), phase: 1 });
    s.add({ name: 'intake', run: async () => void order.push('intake'), phase: 1 });
    await s.run('SIGTERM');
    expect(order).toEqual(['role', 'batch', 'intake', 'lock']);
    expect(exits).toEqual([0]);
  });

  it('a step that hangs is left behind after its maxMs and the next one runs', async () => {
    const order: string[] = [];
    const s = new Shutdown('app', quiet, 5000, () => undefined);
    s.add({ name: 'stuck', run: never, maxMs: 50 });
    s.add({ name: 'throws', run: () => Promise.reject(new Error('closed')) });
    s.add({ name: 'last', run: () => void order.push('last') });
    const started = Date.now();
    await s.run('SIGTERM');
    expect(order).toEqual(['last']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never takes past the deadline: a hung step without maxMs gets what is left of it', async () => {
    const exits: number[] = [];
    const s = new Shutdown('app', quiet, 200, (c) => exits.push(c));
    s.add({ name: 'stuck', run: never });
    const started = Date.now();
    await s.run('SIGTERM');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(exits).toEqual([0]);
  });

  it('runs once however many signals come', async () => {
    let runs = 0;
    const s = new Shutdown('app', quiet, 1000, () => undefined);
    s.add({ name: 'count', run: () => void runs++ });
    await Promise.all([s.run('SIGTERM'), s.run('SIGINT'), s.run('SIGTERM')]);
    expect(runs).toBe(1);
  });

  it('within says whether a promise settled in time', async () => {
    await expect(within(Promise.resolve(), 100)).resolves.toBe(true);
    await expect(within(Promise.reject(new Error('x')), 100)).resolves.toBe(true);
    await expect(within(never(), 20)).resolves.toBe(false);
  });
});
