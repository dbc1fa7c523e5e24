import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../libs/runtime/src/migrate';
import { runEnv } from '../support/system';

// 200,000 in `npm test` (it checks the rebuild of a big log works); REBUILD_SPEED_EVENTS=1000000 for the figure.
const EVENTS = Number(process.env.REBUILD_SPEED_EVENTS ?? 200_000);
const WORLDS = ['lobby', 'meadow'];
const PER_WORLD = Math.floor(EVENTS / WORLDS.length);
const CHARACTERS = 100;

/**
 * `ops rebuild`'s fold on a big synthetic log (two worlds, 100 characters each walking, a chat
 * line every 25th event), in a database of its own. Its speed is printed for docs/performance.md,
 * never asserted: a timed assertion fails on a busy machine (the figures come from benchmarks).
 */
/** The parts of `ops rebuild --json` (scripts/ops/rebuild.mjs) this test reads. */
interface RebuildReport {
  events: number;
  foldMs: number;
  eventsPerSecond: number;
  foldCpuMs: number;
  swapMs: number;
  drift: { byTable: Record<string, number> };
}

describe(`ops rebuild: the fold of ${EVENTS.toLocaleString('en')} events`, () => {
  const base = new URL(process.env.DATABASE_URL!);
  const url = Object.assign(new URL(base.toString()), { pathname: `${base.pathname}_rbspeed` }).toString();
  const name = new URL(url).pathname.slice(1);
  const admin = new Client({ connectionString: Object.assign(new URL(base.toString()), { pathname: '/postgres' }).toString() });
  let pg: Client;

  const ops = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('npm', ['run', '-s', 'ops', '--', ...args], { env: runEnv({ DATABASE_URL: url }), cwd: join(__dirname, '..', '..'), maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    await migrate(url);
    pg = new Client({ connectionString: url });
    await pg.connect();
    const character = `md5(w || (s % ${CHARACTERS} + 1))::uuid`;
    await pg.query(
      `INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at, version)
       SELECT w, 1, NULL, 'world.seeded', '{"items": [{"id": "key1", "kind": "key", "x": 1, "y": 1}]}', timestamptz '2026-12-01T00:00:00Z', 1 FROM unnest($1::text[]) w`,
      [WORLDS],
    );
    await pg.query(
      `INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at, version)
       SELECT w, s, ${character}, 'character.entered',
              jsonb_build_object('characterId', ${character}::text, 'name', 'C' || s, 'x', s % 10, 'y', s / 10, 'facing', 'south', 'sessionId', 's', 'inventory', '[]'::jsonb),
              timestamptz '2026-12-01T00:00:00Z' + s * interval '1 ms', 1
         FROM unnest($1::text[]) w, generate_series(2, ${CHARACTERS + 1}) s`,
      [WORLDS],
    );
    await pg.query(
      `INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at, version)
       SELECT w, s, ${character},
              CASE WHEN s % 25 = 0 THEN 'chat.posted' ELSE 'character.moved' END,
              CASE WHEN s % 25 = 0
                THEN jsonb_build_object('messageId', 'm' || s, 'characterId', ${character}::text, 'name', 'C' || (s % ${CHARACTERS} + 1), 'channel', 'world', 'text', 'hello ' || s,
                                        'at', to_char((timestamptz '2026-12-01T00:00:00Z' + s * interval '1 ms') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                ELSE jsonb_build_object('characterId', ${character}::text, 'x', (s / 100) % 10, 'y', (s % 100) / 10, 'facing', CASE WHEN s % 2 = 1 THEN 'east' ELSE 'west' END) END,
              timestamptz '2026-12-01T00:00:00Z' + s * interval '1 ms', 2
         FROM unnest($1::text[]) w, generate_series(${CHARACTERS + 2}, $2::bigint) s`,
      [WORLDS, PER_WORLD],
    );
    // As autovacuum would after a load: the page queries then walk the primary key.
    await pg.query('ANALYZE action_events');
    // As if a projector had folded it all and then lost its rows: the rebuild finds every row missing.
    await pg.query(`INSERT INTO projection_checkpoints (projection, world_id, seq) SELECT 'world_read_model', w, $2 FROM unnest($1::text[]) w`, [WORLDS, PER_WORLD]);
  }, 600_000);

  afterAll(async () => {
    await pg?.end();
    if (process.env.TILEMUD_KEEP_TEST_DB !== '1') await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  });

  it('folds the log into the shadow and swaps it in; a second rebuild finds no drift', async () => {
    const first = await ops(['rebuild', '--json']);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(first.stdout) as RebuildReport;
    process.stderr.write(
      `rebuild figures: ${JSON.stringify({ events: report.events, foldMs: report.foldMs, eventsPerSecond: report.eventsPerSecond, foldCpuMs: report.foldCpuMs, swapMs: report.swapMs })}\n`,
    );
    expect(report.events).toBe(PER_WORLD * WORLDS.length);
    // Every row was missing: characters, each world's item, 50 chat lines and seq, none of them live.
    expect(report.drift.byTable).toEqual({ rm_characters: CHARACTERS * WORLDS.length, rm_items: WORLDS.length, rm_chat: 50 * WORLDS.length, rm_worlds: WORLDS.length });
    const counts = await pg.query<{ characters: number; chat: number; seq: number }>(
      'SELECT (SELECT count(*) FROM rm_characters)::int AS characters, (SELECT count(*) FROM rm_chat)::int AS chat, (SELECT min(seq) FROM rm_worlds)::int AS seq',
    );
    expect(counts.rows[0]).toEqual({ characters: CHARACTERS * WORLDS.length, chat: 50 * WORLDS.length, seq: PER_WORLD });
    expect(report.eventsPerSecond).toBeGreaterThan(0);

    const again: unknown = JSON.parse((await ops(['rebuild', '--json'])).stdout);
    expect(again).toMatchObject({ rowsWritten: 0, drift: { rows: 0 } });
  }, 600_000);
});
