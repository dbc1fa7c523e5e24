import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { WORLDS } from '@tilemud/domain';
import { migrate } from '../../libs/runtime/src/migrate';
import { connectNats, destroyTopology, topology } from '../../libs/runtime/src/nats';
import { dumpReadModels } from '../support/db';
import { acksOf, auditLog, DrillPlayer, settle } from '../support/drill';
import { eventually } from '../support/eventually';
import { runEnv, TestSystem } from '../support/system';

const ROOT = join(__dirname, '..', '..');

/** This suite's own database and streams: verify then judges only what this suite did. */
function databaseUrl(suffix: string): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_${suffix}`;
  return url.toString();
}
const DEPLOYMENT = { DATABASE_URL: databaseUrl('rebuild'), NATS_PREFIX: `${process.env.NATS_PREFIX}rb` };

/** `npm run ops -- …` as an operator runs it (a child process), with this suite's environment. */
function ops(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', 'ops', '--', ...args], { env: runEnv(DEPLOYMENT), cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface Report {
  worlds: Array<{ worldId: string; seq: number }>;
  events: number;
  caughtUp: number;
  rowsWritten: number;
  drift: { rows: number; byTable: Record<string, number>; shown: Array<{ table: string; worldId: string; key: string; difference: string }> };
}

async function rebuild(...args: string[]): Promise<Report> {
  const r = await ops(['rebuild', '--json', ...args]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as Report;
}

/**
 * `ops rebuild` against a running system with players playing on: the read models rebuilt into
 * shadow tables beside the live projector and swapped in one transaction, drift reported and
 * repaired, and not one client noticing.
 */
describe('ops rebuild: shadow tables swapped in under play', () => {
  const system = new TestSystem(DEPLOYMENT);
  const players: DrillPlayer[] = [];
  let pg: Client;
  let timer: NodeJS.Timeout | undefined;

  const head = async () => Number((await pg.query<{ s: string }>("SELECT coalesce(max(seq), 0) AS s FROM action_events WHERE world_id = 'lobby'")).rows[0]!.s);
  const checkpoint = async () => Number((await pg.query<{ s: string }>("SELECT coalesce(max(seq), 0) AS s FROM projection_checkpoints WHERE world_id = 'lobby'")).rows[0]!.s);
  /**
   * Tampers with the read models as a bug would. Under the read models' swap lock, as the rebuild's
   * swap takes it: no projector batch is in flight, one that had read the row before could write it back.
   */
  const corrupt = async (...statements: Array<[string, unknown[]]>) => {
    await pg.query('BEGIN');
    await pg.query("SELECT pg_advisory_xact_lock(hashtext('tilemud:read-models'))");
    for (const [sql, params] of statements) await pg.query(sql, params);
    await pg.query('COMMIT');
  };
  /** Every player has had an incremental delta since `at` (the world goes on after the swap). */
  const deltasSince = (at: number) => eventually('a delta for every player', () => players.every((p) => p.deltaTimes.some((t) => t > at)), 20_000);

  beforeAll(async () => {
    await migrate(DEPLOYMENT.DATABASE_URL);
    await system.start();
    pg = new Client({ connectionString: DEPLOYMENT.DATABASE_URL });
    await pg.connect();
    for (let i = 0; i < 4; i++) {
      const p = new DrillPlayer(system);
      await p.start();
      players.push(p);
    }
    timer = setInterval(() => players.forEach((p) => p.tick()), 100);
    await eventually('some play in the log', async () => (await head()) > 40, 20_000);
  }, 90_000);

  afterAll(async () => {
    if (timer) clearInterval(timer);
    players.forEach((p) => p.stop());
    await system.stop();
    await pg?.end();
    const nc = await connectNats(process.env.NATS_URL!, 'rebuild-test');
    await destroyTopology(nc, topology(DEPLOYMENT.NATS_PREFIX));
    await nc.close();
    if (process.env.TILEMUD_KEEP_TEST_DB !== '1') {
      const admin = new Client({ connectionString: Object.assign(new URL(DEPLOYMENT.DATABASE_URL), { pathname: '/postgres' }).toString() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${new URL(DEPLOYMENT.DATABASE_URL).pathname.slice(1)}" WITH (FORCE)`);
      await admin.end();
    }
  });

  it('rebuilds every world under play: the live rows already equal the fold (no drift), and the players play on', async () => {
    const report = await rebuild();
    const swappedAt = Date.now();
    expect(report.worlds.map((w) => w.worldId)).toContain('lobby');
    expect(report.events).toBeGreaterThan(40);
    expect(report.drift.rows).toBe(0);
    expect(report.rowsWritten).toBe(0);
    await deltasSince(swappedAt);
  }, 60_000);

  it('--world lobby rebuilds that world only, repairing its drifted rows and leaving the others', async () => {
    const [p0] = players;
    // Corruptions the live projector does not overwrite by itself (a move keeps the name).
    await corrupt(["UPDATE rm_characters SET name = 'Mallory' WHERE id = $1", [p0!.characterId]], ["INSERT INTO rm_items (world_id, id, kind, x, y) VALUES ('meadow', 'forged', 'key', 1, 1)", []]);
    const report = await rebuild('--world', 'lobby');
    const swappedAt = Date.now();
    expect(report.worlds.map((w) => w.worldId)).toEqual(['lobby']);
    expect(report.drift.rows).toBe(1);
    expect(report.drift.shown).toEqual([{ table: 'rm_characters', worldId: 'lobby', key: p0!.characterId, difference: expect.stringMatching(/^name: live "Mallory", log "/) as string }]);
    expect((await pg.query<{ name: string }>('SELECT name FROM rm_characters WHERE id = $1', [p0!.characterId])).rows[0]!.name).not.toBe('Mallory');
    expect((await pg.query<{ n: number }>("SELECT count(*)::int AS n FROM rm_items WHERE world_id = 'meadow' AND id = 'forged'")).rows[0]!.n).toBe(1);
    await deltasSince(swappedAt);
  }, 60_000);

  it('a full rebuild reports every drifted row by table and key, and repairs them', async () => {
    const [, p1, p2] = players;
    await corrupt(["UPDATE rm_characters SET name = 'Eve' WHERE id = $1", [p1!.characterId]], ['DELETE FROM rm_characters WHERE id = $1', [p2!.characterId]]);
    const report = await rebuild();
    const swappedAt = Date.now();
    expect(report.drift.byTable).toEqual({ rm_characters: 2, rm_items: 1 });
    expect(report.drift.shown).toEqual(
      expect.arrayContaining([
        { table: 'rm_characters', worldId: 'lobby', key: p1!.characterId, difference: expect.stringMatching(/^name: live "Eve", log "/) as string },
        { table: 'rm_characters', worldId: 'lobby', key: p2!.characterId, difference: 'missing from the live read model' },
        { table: 'rm_items', worldId: 'meadow', key: 'meadow/forged', difference: "live only: not in the log's fold" },
      ]),
    );
    await deltasSince(swappedAt);
  }, 60_000);

  it('the projector takes the swap lock per batch: while a swap holds it, nothing is applied; released, the projector goes on', async () => {
    const hold = new Client({ connectionString: DEPLOYMENT.DATABASE_URL });
    await hold.connect();
    try {
      await hold.query('BEGIN');
      await hold.query("SELECT pg_advisory_xact_lock(hashtext('tilemud:read-models'))");
      // A batch that had the lock shared when asked has committed by now: the checkpoint stands still from here.
      const held = await checkpoint();
      await eventually('the players to log more events', async () => (await head()) > held + 10, 20_000);
      expect(await checkpoint()).toBe(held);
      await hold.query('COMMIT');
    } finally {
      await hold.end();
    }
    const h = await head();
    await eventually('the projector to go on', async () => (await checkpoint()) >= h, 20_000);
  }, 60_000);

  it('afterwards: no client error, no missing delta, and the read models equal the fold of the log', async () => {
    clearInterval(timer);
    timer = undefined;
    await settle(players);
    const h = await head();
    await eventually('the projector to reach the log head', async () => (await checkpoint()) >= h, 20_000);

    for (const p of players) {
      expect({ chainErrors: p.chainErrors, notices: p.notices, reconnects: p.reconnects, unanswered: p.pending.size }).toEqual({ chainErrors: [], notices: [], reconnects: 0, unanswered: 0 });
    }
    // Refusals the game makes (a step into a wall) are answers; a server fault is not.
    expect(acksOf(players).filter((a) => a.code === 'UNAVAILABLE' || a.code === 'INTERNAL')).toEqual([]);
    const audit = await auditLog(pg, players);
    expect({ lost: audit.lost, duplicated: audit.duplicated, wrongSeq: audit.wrongSeq, gaps: audit.gaps }).toEqual({ lost: [], duplicated: [], wrongSeq: [], gaps: [] });

    const verified = await ops(['verify']);
    expect(verified).toMatchObject({ code: 0 });
    expect(verified.stdout).toContain('verify: OK');
    // A fold of the log again, now at rest: nothing differs, and not a byte of the live rows changes.
    const live = await dumpReadModels(pg);
    expect(live.rm_characters!.length).toBeGreaterThanOrEqual(players.length);
    const again = await rebuild();
    expect(again).toMatchObject({ caughtUp: 0, rowsWritten: 0, drift: { rows: 0 } });
    expect(await dumpReadModels(pg)).toEqual(live);
  }, 90_000);

  it('bad input: an unknown world or a bad flag is exit 2 with a message, and nothing is touched', async () => {
    const before = await dumpReadModels(pg);
    const unknown = await ops(['rebuild', '--world', 'atlantis']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`unknown world: atlantis (worlds: ${[...WORLDS.keys()].join(', ')})`);
    const page = await ops(['rebuild', '--page', '5']);
    expect(page.code).toBe(2);
    expect(page.stderr).toContain('--page: must be at least 100');
    expect(await dumpReadModels(pg)).toEqual(before);
  }, 60_000);
});
