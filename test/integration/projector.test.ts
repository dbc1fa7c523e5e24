import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createLogger } from '@tilemud/runtime';
import { DeltaFrame, Projector } from '../../apps/projector/src/projector';
import { foldEvents } from '../../apps/projector/src/read-model';
import { claimCheckpoint, loadCharacters, writeBatch } from '../../apps/projector/src/read-model-store';

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
    await projector.loadCheckpoint(worldId);
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
    await projector.forget(worldId);
    await projector.loadCheckpoint(worldId);
    expect(await rowsOf()).toEqual([]);
    await projector.catchUpWorld(worldId);
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

/**
 * Many projector processes, each holding some worlds' leases. Here in one file with the suite
 * above: its reset truncates the read models, which a suite running beside it would feel.
 */
describe('projectors per world', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
  const quiet = createLogger('test', 'silent');
  const at = '2026-01-01T00:00:00.000Z';
  let n = 0;
  const fresh = (what: string) => `${what}_${Date.now().toString(36)}_${n++}`;
  type Ev = { type: string; data: Record<string, unknown> };
  const append = async (worldId: string, events: Ev[], from = 0) => {
    for (const [i, e] of events.entries()) {
      await pool.query('INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        worldId,
        from + i + 1,
        e.data.characterId ?? null,
        e.type,
        e.data,
        at,
      ]);
    }
    return events.map((e, i) => ({ worldId, seq: from + i + 1, type: e.type, data: e.data, characterId: (e.data.characterId as string) ?? null, intentSeq: null, recordedAt: at }));
  };
  const row = async (id: string) => (await pool.query<Record<string, unknown>>('SELECT world_id, online, epoch, x, y FROM rm_characters WHERE id = $1', [id])).rows[0];
  const checkpointOf = async (worldId: string) => Number((await pool.query<{ seq: string }>('SELECT seq FROM projection_checkpoints WHERE world_id = $1', [worldId])).rows[0]?.seq ?? 0);
  const member = (frames: DeltaFrame[] = []) => new Projector(pool, (f) => frames.push(f), quiet);
  const entered = (id: string): Ev => ({ type: 'character.entered', data: { characterId: id, name: 'Ann', x: 5, y: 5, facing: 'south', sessionId: 's', inventory: [] } });
  const handover = (id: string, epoch: number, from: string, to: string) => ({
    handoverId: `${id}:${epoch}`,
    characterId: id,
    name: 'Ann',
    sessionId: 's',
    fromWorldId: from,
    toWorldId: to,
    toX: 1,
    toY: 1,
    facing: 'east',
    inventory: [],
    epoch,
  });
  /** A character entered world A, then crossed to B (epoch 1): A's log and B's log. */
  const crossing = async () => {
    const [a, b, who] = [fresh('pa'), fresh('pb'), randomUUID()];
    const inA = await append(a, [entered(who), { type: 'character.departed', data: handover(who, 1, a, b) }]);
    const inB = await append(b, [{ type: 'character.arrived', data: { ...handover(who, 1, a, b), x: 1, y: 1 } }]);
    return { a, b, who, inA, inB };
  };

  afterAll(() => pool.end());

  it('two processes that both believe they hold a world: each batch is applied by one of them, the other’s rolled back', async () => {
    const w = fresh('pw');
    const who = randomUUID();
    const events = await append(w, [entered(who), { type: 'chat.posted', data: { messageId: `${who}:1`, characterId: who, name: 'Ann', channel: 'world', text: 'hi', at } }]);
    const [framesOld, framesNew] = [[] as DeltaFrame[], [] as DeltaFrame[]];
    const [old, next] = [member(framesOld), member(framesNew)];
    await old.loadCheckpoint(w);
    await next.loadCheckpoint(w);
    const results = await Promise.allSettled([old.project([events[1]!]), next.project([events[1]!])]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'CHECKPOINT_MOVED', worldId: w, expected: 0 });
    // Applied once: one delta, one chat line, the checkpoint at 2.
    expect(framesOld.length + framesNew.length).toBe(1);
    expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM rm_chat WHERE world_id = $1', [w])).rows[0]!.n).toBe(1);
    expect(await checkpointOf(w)).toBe(2);
    // The refused one reads the checkpoint again and goes on from it: a redelivery is only compared.
    const loser = framesOld.length ? next : old;
    expect(await loser.project([events[1]!])).toEqual([{ kind: 'ok' }]);
    expect(loser.checkpoint(w)).toBe(2);
    expect(framesOld.length + framesNew.length).toBe(1);
  });

  it('a world given up is not applied: its queued events are offered again (later), and a batch in hand finishes first', async () => {
    const w = fresh('pw');
    const events = await append(w, [entered(randomUUID())]);
    const p = member();
    await p.loadCheckpoint(w);
    const inHand = p.project(events);
    await new Promise((r) => setImmediate(r)); // the step has begun (it reads the log)
    await p.forget(w);
    expect(await inHand).toEqual([{ kind: 'ok' }]);
    expect(await checkpointOf(w)).toBe(1);
    expect(p.holds(w)).toBe(false);
    expect(await p.project(events)).toEqual([{ kind: 'later' }]);
  });

  it('a departure and an arrival projected by two processes leave the character in the world it arrived in, whichever commits first', async () => {
    for (let i = 0; i < 6; i++) {
      const { a, b, who, inA, inB } = await crossing();
      const [pa, pb] = [member(), member()];
      await pa.loadCheckpoint(a);
      await pb.loadCheckpoint(b);
      const steps = [() => pa.project(inA), () => pb.project(inB)];
      if (i % 3 === 0) for (const s of steps) await s();
      else if (i % 3 === 1) for (const s of steps.reverse()) await s();
      else await Promise.all(steps.map((s) => s()));
      expect(await row(who)).toEqual({ world_id: b, online: true, epoch: 1, x: 1, y: 1 });
    }
  });

  it('an older world’s row never overwrites a newer one inserted between its read and its write (no row to lock then)', async () => {
    const { a, b, who, inA, inB } = await crossing();
    const [ca, cb] = [await pool.connect(), await pool.connect()];
    try {
      await ca.query('BEGIN');
      await cb.query('BEGIN');
      // Both read: no row yet.
      expect(await loadCharacters(ca, [who])).toEqual([]);
      expect(await loadCharacters(cb, [who])).toEqual([]);
      // B's arrival commits first; A then writes its fold of entered + departed (the row in A, offline, epoch 0).
      await writeBatch(
        cb,
        b,
        foldEvents(() => undefined, inB),
        1,
        at,
      );
      await cb.query('COMMIT');
      await writeBatch(
        ca,
        a,
        foldEvents(() => undefined, inA),
        2,
        at,
      );
      await ca.query('COMMIT');
    } finally {
      ca.release();
      cb.release();
    }
    expect(await row(who)).toEqual({ world_id: b, online: true, epoch: 1, x: 1, y: 1 });
  });

  it('a batch touching a character waits for another world’s batch holding its row, and folds the row as that one left it', async () => {
    const { a, b, who, inA, inB } = await crossing();
    // A's entered is applied; the row is in A at epoch 0.
    const pa = member();
    await pa.loadCheckpoint(a);
    await pa.project([inA[0]!]);
    const [ca, cb] = [await pool.connect(), await pool.connect()];
    try {
      await cb.query('BEGIN');
      const seenByB = await loadCharacters(cb, [who]);
      expect(seenByB[0]).toMatchObject({ world_id: a, epoch: 0 });
      // A's departure starts while B holds the row: it waits for B's commit, then sees the row in B.
      await ca.query('BEGIN');
      const seenByA = loadCharacters(ca, [who]);
      await writeBatch(
        cb,
        b,
        foldEvents((id) => seenByB.find((r) => r.id === id), inB),
        1,
        at,
      );
      await cb.query('COMMIT');
      const rowsA = await seenByA;
      expect(rowsA[0]).toMatchObject({ world_id: b, epoch: 1 });
      const foldA = foldEvents((id) => rowsA.find((r) => r.id === id), [inA[1]!]);
      expect(foldA.characters).toEqual([]); // the departure changes nothing of a row already in B
      await claimCheckpoint(ca, a, 1, 2);
      await writeBatch(ca, a, foldA, 2, at);
      await ca.query('COMMIT');
    } finally {
      ca.release();
      cb.release();
    }
    expect(await row(who)).toEqual({ world_id: b, online: true, epoch: 1, x: 1, y: 1 });
  });
});
