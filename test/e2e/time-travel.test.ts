import { Pool } from 'pg';
import { AdminWorldsResponseSchema, WorldEventsPageSchema, WorldMapSchema, WorldStateAtSchema, type AuthResponse, type Snapshot, type WorldStateAt } from '@tilemud/contracts';
import { foldLog, getWorld, WORLDS } from '@tilemud/domain';
import { WorldSnapshots } from '@tilemud/runtime';
import { api, isFullDelta, joinPlayer, type TestClient } from '../support/client';
import { eventually } from '../support/eventually';
import { TestSystem } from '../support/system';
import { expectRestError, login, ops, register, uniqueName } from './identity-helpers';

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
/** What a full snapshot and a state at a seq have in common, in one order. */
const world = (s: Pick<Snapshot, 'characters' | 'items'>) => ({ characters: [...s.characters].sort(byId), items: [...s.items].sort(byId) });

/**
 * The operator's time travel against the three real apps: the world at a seq, folded from the log
 * (and from a stored world snapshot below it), equals the full snapshot a client was sent at that
 * seq; the events of a range; each world's head, lag and dead letters; refusals in the contract's shape.
 */
describe('time travel (GET /api/admin/worlds…)', () => {
  // No replay on a resync: it answers with a full snapshot, one more to compare with.
  const system = new TestSystem({ RESUME_MAX_REPLAY_EVENTS: '0' });
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  const players: TestClient[] = [];
  let adminToken = '';
  let playerToken = '';
  const get = (path: string, token = adminToken) => api(system.baseUrl, 'GET', path, { token });

  beforeAll(async () => {
    await system.start();
    const username = uniqueName('travel');
    expect((await register(system.baseUrl, username, 'operator password')).status).toBe(201);
    expect(await ops('grant-role', username, 'admin')).toMatchObject({ code: 0 });
    adminToken = (await login(system.baseUrl, username, 'operator password')).body.accessToken;
    playerToken = (await api<AuthResponse>(system.baseUrl, 'POST', '/api/auth/guest')).body.accessToken;
  }, 90_000);

  afterAll(async () => {
    await Promise.all(players.map((p) => p.close()));
    await pool.end();
    await system.stop();
  });

  /** A player joins (its first frame is a full snapshot at a seq), then walks a few steps. */
  async function joinAndWalk(steps: number): Promise<{ seq: number; snapshot: Snapshot }> {
    const p = await joinPlayer(system);
    players.push(p);
    const sent = { seq: p.snapshot!.seq, snapshot: p.snapshot!.snapshot };
    for (let i = 0; i < steps; i++) {
      const { x, y } = p.me;
      expect(await p.move(p.freeDirection())).toMatchObject({ status: 'applied' });
      // The next free direction is judged from where the client sees itself: after this step's delta.
      await eventually('the step seen', () => p.me.x !== x || p.me.y !== y, 10_000);
    }
    return sent;
  }

  const stateAt = async (worldId: string, seq: number): Promise<WorldStateAt> => {
    const r = await get(`/api/admin/worlds/${worldId}/state?atSeq=${seq}`);
    expect(r.status).toBe(200);
    return WorldStateAtSchema.parse(r.body);
  };

  it('gives the world at a seq equal to the full snapshot a client was sent at that seq', async () => {
    const sent = [await joinAndWalk(3), await joinAndWalk(2), await joinAndWalk(1)];
    const worldId = players[0]!.worldId;
    // One more, sent on a resync after all the walking.
    const late = players[0]!;
    const from = late.received.length;
    late.send({ type: 'resync', lastSeq: 0 });
    const full = await late.waitFor(isFullDelta, 10_000, from, 'the full snapshot answering the resync');
    sent.push({ seq: full.seq, snapshot: full.snapshot });
    for (const s of sent) {
      const at = await stateAt(worldId, s.seq);
      expect(at).toMatchObject({ worldId, seq: s.seq });
      expect(at.foldedFrom).toBeLessThanOrEqual(s.seq);
      expect(at.head).toBeGreaterThanOrEqual(s.seq);
      expect(world(at)).toEqual(world(s.snapshot));
    }
    // The states differ along the way: the first client's character walked after its snapshot.
    expect(world(await stateAt(worldId, sent[0]!.seq))).not.toEqual(world(await stateAt(worldId, sent[1]!.seq)));
  }, 60_000);

  it('starts from the nearest stored world snapshot at or below the seq, with the same answer', async () => {
    const worldId = players[0]!.worldId;
    const later = await joinAndWalk(2);
    const { rows } = await pool.query<{ seq: string; type: string; payload: unknown; version: number }>(
      'SELECT seq, type, payload, version FROM action_events WHERE world_id = $1 AND seq <= $2 ORDER BY seq',
      [worldId, later.seq - 2],
    );
    const map = getWorld(worldId)!;
    await new WorldSnapshots(pool).save(
      worldId,
      foldLog(
        map,
        rows.map((r) => ({ ...r, seq: Number(r.seq) })),
      ),
    );
    const at = await stateAt(worldId, later.seq);
    expect(at.foldedFrom).toBe(later.seq - 2);
    expect(world(at)).toEqual(world(later.snapshot));
    // Below it, the fold starts from further back (the start, unless the sequencer stored one there).
    expect((await stateAt(worldId, later.seq - 3)).foldedFrom).toBeLessThan(later.seq - 2);
  }, 60_000);

  it('lists the events of a seq range, clipped to the head, and the map', async () => {
    const worldId = players[0]!.worldId;
    const head = (await stateAt(worldId, 1)).head;
    // The run's earlier suites may have written hundreds of events to this world: the last page, clipped.
    const from = Math.max(1, head - 100);
    const page = WorldEventsPageSchema.parse((await get(`/api/admin/worlds/${worldId}/events?from=${from}&to=${head + 50}`)).body);
    expect(page).toMatchObject({ worldId, head, more: false });
    expect(page.events.map((e) => e.seq)).toEqual(Array.from({ length: head - from + 1 }, (_, i) => from + i));
    const first = WorldEventsPageSchema.parse((await get(`/api/admin/worlds/${worldId}/events?from=1&to=1`)).body);
    expect(first.events[0]).toMatchObject({ type: 'world.seeded', characterId: null, version: expect.any(Number) as number });
    const move = page.events.find((e) => e.type === 'character.moved')!;
    expect(move.characterId).toBe((move.data as { characterId: string }).characterId);
    expect(Number.isNaN(Date.parse(move.recordedAt))).toBe(false);
    const some = WorldEventsPageSchema.parse((await get(`/api/admin/worlds/${worldId}/events?from=2&to=4`)).body);
    expect(some.events.map((e) => e.seq)).toEqual([2, 3, 4]);
    const map = WorldMapSchema.parse((await get(`/api/admin/worlds/${worldId}/map`)).body);
    expect(map).toMatchObject({ id: worldId, tiles: getWorld(worldId)!.tiles });
    expect(map.seq).toBeGreaterThanOrEqual(head); // characters of earlier suites may leave meanwhile
  });

  it('gives each world its head, read-model lag and dead letters', async () => {
    const worldId = players[0]!.worldId;
    // Other suites of the run park dead letters of this world on purpose: this one is one more.
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters WHERE world_id = $1', [worldId]);
    const before = rows[0]!.n;
    await pool.query(`INSERT INTO dead_letters (stream, subject, stream_seq, world_id, event_seq, reason, payload) VALUES ('TEST', 'test', 1, $1, 1, 'test', '\\x00')`, [worldId]);
    // Parked only for this test: the run's later suites count the dead letters they make.
    try {
      const worlds = await eventually(
        'the read model at the head',
        async () => {
          const w = AdminWorldsResponseSchema.parse((await get('/api/admin/worlds')).body);
          const mine = w.worlds.find((x) => x.id === worldId)!;
          return mine.lagEvents === 0 ? w : undefined;
        },
        20_000,
      );
      const mine = worlds.worlds.find((x) => x.id === worldId)!;
      expect(mine.head).toBe(mine.projectedSeq);
      expect(mine.head).toBeGreaterThan(5);
      expect(mine.deadLetters).toBe(before + 1);
      expect(worlds.worlds.map((w) => w.id).sort()).toEqual([...WORLDS.keys()].sort());
    } finally {
      await pool.query("DELETE FROM dead_letters WHERE stream = 'TEST' AND world_id = $1", [worldId]);
    }
  });

  it('refuses bad input with 400, an unknown world with 404, a player without the role with 403, no token with 401', async () => {
    const worldId = players[0]!.worldId;
    const head = (await stateAt(worldId, 1)).head;
    for (const q of ['', 'atSeq=', 'atSeq=0', 'atSeq=-1', 'atSeq=1.5', 'atSeq=1e2', 'atSeq=abc', 'atSeq=1&atSeq=2', `atSeq=${head + 1_000_000}`])
      expectRestError(await get(`/api/admin/worlds/${worldId}/state?${q}`), 400, 'VALIDATION_FAILED');
    for (const q of ['from=0&to=3', 'from=5&to=2', 'from=1', 'to=3', 'from=x&to=3']) expectRestError(await get(`/api/admin/worlds/${worldId}/events?${q}`), 400, 'VALIDATION_FAILED');
    expectRestError(await get('/api/admin/worlds/atlantis/state?atSeq=1'), 404, 'WORLD_NOT_FOUND');
    expectRestError(await get('/api/admin/worlds/atlantis/events?from=1&to=2'), 404, 'WORLD_NOT_FOUND');
    expectRestError(await get('/api/admin/worlds/atlantis/map'), 404, 'WORLD_NOT_FOUND');
    for (const path of ['/api/admin/worlds', `/api/admin/worlds/${worldId}/state?atSeq=1`, `/api/admin/worlds/${worldId}/events?from=1&to=2`, `/api/admin/worlds/${worldId}/map`]) {
      expectRestError(await get(path, playerToken), 403, 'FORBIDDEN');
      expectRestError(await api(system.baseUrl, 'GET', path), 401, 'AUTH_INVALID_TOKEN');
    }
  });
});
