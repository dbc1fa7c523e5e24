import { Writable } from 'node:stream';
import { createLogger } from '@tilemud/runtime';
import { isUnreachable, Outage } from './outage';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('test', 'info', stream), lines };
}

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('isUnreachable: PostgreSQL away, or one statement refused', () => {
  it.each([
    ['a connection reset mid-query', pgError('ECONNRESET', 'read ECONNRESET')],
    ['a connection refused', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a server that closed the socket', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['a client broken earlier', new Error('Client has encountered a connection error and is not queryable')],
    ['the server shutting down', pgError('57P01', 'terminating connection due to administrator command')],
    ['the server starting up', pgError('57P03', 'the database system is starting up')],
    ['a connection exception', pgError('08006', 'connection failure')],
  ])('%s: unreachable', (_what, err) => {
    expect(isUnreachable(err)).toBe(true);
  });

  it.each([
    ['a trigger refusing a row', pgError('P0001', 'injected append failure')],
    ['a duplicate key', pgError('23505', 'duplicate key value violates unique constraint "action_events_pkey"')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'seq')")],
    ['a gap found in the log', new Error('world lobby: log has a gap after seq 4')],
  ])('%s: not unreachable (the intent alone is refused)', (_what, err) => {
    expect(isUnreachable(err)).toBe(false);
  });
});

describe('Outage: one line when it starts, one when it is over', () => {
  it('logs the start once, counts every answer, and sums it all up when the log is back', () => {
    const { logger, lines } = capture();
    const outage = new Outage(logger);
    outage.answered(3, 1, new Error('read ECONNRESET'));
    for (let i = 0; i < 100; i++) outage.answered(5, 0);
    expect(lines.map((l) => l.msg)).toEqual(['event log unavailable: refusing player intents, holding the others']);
    outage.over();
    expect(lines[1]).toMatchObject({ msg: 'event log available again', refused: 503, held: 1, failedAppends: 1 });
    outage.over();
    expect(lines).toHaveLength(2);
  });

  it('waits longer after each failure, up to 2 s, and starts again from 100 ms once over', async () => {
    jest.useFakeTimers();
    try {
      const outage = new Outage(capture().logger);
      const waits: number[] = [];
      for (let i = 0; i < 7; i++) {
        const started = Date.now();
        const done = outage.backoff();
        await jest.runOnlyPendingTimersAsync();
        await done;
        waits.push(Date.now() - started);
      }
      expect(waits).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
      outage.over();
      const started = Date.now();
      const done = outage.backoff();
      await jest.runOnlyPendingTimersAsync();
      await done;
      expect(Date.now() - started).toBe(100);
    } finally {
      jest.useRealTimers();
    }
  });
});
