import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { BaseConfigSchema } from './config';
import { logDestination, logFileOptions, logFileTransport } from './log-file';
import { createLogger } from './logger';

const day = (daysAgo: number) => {
  const d = new Date(Date.now() - daysAgo * 86_400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
};

const holds = (cond: () => boolean) => {
  try {
    return cond();
  } catch {
    return false; // not there yet (a directory pino-roll has yet to make)
  }
};

async function until(cond: () => boolean, what: string | (() => string), timeoutMs = 20_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !holds(cond);) {
    if (Date.now() > end) throw new Error(`${typeof what === 'string' ? what : what()}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const close = (stream: DestinationStream) =>
  new Promise<void>((resolve) => {
    const s = stream as unknown as { end(): void; once(e: string, f: () => void): void };
    s.once('close', resolve);
    s.end();
  });

describe('log files (LOG_FILE, LOG_RETENTION_DAYS)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tilemud-logs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to 30 days and refuses a retention below one day', () => {
    expect(BaseConfigSchema.parse({}).LOG_RETENTION_DAYS).toBe(30);
    expect(BaseConfigSchema.parse({}).LOG_FILE).toBeUndefined();
    expect(BaseConfigSchema.parse({ LOG_RETENTION_DAYS: '7', LOG_FILE: '/var/log/tilemud/gateway.log' })).toMatchObject({ LOG_RETENTION_DAYS: 7 });
    expect(BaseConfigSchema.safeParse({ LOG_RETENTION_DAYS: '0' }).success).toBe(false);
    expect(logFileOptions('/l/app.log', 30)).toEqual({ file: '/l/app.log', frequency: 'daily', dateFormat: 'yyyy-MM-dd', mkdir: true, limit: { count: 30, removeOtherLogFiles: true } });
    expect(logDestination({ LOG_RETENTION_DAYS: 30 })).toBeUndefined();
  });

  it('writes the JSON log to a dated file it creates (and to stdout)', async () => {
    const sub = join(dir, 'fresh', 'nested');
    const logger = createLogger('gateway', 'info', logDestination({ LOG_FILE: join(sub, 'gateway.log'), LOG_RETENTION_DAYS: 30 }));
    logger.info({ ticket: 'tkt-secret-value-123' }, 'to the file');
    const file = join(sub, `gateway.${day(0)}.1.log`);
    await until(() => readFileSync(file, 'utf8').includes('to the file'), 'log line in the file');
    const line: unknown = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').pop()!);
    expect(line).toMatchObject({ name: 'gateway', msg: 'to the file', ticket: '[redacted]' });
  });

  it('rolls to a new file and removes files beyond the retention, earlier days first, whoever wrote them', async () => {
    const sub = join(dir, 'roll');
    // Files of earlier runs: 40 and 35 days old, and one of yesterday; a file of another name stays.
    const old = [`app.${day(40)}.1.log`, `app.${day(35)}.1.log`, `app.${day(1)}.3.log`];
    mkdirSync(sub);
    for (const f of old) writeFileSync(join(sub, f), '{"old":true}\n');
    writeFileSync(join(sub, 'other.txt'), 'not a log\n');
    // The production options with a size limit added: a roll every 1 KB instead of at midnight.
    const stream = logFileTransport(logFileOptions(join(sub, 'app.log'), 3, { size: '1k' }));
    const logger = createLogger('projector', 'info', stream);
    const logs = () =>
      readdirSync(sub)
        .filter((f) => f.startsWith('app.'))
        .sort();
    const newest = () =>
      Math.max(
        0,
        ...logs()
          .filter((f) => f.startsWith(`app.${day(0)}.`))
          .map((f) => Number(f.split('.')[2])),
      );
    // Four rounds of ~1.5 KB, each waited out until it has rolled to a new file.
    for (let round = 0, i = 0; round < 4; round++) {
      const before = newest();
      for (let k = 0; k < 10; k++, i++) logger.info({ i, pad: 'x'.repeat(100) }, 'line');
      await until(() => newest() > before, `roll ${round + 1}`);
    }
    // Keeps the 3 newest rolled files besides the one being written (pino-roll's count: the cleanup may
    // run before the new file shows, then it is counted next roll); the earlier days' are gone.
    const kept = () => logs().length >= 3 && logs().length <= 4 && logs().every((f) => f.startsWith(`app.${day(0)}.`));
    await until(kept, () => `3 or 4 files of today, have ${logs().join(' ')}`);
    await close(stream);
    const files = logs();
    const numbers = files.map((f) => Number(f.split('.')[2])).sort((a, b) => a - b);
    expect(numbers[0]).toBeGreaterThan(1);
    expect(numbers).toEqual(numbers.map((_, k) => numbers[0]! + k));
    expect(numbers[numbers.length - 1]).toBe(newest());
    expect(readdirSync(sub)).toContain('other.txt');
    expect(files.some((f) => readFileSync(join(sub, f), 'utf8').includes('"i":39'))).toBe(true);
    for (const f of old) expect(readdirSync(sub)).not.toContain(f);
  });
});
