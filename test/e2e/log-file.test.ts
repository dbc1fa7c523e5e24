import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/eventually';
import { TestSystem } from '../support/system';

/** LOG_FILE: each app also writes its JSON log to a dated file (stdout unchanged). */
describe('log files of the running apps (LOG_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tilemud-applogs-'));
  const system = new TestSystem();

  beforeAll(async () => {
    for (const app of ['gateway', 'sequencer', 'projector'] as const) system.apps[app].env.LOG_FILE = join(dir, app, `${app}.log`);
    await system.start();
  }, 90_000);

  afterAll(async () => {
    await system.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  // A line each app logs through pino at start (the gateway's "ready" line is written by console.log).
  const START_LINE = { gateway: 'signing keys loaded', sequencer: 'sequencer ready', projector: 'projector ready' };

  it("writes each app's JSON lines to <name>.<date>.1.log, and still to stdout", async () => {
    for (const app of ['gateway', 'sequencer', 'projector'] as const) {
      const msg = START_LINE[app];
      const files = readdirSync(join(dir, app));
      expect(files).toEqual([expect.stringMatching(new RegExp(`^${app}\\.\\d{4}-\\d{2}-\\d{2}\\.1\\.log$`))]);
      // The file's lines are what is under test: the start line reaches the file, not only stdout.
      // A pino line: the fields read here (a line without msg is possible: an object logged alone).
      type Line = { name: string; msg?: string };
      const read = (): Line[] =>
        readFileSync(join(dir, app, files[0]!), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Line);
      const line = await eventually(
        `${app}'s "${msg}" in its log file`,
        () => read().find((l) => l.msg?.includes(msg)),
        15_000,
        () => read().slice(-5),
      );
      expect(line).toMatchObject({ name: app });
      expect(system.apps[app].output).toContain(msg);
    }
  });
});
