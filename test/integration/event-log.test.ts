import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { EventLog, EventRow } from '../../apps/sequencer/src/event-log';

/** The append-only log against the real database. */
describe('the ActionEvent log', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  const log = new EventLog(pool);
  const worldId = `log_${Date.now().toString(36)}`;
  const who = randomUUID();
  const row = (seq: number, intentSeq: number | null, eventIndex = 0): EventRow => ({
    worldId,
    seq,
    characterId: who,
    intentSeq,
    eventIndex,
    type: 'chat.posted',
    // A well-formed event: projectors replay every world of the log, this test's included.
    payload: { messageId: `${who}:${seq}`, characterId: who, name: 'Ann', channel: 'world', text: `line ${seq}`, at: '2026-01-01T00:00:00.000Z' },
    recordedAt: new Date().toISOString(),
    traceId: null,
  });

  afterAll(() => pool.end());

  it('appends a batch in one transaction and reads it back in order', async () => {
    await log.append([row(1, 1), row(2, 2), row(3, 3, 0), row(4, 3, 1)], []);
    expect((await log.eventsAfter(worldId, 1)).map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(await log.outcome(who, 3)).toEqual({ status: 'applied', seq: 4 });
  });

  it('refuses the same intent twice (the idempotency proof) and keeps none of that batch', async () => {
    await expect(log.append([row(5, 4), row(6, 2)], [])).rejects.toThrow(/action_events_intent_once|duplicate key/);
    expect((await log.eventsAfter(worldId, 4)).length).toBe(0);
  });

  it('refuses a seq that is taken', async () => {
    await expect(log.append([row(4, 9)], [])).rejects.toThrow(/duplicate key/);
  });

  it('is append-only: an update or delete is refused by the database', async () => {
    await expect(pool.query('UPDATE action_events SET type = $1 WHERE world_id = $2', ['x', worldId])).rejects.toThrow(/append-only/);
    await expect(pool.query('DELETE FROM action_events WHERE world_id = $1', [worldId])).rejects.toThrow(/append-only/);
  });

  it('keeps a rejection so a resend gets the same answer', async () => {
    await log.append([], [{ characterId: who, intentSeq: 7, worldId, code: 'MOVE_INTO_WALL', message: 'a wall', details: { to: { x: 0, y: 0 } }, recordedAt: new Date().toISOString() }]);
    expect(await log.outcome(who, 7)).toEqual({ status: 'rejected', code: 'MOVE_INTO_WALL', message: 'a wall', details: { to: { x: 0, y: 0 } } });
    expect((await log.lastIntentSeqsOf([who])).get(who)).toBe(7);
  });
});
