import type { Pool } from 'pg';
import { ApiError } from '../errors/api-error';
import { EventsQuerySchema, StateQuerySchema } from './time-travel-query';
import { TimeTravelService } from './time-travel.service';

const enter = (id: string, x: number) => ({ type: 'character.entered', payload: { characterId: id, name: id, x, y: 1, facing: 'south', sessionId: 's', inventory: [] } });
const move = (id: string, x: number) => ({ type: 'character.moved', payload: { characterId: id, x, y: 1, facing: 'east' } });
/** lobby's log: seeded, a and b enter, a walks east three times, b leaves. */
const LOG = [
  { type: 'world.seeded', payload: { items: [{ id: 'i1', kind: 'gem', name: 'Gem', x: 4, y: 4 }] } },
  enter('a', 2),
  enter('b', 6),
  move('a', 3),
  move('a', 4),
  move('a', 5),
  { type: 'character.left', payload: { characterId: 'b' } },
].map((e, i) => ({
  world_id: 'lobby',
  seq: String(i + 1),
  character_id: null,
  intent_seq: null,
  event_index: 0,
  type: e.type,
  version: 1,
  payload: e.payload,
  recorded_at: new Date(1_800_000_000_000 + i),
  trace_id: null,
}));

/** A pool answering the log reader's few queries from LOG, recording the reads (after, up to, limit) it was asked. */
function fakePool(snapshots: Array<{ seq: number; state: unknown }> = []) {
  const reads: number[][] = [];
  const query = async (sql: string, params: unknown[] = []) => {
    if (sql.includes('max(seq)')) return { rows: [{ head: params[0] === 'lobby' ? String(LOG.length) : null }] };
    if (sql.includes('FROM action_events')) {
      const [, after, upTo, limit] = params as [string, number, number, number];
      reads.push([after, upTo, limit]);
      return { rows: LOG.filter((r) => Number(r.seq) > after && Number(r.seq) <= upTo).slice(0, limit) };
    }
    if (sql.includes('FROM world_snapshots')) return { rows: snapshots.filter((s) => s.seq <= (params[1] as number)).slice(-1) };
    if (sql.includes('projection_checkpoints')) return { rows: [{ world_id: 'lobby', seq: '5' }] };
    if (sql.includes('dead_letters'))
      return {
        rows: [
          { world_id: 'lobby', n: '2' },
          { world_id: null, n: '1' },
        ],
      };
    throw new Error(`unexpected query ${sql}`);
  };
  return { pool: { query } as unknown as Pool, reads };
}

describe('time travel: the query strings', () => {
  it('takes whole numbers of at least 1 and nothing else', () => {
    expect(StateQuerySchema.parse({ atSeq: '42' })).toEqual({ atSeq: 42 });
    for (const bad of [{}, { atSeq: '' }, { atSeq: '0' }, { atSeq: '-1' }, { atSeq: '1e3' }, { atSeq: '2.5' }, { atSeq: ' 3' }, { atSeq: ['1', '2'] }, { atSeq: '99999999999999999' }])
      expect(StateQuerySchema.safeParse(bad).success).toBe(false);
    expect(EventsQuerySchema.parse({ from: '3', to: '9' })).toEqual({ from: 3, to: 9 });
    expect(EventsQuerySchema.safeParse({ from: '9', to: '3' }).success).toBe(false);
  });
});

describe('TimeTravelService', () => {
  it('folds the log up to the seq asked: who stood where, and which items lay', async () => {
    const svc = new TimeTravelService(fakePool().pool);
    const at4 = await svc.stateAt('lobby', 4);
    expect(at4).toMatchObject({ worldId: 'lobby', seq: 4, head: 7, foldedFrom: 0, items: [{ id: 'i1', kind: 'gem', x: 4, y: 4 }] });
    expect(at4.characters.map((c) => [c.id, c.x, c.y, c.facing])).toEqual([
      ['a', 3, 1, 'east'],
      ['b', 6, 1, 'south'],
    ]);
    // b has left by 7: only online characters are shown, as in a full snapshot.
    expect((await svc.stateAt('lobby', 7)).characters.map((c) => [c.id, c.x])).toEqual([['a', 5]]);
  });

  it('starts from the newest stored snapshot at or below the seq and reads only the events after it', async () => {
    const snap = { version: 1, worldId: 'lobby', seq: 5, characters: [{ id: 'a', name: 'a', x: 4, y: 1, facing: 'east', online: true, sessionId: 's', inventory: [], epoch: 0 }], items: [] };
    const { pool, reads } = fakePool([{ seq: 5, state: snap }]);
    const at = await new TimeTravelService(pool).stateAt('lobby', 6);
    expect(at).toMatchObject({ seq: 6, foldedFrom: 5, items: [] });
    expect(at.characters.map((c) => [c.id, c.x])).toEqual([['a', 5]]);
    expect(reads).toEqual([[5, 6, 5000]]);
  });

  it('refuses a seq past the head (400) and an unknown world (404)', async () => {
    const svc = new TimeTravelService(fakePool().pool);
    await expect(svc.stateAt('lobby', 8)).rejects.toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const unknown = await svc.stateAt('atlantis', 1).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ApiError);
    expect(unknown).toMatchObject({ status: 404, body: { code: 'WORLD_NOT_FOUND' } });
    await expect(svc.events('atlantis', 1, 2)).rejects.toMatchObject({ status: 404 });
  });

  it('names a hole in the log rather than folding over it', async () => {
    const { pool } = fakePool();
    const holed = {
      query: async (sql: string, params: unknown[]) => {
        const r = (await pool.query(sql, params)) as unknown as { rows: Array<{ seq?: string }> };
        return sql.includes('FROM action_events') && !sql.includes('max(seq)') ? { rows: r.rows.filter((row) => row.seq !== '3') } : r;
      },
    } as unknown as Pool;
    await expect(new TimeTravelService(holed).stateAt('lobby', 5)).rejects.toMatchObject({
      status: 500,
      body: { code: 'INTERNAL', message: 'world lobby: the log misses events between seq 1 and 5' },
    });
  });

  it('lists the events of a range clipped to the head, with a bounded read', async () => {
    const { pool, reads } = fakePool();
    const page = await new TimeTravelService(pool).events('lobby', 6, 100);
    expect(page).toMatchObject({ worldId: 'lobby', head: 7, more: false });
    expect(page.events.map((e) => [e.seq, e.type])).toEqual([
      [6, 'character.moved'],
      [7, 'character.left'],
    ]);
    expect(page.events[0]).toMatchObject({ characterId: null, version: 1, data: { characterId: 'a', x: 5 }, recordedAt: '2027-01-15T08:00:00.005Z' });
    expect(reads).toEqual([[5, 7, 201]]);
  });

  it('gives each world its head, read-model lag and dead letters', async () => {
    const w = await new TimeTravelService(fakePool().pool).worlds();
    expect(w.worlds.find((x) => x.id === 'lobby')).toMatchObject({ head: 7, projectedSeq: 5, lagEvents: 2, deadLetters: 2 });
    expect(w.worlds.find((x) => x.id === 'meadow')).toMatchObject({ head: 0, projectedSeq: 0, lagEvents: 0, deadLetters: 0 });
    expect(w.unattributedDeadLetters).toBe(1);
  });
});
