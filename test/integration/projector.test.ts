import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createLogger } from '@tilemud/runtime';
import { DeltaFrame, Projector } from '../../apps/projector/src/projector';

/** The projector against the real database, on a world of its own so other tests' rows don't matter. */
describe('projector', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  const worldId = `proj_${Date.now().toString(36)}`;
  const who = randomUUID();
  const at = '2026-01-01T00:00:00.000Z';
  const frames: DeltaFrame[] = [];
  const projector = new Projector(pool, (f) => frames.push(f), createLogger('test', 'silent'));

  const events = [
    { type: 'character.entered', data: { characterId: who, name: 'Ann', x: 1, y: 1, facing: 'south', sessionId: 's', inventory: [] } },
    { type: 'character.moved', data: { characterId: who, x: 2, y: 1, facing: 'east' } },
    { type: 'chat.posted', data: { messageId: `${who}:1`, characterId: who, name: 'Ann', channel: 'world', text: 'hi', at } },
    { type: 'character.moved', data: { characterId: who, x: 3, y: 1, facing: 'east' } },
  ];
  const envelope = (i: number) => ({ worldId, seq: i + 1, type: events[i]!.type, data: events[i]!.data, characterId: who, intentSeq: null, recordedAt: at });

  beforeAll(async () => {
    for (const [i, e] of events.entries()) {
      await pool.query('INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)', [worldId, i + 1, who, e.type, e.data, at]);
    }
    await projector.loadCheckpoints();
  });

  afterAll(() => pool.end());

  it('fills a gap from the log: given seq 3 first, it applies 1..3 and emits one delta 0..3', async () => {
    await projector.project([envelope(2)]);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ worldId, prevSeq: 0, seq: 3 });
    expect(frames[0]!.changes.map((c) => c.op)).toEqual(['character.joined', 'character.moved', 'chat.message']);
    const { rows } = await pool.query('SELECT x, y, online FROM rm_characters WHERE id = $1', [who]);
    expect(rows[0]).toEqual({ x: 2, y: 1, online: true });
    expect(projector.checkpoint(worldId)).toBe(3);
  });

  it('ignores repeats and applies only what is new, in seq order', async () => {
    await projector.project([envelope(3), envelope(1), envelope(2)]);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toMatchObject({ prevSeq: 3, seq: 4, changes: [{ op: 'character.moved', id: who, x: 3, y: 1, facing: 'east' }] });
    await projector.project([envelope(0), envelope(3)]);
    expect(frames).toHaveLength(2);
  });

  it('keeps the checkpoint in the same transaction as the rows, and a reset plus catch-up restores them', async () => {
    // Whole rows, compared as they are.
    const rowsOf = async () => (await pool.query<Record<string, unknown>>('SELECT * FROM rm_characters WHERE id = $1', [who])).rows;
    const before = await rowsOf();
    // The read models emptied (as a database restored without them): a catch-up rebuilds them from the log.
    await pool.query('TRUNCATE rm_characters, rm_worlds, rm_chat, rm_items');
    await pool.query("DELETE FROM projection_checkpoints WHERE projection = 'world_read_model'");
    await projector.loadCheckpoints();
    expect(await rowsOf()).toEqual([]);
    await projector.catchUp();
    expect(await rowsOf()).toEqual(before);
    const cp = await pool.query<{ seq: string }>('SELECT seq FROM projection_checkpoints WHERE world_id = $1', [worldId]);
    expect(Number(cp.rows[0]?.seq)).toBe(4);
  });

  it('never applies an event the log does not hold or holds otherwise: its verdict is park, and the rest goes on', async () => {
    const rowsBefore = (await pool.query('SELECT x, y FROM rm_characters WHERE id = $1', [who])).rows;
    const forged = { ...envelope(3), data: { characterId: who, x: 7, y: 7, facing: 'east' } };
    const ahead = { ...envelope(3), seq: 99 };
    const verdicts = await projector.project([forged, envelope(2), ahead]);
    expect(verdicts).toEqual([{ kind: 'park', reason: `disagrees with the log at ${worldId}:4` }, { kind: 'ok' }, { kind: 'park', reason: `not in the log: ${worldId}:99` }]);
    expect((await pool.query('SELECT x, y FROM rm_characters WHERE id = $1', [who])).rows).toEqual(rowsBefore);
    expect(projector.checkpoint(worldId)).toBe(4);
    // The next real event still applies.
    await pool.query('INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at) VALUES ($1, 5, $2, $3, $4, $5)', [
      worldId,
      who,
      'character.moved',
      { characterId: who, x: 4, y: 1, facing: 'east' },
      at,
    ]);
    const fifth = { worldId, seq: 5, type: 'character.moved', data: { characterId: who, x: 4, y: 1, facing: 'east' }, characterId: who, intentSeq: null, recordedAt: at };
    expect(await projector.project([{ ...fifth, seq: 6 }, fifth])).toEqual([{ kind: 'park', reason: `not in the log: ${worldId}:6` }, { kind: 'ok' }]);
    expect((await pool.query('SELECT x, y FROM rm_characters WHERE id = $1', [who])).rows).toEqual([{ x: 4, y: 1 }]);
  });
});
