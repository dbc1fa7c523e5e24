import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { foldLog, getWorld } from '@tilemud/domain';
import { type FoldedState, importRows, lockForImport, LogGapError, logColumns, logGuards, LogReader, stateAt, withTransaction, WorldSnapshots } from '@tilemud/runtime';
import { migrate } from '../../libs/runtime/src/migrate';

/**
 * The state of a world at a seq (libs/runtime/src/log/state-at.ts), the import's chained insert
 * (log/import.ts) and the log table's guards (log/table.ts), on a database of their own: they use a
 * real world id (lobby) and lift the log's guards, which the run's shared log must not see.
 */
describe('the log: state at a seq, the chained import, the guards', () => {
  const base = new URL(process.env.DATABASE_URL!);
  const name = `${base.pathname.slice(1)}_logstate`;
  const url = Object.assign(new URL(base.toString()), { pathname: `/${name}` }).toString();
  const admin = new Client({ connectionString: base.toString() });
  let pool: Pool;
  const map = getWorld('lobby')!;
  const who = randomUUID();

  /** Seeded, one character entering at (5, 5), then steps east and west (`moves` of them), the first move of version 1. */
  async function walk(moves: number): Promise<void> {
    await pool.query(
      `INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at, version)
       VALUES ('lobby', 1, NULL, 'world.seeded', '{"items": []}', now(), 1),
              ('lobby', 2, $1::uuid, 'character.entered', jsonb_build_object('characterId', $1::text, 'name', 'Walker', 'x', 5, 'y', 5, 'facing', 'south', 'sessionId', 's', 'inventory', '[]'::jsonb), now(), 1),
              ('lobby', 3, $1::uuid, 'character.moved', jsonb_build_object('characterId', $1::text, 'x', 6, 'y', 5), now(), 1)`,
      [who],
    );
    await pool.query(
      `INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at, version)
       SELECT 'lobby', s, $1::uuid, 'character.moved', jsonb_build_object('characterId', $1::text, 'x', 5 + (s % 2), 'y', 5, 'facing', CASE WHEN s % 2 = 1 THEN 'east' ELSE 'west' END), now(), 2
         FROM generate_series(4, $2::bigint) s`,
      [who, moves + 2],
    );
  }
  const walker = (at: FoldedState) => {
    const c = at.state.characters.get(who)!;
    return [c.x, c.facing];
  };
  /** Runs `f` with every trigger of the log off (a test's tampering), in one transaction. */
  const tampering = (f: (c: { query: Pool['query'] }) => Promise<unknown>) =>
    withTransaction(pool, async (c) => {
      await c.query('ALTER TABLE action_events DISABLE TRIGGER USER');
      await f(c);
      await c.query('ALTER TABLE action_events ENABLE TRIGGER USER');
    });

  beforeAll(async () => {
    // An idle connection cut from outside (another suite's outage drill) fails the query that uses it, not the suite.
    admin.on('error', () => undefined);
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 2 });
    pool.on('error', () => undefined);
    await walk(10);
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  });

  it('folds the log a page at a time from the empty world, old versions read through the upcasters', async () => {
    const pages: number[] = [];
    const at3 = await stateAt(pool, map, 3, { page: 2, onFolded: (n) => pages.push(n) });
    expect(at3).toMatchObject({ seq: 3, fromSnapshot: 0, folded: 3 });
    expect(pages).toEqual([2, 1]);
    expect(walker(at3)).toEqual([6, 'south']); // version 1 of a move had no facing: south
    const at12 = await stateAt(pool, map, 12);
    expect(at12).toMatchObject({ seq: 12, fromSnapshot: 0, folded: 12 });
    expect(walker(at12)).toEqual([5, 'west']);
    expect((await stateAt(pool, map, 0)).state.characters.size).toBe(0);
  });

  it('starts from the newest stored snapshot at or below the seq, with the same answer', async () => {
    const events = await new LogReader(pool).eventsAfter('lobby', 0, { upTo: 8 });
    await new WorldSnapshots(pool).save('lobby', foldLog(map, events));
    const from = await stateAt(pool, map, 11, { onStart: (seq) => expect(seq).toBe(8) });
    expect(from).toMatchObject({ seq: 11, fromSnapshot: 8, folded: 3 });
    const whole = foldLog(map, await new LogReader(pool).eventsAfter('lobby', 0, { upTo: 11 }));
    expect([...from.state.characters.values()]).toEqual([...whole.state.characters.values()]);
    expect(await stateAt(pool, map, 8)).toMatchObject({ fromSnapshot: 8, folded: 0 });
    expect(await stateAt(pool, map, 7)).toMatchObject({ fromSnapshot: 0, folded: 7 });
  });

  it('names the range a fold lacks instead of folding over it', async () => {
    const err = await stateAt(pool, map, 13).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogGapError);
    expect(err).toMatchObject({ worldId: 'lobby', from: 9, to: 13, message: 'world lobby: the log misses events between seq 9 and 13' });
  });

  it('knows the columns of the log and what its triggers refuse', async () => {
    expect(await logColumns(pool)).toEqual(expect.arrayContaining(['world_id', 'seq', 'payload', 'version', 'prev_hash', 'hash']));
    expect(await logGuards(pool)).toEqual({ update: true, delete: true, truncate: true, chain: true });
    await pool.query('ALTER TABLE action_events DISABLE TRIGGER action_events_no_truncate');
    try {
      expect(await logGuards(pool)).toEqual({ update: true, delete: true, truncate: false, chain: true });
    } finally {
      await pool.query('ALTER TABLE action_events ENABLE TRIGGER action_events_no_truncate');
    }
  });

  it('imports exported rows with the hashes they carry, and names the first one whose hash the log computes otherwise', async () => {
    const reader = new LogReader(pool);
    const exported = (await reader.exportPage('lobby', 0, 100)).map((r) => r.json);
    const hashes = async () => (await new LogReader(pool, { raw: true }).eventsAfter('lobby', 0)).map((e) => e.hash);
    const before = await hashes();
    await tampering((c) => c.query("DELETE FROM action_events WHERE world_id = 'lobby'"));
    // As ops import does: in one transaction, the log locked; an edited row rolls it all back.
    const edited = exported.map((j, i) => (i === 6 ? j.replace('"x": 6', '"x": 7') : j));
    expect(edited[6]).not.toBe(exported[6]);
    const refused = await withTransaction(pool, async (c) => {
      await lockForImport(c);
      const r = await importRows(c, edited);
      throw Object.assign(new Error('rolled back'), { result: r });
    }).catch((e: { result: unknown }) => e.result);
    expect(refused).toEqual({ inserted: 12, difference: { worldId: 'lobby', seq: 7, field: 'hash', carried: before[6], computed: expect.not.stringMatching(before[6]!) as string } });
    expect(await reader.head('lobby')).toBe(0);

    expect(await withTransaction(pool, (c) => importRows(c, exported))).toEqual({ inserted: 12 });
    expect(await hashes()).toEqual(before);
    expect(await reader.breaks('lobby')).toEqual([]);
  });
});
