import type { Logger } from '@tilemud/runtime';
import { ClientFaultLog, LogThrottle } from './log-throttle';

describe('LogThrottle', () => {
  it('lets one line per kind through per window and counts the rest into the next', () => {
    const t = new LogThrottle(1000);
    expect(t.take('a', 0)).toEqual({ suppressed: 0 });
    expect(t.take('a', 10)).toBeNull();
    expect(t.take('a', 999)).toBeNull();
    expect(t.take('b', 500)).toEqual({ suppressed: 0 }); // kinds are counted apart
    expect(t.take('a', 1000)).toEqual({ suppressed: 2 });
    expect(t.take('a', 1500)).toBeNull();
    expect(t.take('a', 5000)).toEqual({ suppressed: 1 });
  });

  it('forgets its kinds rather than growing past its bound', () => {
    const t = new LogThrottle(1000, 2);
    t.take('a', 0);
    t.take('b', 0);
    expect(t.take('c', 1)).toEqual({ suppressed: 0 });
    expect(t.take('a', 2)).toEqual({ suppressed: 0 });
  });
});

describe('ClientFaultLog', () => {
  it('logs a client fault at info, throttled, with the count left out', () => {
    const lines: Array<[string, unknown, string]> = [];
    const logger = {
      info: (o: unknown, m: string) => lines.push(['info', o, m]),
      warn: (o: unknown, m: string) => lines.push(['warn', o, m]),
      error: (o: unknown, m: string) => lines.push(['error', o, m]),
    } as unknown as Logger;
    let now = 0;
    const log = new ClientFaultLog(logger, 10_000, () => now);
    for (let i = 0; i < 500; i++) log.note('WS_ERR_INVALID_UTF8', 'Invalid UTF-8 sequence');
    now = 10_000;
    log.note('WS_ERR_INVALID_UTF8', 'Invalid UTF-8 sequence');
    expect(lines).toEqual([
      ['info', { kind: 'WS_ERR_INVALID_UTF8' }, 'client fault: Invalid UTF-8 sequence'],
      ['info', { kind: 'WS_ERR_INVALID_UTF8', suppressed: 499 }, 'client fault: Invalid UTF-8 sequence'],
    ]);
  });
});
