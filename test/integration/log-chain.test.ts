import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';

/**
 * The log proves itself (migration 009): every appended event is chained to its predecessor by
 * hash, the breaks function names the first bad seq of a world, and the log refuses TRUNCATE.
 */
describe('the log hash chain', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  const worldId = `chain_${Date.now().toString(36)}`;
  const who = randomUUID();

  /** Appends seqs as one multi-row INSERT, the way the sequencer appends a batch. */
  async function append(seqs: number[]): Promise<void> {
    await pool.query(
      `INSERT INTO action_events (world_id, seq, character_id, intent_seq, type, payload, recorded_at)
       SELECT $1, s, $2::uuid, s, 'chat.posted', jsonb_build_object('messageId', $2::text || ':' || s, 'characterId', $2::text, 'name', 'Ann', 'channel', 'world', 'text', 'line ' || s, 'at', '2026-01-01T00:00:00.000Z'), now()
         FROM unnest($3::bigint[]) s`,
      [worldId, who, seqs],
    );
  }
  const breaks = async () => (await pool.query<{ seq: number; problem: string }>('SELECT seq::int, problem FROM action_events_breaks($1)', [worldId])).rows;
  /** Runs `f` with the log's guards off, as only a test (or an attacker with the owner's rights) can. */
  async function tampering(f: (c: PoolClient) => Promise<unknown>): Promise<void> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('ALTER TABLE action_events DISABLE TRIGGER USER');
      await f(c);
      await c.query('ALTER TABLE action_events ENABLE TRIGGER USER');
      await c.query('COMMIT');
    } finally {
      c.release();
    }
  }

  afterAll(async () => {
    await tampering((c) => c.query('DELETE FROM action_events WHERE world_id = $1', [worldId]));
    await pool.end();
  });

  it('chains every event to the one before, within a batch and across batches', async () => {
    await append([1, 2, 3]);
    await append([4, 5]);
    const { rows } = await pool.query<{ seq: number; prev_hash: Buffer | null; hash: Buffer }>('SELECT seq::int, prev_hash, hash FROM action_events WHERE world_id = $1 ORDER BY seq', [worldId]);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]?.prev_hash).toBeNull();
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toEqual(rows[i - 1]?.hash);
    expect(new Set(rows.map((r) => r.hash.toString('hex'))).size).toBe(5);
    expect(await breaks()).toEqual([]);
  });

  it('refuses TRUNCATE, UPDATE and DELETE', async () => {
    await expect(pool.query('TRUNCATE action_events')).rejects.toThrow(/append-only/);
    await expect(pool.query('UPDATE action_events SET type = type WHERE world_id = $1', [worldId])).rejects.toThrow(/append-only/);
    await expect(pool.query('DELETE FROM action_events WHERE world_id = $1', [worldId])).rejects.toThrow(/append-only/);
  });

  it('names a changed event by its seq', async () => {
    await tampering((c) => c.query(`UPDATE action_events SET payload = jsonb_set(payload, '{text}', '"forged"') WHERE world_id = $1 AND seq = 3`, [worldId]));
    expect(await breaks()).toEqual([{ seq: 3, problem: expect.stringMatching(/^hash mismatch/) as string }]);
    await tampering((c) => c.query(`UPDATE action_events SET payload = jsonb_set(payload, '{text}', '"line 3"') WHERE world_id = $1 AND seq = 3`, [worldId]));
    expect(await breaks()).toEqual([]);
  });

  it('names a changed event whose hash was recomputed too, at the next seq', async () => {
    await tampering(async (c) => {
      await c.query(`UPDATE action_events SET payload = jsonb_set(payload, '{text}', '"forged"') WHERE world_id = $1 AND seq = 2`, [worldId]);
      await c.query('UPDATE action_events e SET hash = action_event_hash(e.prev_hash, e) WHERE world_id = $1 AND seq = 2', [worldId]);
    });
    expect(await breaks()).toEqual([{ seq: 3, problem: expect.stringMatching(/^chain broken/) as string }]);
  });

  it('names a removed event as missing', async () => {
    await tampering((c) => c.query('DELETE FROM action_events WHERE world_id = $1 AND seq = 1', [worldId]));
    expect(await breaks()).toEqual([{ seq: 1, problem: expect.stringMatching(/^missing/) as string }]);
  });
});
