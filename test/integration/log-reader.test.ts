import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { envelopeOf, LogReader, withTransaction } from '@tilemud/runtime';

/** The log's one reader against the real database, on worlds of its own so other tests' rows don't matter. */
describe('the log reader', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  const reader = new LogReader(pool);
  const run = Date.now().toString(36);
  const worldId = `read_${run}`;
  const there = `read_${run}_b`;
  const who = randomUUID();
  const at = '2026-01-01T00:00:00.000Z';
  // Well-formed events: projectors and sequencers started later in the same run read every world of the log.
  const chat = (seq: number) => ({ messageId: `${who}:${seq}`, characterId: who, name: 'Ann', channel: 'world', text: `line ${seq}`, at });
  const insert = (world: string, seq: number, type: string, payload: object, intentSeq: number | null = seq, eventIndex = 0, recordedAt = at) =>
    pool.query('INSERT INTO action_events (world_id, seq, character_id, intent_seq, event_index, type, payload, recorded_at, trace_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      world,
      seq,
      who,
      intentSeq,
      eventIndex,
      type,
      payload,
      recordedAt,
      `trace${seq}`,
    ]);

  beforeAll(async () => {
    for (let seq = 1; seq <= 5; seq++) await insert(worldId, seq, 'chat.posted', chat(seq), seq <= 4 ? seq : 4, seq === 5 ? 1 : 0);
  });

  afterAll(() => pool.end());

  it('reads a world after a seq, up to a seq, and at most so many, in order and whole', async () => {
    expect((await reader.eventsAfter(worldId, 1)).map((e) => e.seq)).toEqual([2, 3, 4, 5]);
    expect((await reader.eventsAfter(worldId, 1, { upTo: 3 })).map((e) => e.seq)).toEqual([2, 3]);
    expect((await reader.eventsAfter(worldId, 0, { upTo: 4, limit: 2 })).map((e) => e.seq)).toEqual([1, 2]);
    expect(await reader.eventsAfter(worldId, 5)).toEqual([]);
    const [first] = await reader.eventsAfter(worldId, 0, { limit: 1 });
    expect(first).toEqual({ worldId, seq: 1, characterId: who, intentSeq: 1, eventIndex: 0, type: 'chat.posted', payload: chat(1), version: 2, recordedAt: at, traceId: 'trace1' });
    expect(envelopeOf(first!)).toEqual({ worldId, seq: 1, type: 'chat.posted', data: chat(1), characterId: who, intentSeq: 1, recordedAt: at });
  });

  it('reads the seqs asked for that the log holds', async () => {
    expect((await reader.eventsAt(worldId, [4, 2, 9])).map((e) => e.seq)).toEqual([2, 4]);
  });

  it('knows each world and its head, 0 for a world it has nothing of', async () => {
    expect(await reader.head(worldId)).toBe(5);
    expect(await reader.head(`${worldId}_none`)).toBe(0);
    expect(await reader.worlds()).toContain(worldId);
    expect((await reader.heads()).get(worldId)).toBe(5);
    expect([...(await reader.heads([worldId, `${worldId}_none`])).entries()]).toEqual([
      [worldId, 5],
      [`${worldId}_none`, 0],
    ]);
  });

  it("knows how a character's intents were decided, applied or rejected", async () => {
    expect(await reader.outcome(who, 4)).toEqual({ status: 'applied', seq: 5 }); // the intent's last event
    expect(await reader.outcome(who, 99)).toBeUndefined();
    await pool.query('INSERT INTO intent_rejections (character_id, intent_seq, world_id, code, message, details, recorded_at) VALUES ($1, 6, $2, $3, $4, NULL, $5)', [
      who,
      worldId,
      'MOVE_INTO_WALL',
      'a wall',
      at,
    ]);
    expect(await reader.outcome(who, 6)).toEqual({ status: 'rejected', code: 'MOVE_INTO_WALL', message: 'a wall' });
    expect((await reader.lastIntentSeqsOf([who])).get(who)).toBe(6);
  });

  it('finds a departure whose arrival is not in the log, until it is', async () => {
    const handover = { handoverId: randomUUID(), characterId: who, name: 'Ann', sessionId: 's', fromWorldId: worldId, toWorldId: there, toX: 1, toY: 1, facing: 'east', inventory: [], epoch: 1 };
    await insert(worldId, 6, 'character.departed', handover, 7, 0, new Date().toISOString());
    const pending = async () => (await reader.pendingDepartures(-60_000)).filter((h) => h.handoverId === handover.handoverId);
    expect(await pending()).toEqual([handover]);
    expect(await reader.pendingDepartures(60_000)).not.toContainEqual(handover); // not old enough yet
    await insert(there, 1, 'character.arrived', { ...handover, x: 1, y: 1 }, null);
    await insert(there, 2, 'character.left', { characterId: who }, null); // leaves no one online in a world no test plays
    expect(await pending()).toEqual([]);
  });

  it('reads inside a transaction, with the client of that transaction', async () => {
    const seqs = await withTransaction(pool, async (c) => (await new LogReader(c).eventsAfter(worldId, 3)).map((e) => e.seq), 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    expect(seqs).toEqual([4, 5, 6]);
  });

  it('filters a range by type and by character, and counts it', async () => {
    expect((await reader.eventsAfter(worldId, 0, { types: ['character.departed'] })).map((e) => e.seq)).toEqual([6]);
    expect((await reader.eventsAfter(worldId, 1, { upTo: 5, characterId: who, types: ['chat.posted', 'character.departed'], limit: 3 })).map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(await reader.eventsAfter(worldId, 0, { characterId: randomUUID() })).toEqual([]);
    expect(await reader.count(worldId)).toBe(6);
    expect(await reader.count(worldId, 2, 4)).toBe(2);
    expect(await reader.count(`${worldId}_none`)).toBe(0);
  });

  it("finds the seq at a time, the chat up to a seq, and each world's stretch of the log", async () => {
    expect(await reader.seqAt(worldId, at)).toBe(5);
    expect(await reader.seqAt(worldId, new Date())).toBe(6);
    expect(await reader.seqAt(worldId, '2025-01-01T00:00:00Z')).toBe(0);
    expect((await reader.chatUpTo(worldId, 4, 2)).map((e) => [e.seq, e.payload.text])).toEqual([
      [3, 'line 3'],
      [4, 'line 4'],
    ]);
    const summaries = await reader.summaries();
    expect(summaries.find((w) => w.worldId === worldId)).toEqual({ worldId, first: 1, head: 6, events: 6 });
    expect(summaries.find((w) => w.worldId === there)).toEqual({ worldId: there, first: 1, head: 2, events: 2 });
  });

  it('reads events as stored, with the hash chain, and whole rows for an export', async () => {
    const raw = await new LogReader(pool, { raw: true }).eventsAfter(worldId, 0, { upTo: 2 });
    expect(raw[0]).toMatchObject({ seq: 1, version: 1, prevHash: null, hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string });
    expect(raw[1]!.prevHash).toBe(raw[0]!.hash);
    const page = await reader.exportPage(worldId, 1, 2);
    expect(page.map((r) => r.seq)).toEqual([2, 3]);
    const row = JSON.parse(page[0]!.json) as { recorded_at: string };
    expect(row).toMatchObject({ world_id: worldId, seq: 2, type: 'chat.posted', version: 1, trace_id: 'trace2', prev_hash: `\\x${raw[0]!.hash}`, hash: `\\x${raw[1]!.hash}` });
    expect(row.recorded_at).toMatch(/^2026-01-01T00:00:00(\.0+)?\+00:00$/);
  });

  it("names the first break of a world's chain, and none of a whole one", async () => {
    expect(await reader.breaks(worldId)).toEqual([]);
    const forge = (text: string) =>
      withTransaction(pool, async (c) => {
        await c.query('ALTER TABLE action_events DISABLE TRIGGER action_events_no_update');
        await c.query(`UPDATE action_events SET payload = jsonb_set(payload, '{text}', to_jsonb($2::text)) WHERE world_id = $1 AND seq = 3`, [worldId, text]);
        await c.query('ALTER TABLE action_events ENABLE TRIGGER action_events_no_update');
      });
    await forge('forged');
    try {
      expect(await reader.breaks(worldId)).toEqual([{ worldId, seq: 3, problem: expect.stringMatching(/^hash mismatch/) as string }]);
      expect(await reader.breaks()).toContainEqual({ worldId, seq: 3, problem: expect.stringMatching(/^hash mismatch/) as string });
    } finally {
      await forge('line 3');
    }
    expect(await reader.breaks(worldId)).toEqual([]);
  });
});
