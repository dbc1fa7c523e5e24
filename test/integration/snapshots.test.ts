import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { foldLog, getWorld } from '@tilemud/domain';
import { migrate } from '../../libs/runtime/src/migrate';
import { EventLog } from '../../apps/sequencer/src/event-log';

const BIG = Number(process.env.SNAPSHOT_TEST_EVENTS ?? 1_000_000);
const SMALL = 20_000;

/**
 * The sequencer's load of a world (EventLog.loadWorld): the newest world snapshot plus the log after
 * it. Its own database (a million rows do not belong in the run's shared log), made and dropped here.
 */
describe('world snapshots: a world is loaded from its newest snapshot and the log after it', () => {
  const base = new URL(process.env.DATABASE_URL!);
  const name = `${base.pathname.slice(1)}_snap`;
  const url = Object.assign(new URL(base.toString()), { pathname: `/${name}` }).toString();
  const admin = new Client({ connectionString: base.toString() });
  let pool: Pool;
  let log: EventLog;
  const who = randomUUID();
  const figures: Record<string, number> = {};

  /** A world seeded, one character entering at (x, y), then stepping east and west: `events` in all. */
  async function walker(worldId: string, x: number, y: number, events: number): Promise<void> {
    await pool.query(
      `INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at, version)
       VALUES ($1, 1, NULL, 'world.seeded', '{"items": []}', now(), 1),
              ($1, 2, $2::uuid, 'character.entered', jsonb_build_object('characterId', $2::text, 'name', 'Walker', 'x', $3::int, 'y', $4::int, 'facing', 'south', 'sessionId', 's', 'inventory', '[]'::jsonb), now(), 1)`,
      [worldId, who, x, y],
    );
    await pool.query(
      `INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at, version)
       SELECT $1, s, $2::uuid, 'character.moved', jsonb_build_object('characterId', $2::text, 'x', $3::int + (s % 2), 'y', $4::int, 'facing', CASE WHEN s % 2 = 1 THEN 'east' ELSE 'west' END), now(), 2
         FROM generate_series(3, $5::bigint) s`,
      [worldId, who, x, y, events],
    );
  }

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await migrate(url);
    pool = new Pool({ connectionString: url, max: 2 });
    log = new EventLog(pool);
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
    await admin.end();
    process.stderr.write(`snapshot figures: ${JSON.stringify(figures)}\n`);
  });

  it(`folds the whole log of ${SMALL.toLocaleString('en')} events when there is no snapshot, and loads the same state from the one stored at its head`, async () => {
    await walker('meadow', 5, 5, SMALL);
    let t = Date.now();
    const whole = (await log.loadWorld('meadow'))!;
    figures.foldWholeSmallMs = Date.now() - t;
    expect(whole).toMatchObject({ seq: SMALL, fromSnapshot: 0, folded: SMALL });
    expect(whole.state.characters.get(who)).toMatchObject({ x: 5 + (SMALL % 2), y: 5, online: true });

    await log.saveSnapshot('meadow', whole);
    t = Date.now();
    const again = (await log.loadWorld('meadow'))!;
    figures.fromSnapshotSmallMs = Date.now() - t;
    expect(again).toMatchObject({ seq: SMALL, fromSnapshot: SMALL, folded: 0 });
    expect([...again.state.characters]).toEqual([...whole.state.characters]);
    expect([...again.state.occupied]).toEqual([...whole.state.occupied]);
  }, 300_000);

  it('folds only the events after the snapshot onto it, older versions read through their upcasters', async () => {
    await pool.query(
      `INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at, version)
       SELECT 'meadow', s, $1::uuid, 'character.moved', jsonb_build_object('characterId', $1::text, 'x', 5, 'y', 6 + (s % 2)), now(), 1
         FROM generate_series($2::bigint + 1, $2::bigint + 500) s`,
      [who, SMALL],
    );
    const w = (await log.loadWorld('meadow'))!;
    expect(w).toMatchObject({ seq: SMALL + 500, fromSnapshot: SMALL, folded: 500 });
    expect(w.state.characters.get(who)).toMatchObject({ x: 5, y: 6 + ((SMALL + 500) % 2), facing: 'south' });
  }, 60_000);

  it(`loads a world of ${BIG.toLocaleString('en')} events from its snapshot as fast as one of ${SMALL.toLocaleString('en')}`, async () => {
    let t = Date.now();
    await walker('lobby', 3, 3, BIG);
    figures.insertBigMs = Date.now() - t;
    // Given the snapshot the sequencer stores at the head: the state of the same walk, at seq BIG.
    const map = getWorld('lobby')!;
    const short = foldLog(map, [
      { seq: 1, type: 'world.seeded', payload: { items: [] } },
      { seq: 2, type: 'character.entered', payload: { characterId: who, name: 'Walker', x: 3, y: 3, facing: 'south', sessionId: 's', inventory: [] } },
      { seq: 3, type: 'character.moved', payload: { characterId: who, x: 3 + (BIG % 2), y: 3, facing: BIG % 2 === 1 ? 'east' : 'west' }, version: 2 },
    ]);
    await log.saveSnapshot('lobby', { state: short.state, seq: BIG });
    t = Date.now();
    const w = (await log.loadWorld('lobby'))!;
    figures.fromSnapshotBigMs = Date.now() - t;
    expect(w).toMatchObject({ seq: BIG, fromSnapshot: BIG, folded: 0 });
    expect(w.state.characters.get(who)).toMatchObject({ x: 3 + (BIG % 2), y: 3, online: true });
  }, 600_000);
});
