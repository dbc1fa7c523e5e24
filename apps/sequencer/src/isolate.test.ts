import { commitIsolating, isContentRefusal } from './isolate';

const pgError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

describe('isContentRefusal: one row refused for what it holds', () => {
  it.each([
    ['22P05', 'NUL in jsonb (unsupported Unicode escape)'],
    ['22P02', 'a lone surrogate in jsonb (invalid input syntax for type json)'],
    ['22021', 'NUL in a text column (invalid byte sequence)'],
    ['22001', 'a string too long'],
    ['23514', 'a check constraint'],
    ['23502', 'a null where none is allowed'],
    ['54000', 'a value too big to index'],
  ])('%s (%s): yes', (code) => {
    expect(isContentRefusal(pgError(code))).toBe(true);
  });

  it.each([
    ['23505', 'a unique violation: another writer took the seq, memory is behind'],
    ['23P01', 'an exclusion violation'],
    ['08006', 'a connection failure'],
    ['57P01', 'the server shutting down'],
    ['P0001', 'a raised exception (a trigger)'],
    ['42P01', 'an undefined table: a bug'],
    ['ECONNRESET', 'a socket error'],
  ])('%s (%s): no', (code) => {
    expect(isContentRefusal(pgError(code))).toBe(false);
  });

  it('no for errors without a SQLSTATE', () => {
    expect(isContentRefusal(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isContentRefusal(undefined)).toBe(false);
  });
});

/** A log that refuses any part holding one of `bad`, and remembers what it committed, in order. */
function fakeLog(bad: Set<number>) {
  const committed: number[] = [];
  const refused: number[] = [];
  let appends = 0;
  return {
    committed,
    refused,
    appends: () => appends,
    commit: async (part: readonly number[]) => {
      appends++;
      if (part.some((i) => bad.has(i))) return { ok: false as const, reason: 'refused' };
      committed.push(...part);
      return { ok: true as const };
    },
    refuseAlone: async (i: number) => {
      refused.push(i);
    },
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('commitIsolating', () => {
  it('commits a clean batch in one append', async () => {
    const log = fakeLog(new Set());
    await commitIsolating(range(500), log.commit, log.refuseAlone);
    expect(log.appends()).toBe(1);
    expect(log.committed).toEqual(range(500));
    expect(log.refused).toEqual([]);
  });

  it.each([
    [1, [0]],
    [500, [0]],
    [500, [499]],
    [500, [250]],
    [500, [3, 4, 400]],
    [7, [0, 1, 2, 3, 4, 5, 6]],
  ])('in a batch of %i, refuses exactly %j alone and commits every other intent in order', async (n, culprits) => {
    const log = fakeLog(new Set(culprits));
    await commitIsolating(range(n), log.commit, log.refuseAlone);
    expect(log.refused).toEqual(culprits);
    expect(log.committed).toEqual(range(n).filter((i) => !culprits.includes(i)));
  });

  it('finds one culprit among 500 in a bounded number of appends', async () => {
    const log = fakeLog(new Set([137]));
    await commitIsolating(range(500), log.commit, log.refuseAlone);
    expect(log.appends()).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(500)));
  });

  it('refuses a culprit before trying the intents after it (a character may have later intents there)', async () => {
    const order: string[] = [];
    const bad = new Set([2]);
    await commitIsolating(
      range(6),
      async (part) => {
        if (part.some((i) => bad.has(i))) return { ok: false as const, reason: `has ${[...bad].join()}` };
        order.push(`commit ${part.join(',')}`);
        return { ok: true as const };
      },
      async (i, reason) => {
        order.push(`refuse ${i} (${reason})`);
      },
    );
    expect(order).toEqual(['commit 0,1', 'refuse 2 (has 2)', 'commit 3,4,5']);
  });

  it('lets any other failure through at once', async () => {
    const boom = new Error('connection terminated');
    let calls = 0;
    const commit = async (): Promise<{ ok: true }> => {
      calls++;
      throw boom;
    };
    await expect(commitIsolating(range(10), commit, async () => undefined)).rejects.toBe(boom);
    expect(calls).toBe(1);
  });
});
