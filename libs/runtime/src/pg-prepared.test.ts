import { prepareParameterised, statementName } from './pg-prepared';

describe('prepared statements', () => {
  it('names each distinct text once, the same name every time', () => {
    const a = statementName('SELECT $1::int AS a');
    const b = statementName('SELECT $1::int AS b');
    expect(a).toMatch(/^tm_/);
    expect(b).not.toBe(a);
    expect(statementName('SELECT $1::int AS a')).toBe(a);
  });

  it('sends query(text, values) as a named statement, with or without a callback; other calls as they were', async () => {
    const calls: unknown[][] = [];
    const client = { query: (...args: unknown[]) => (calls.push(args), Promise.resolve({ rows: [] })) };
    prepareParameterised(client);
    await client.query('SELECT $1::int', [1]);
    const cb = () => undefined;
    await client.query('SELECT $1::int', [2], cb);
    await client.query('BEGIN; SET LOCAL synchronous_commit = off');
    await client.query({ text: 'SELECT 1' });
    const name = statementName('SELECT $1::int');
    expect(calls).toEqual([
      [{ name, text: 'SELECT $1::int', values: [1] }],
      [{ name, text: 'SELECT $1::int', values: [2] }, cb],
      ['BEGIN; SET LOCAL synchronous_commit = off'],
      [{ text: 'SELECT 1' }],
    ]);
  });

  it('stops naming new texts past its limit, so texts built from data cannot fill the server', () => {
    const early = statementName('SELECT $1::int AS early');
    const names = new Set<string | undefined>();
    for (let i = 0; i < 600; i++) names.add(statementName(`SELECT $1::int + ${i}`));
    expect(names.has(undefined)).toBe(true);
    expect(names.size).toBeLessThanOrEqual(501);
    // Texts named before the limit keep their names.
    expect(statementName('SELECT $1::int AS early')).toBe(early);
    expect(early).toMatch(/^tm_/);
  });
});
