import { Pool } from 'pg';
import type { Snapshot, SnapshotResponse } from '@tilemud/contracts';
import { SnapshotService } from '../../apps/gateway/src/world/snapshot.service';
import { api, joinPlayer, TestClient } from '../support/client';
import { runEnv, TestSystem } from '../support/system';
import { eventually } from '../support/eventually';

const WAIT_MS = 400;

/**
 * Freshness: a snapshot (REST, join, resync) is never older than the log was when it was asked
 * for, so never older than the asker's own acks, even with the read model stalled behind.
 */
describe('freshness: snapshots never older than the log', () => {
  const system = new TestSystem({ FRESHNESS_WAIT_MS: String(WAIT_MS) });
  const pool = new Pool({ connectionString: runEnv().DATABASE_URL, max: 2 });
  const quiet = { warn: () => undefined, info: () => undefined } as never;
  const noFanout = { reached: async () => false } as never;
  const snapshots = new SnapshotService(pool, { FRESHNESS_WAIT_MS: WAIT_MS } as never, quiet, noFanout);
  let a: TestClient;

  beforeAll(async () => {
    await system.start();
    a = await joinPlayer(system);
  }, 60_000);

  afterAll(async () => {
    system.apps.projector.proc?.kill('SIGCONT');
    await a?.close();
    await system.stop();
    await pool.end();
  });

  const stall = () => system.apps.projector.proc!.kill('SIGSTOP');
  const unstall = () => system.apps.projector.proc!.kill('SIGCONT');
  const sorted = (s: Snapshot) => ({ ...s, characters: [...s.characters].sort((x, y) => x.id.localeCompare(y.id)), items: [...s.items].sort((x, y) => x.id.localeCompare(y.id)) });
  /** A move's event payload: where the character stepped. */
  type Moved = { payload: { x: number; y: number } };

  it('with the projector stalled, REST and join snapshots still show every acked move', async () => {
    stall();
    try {
      let acked = 0; // the seq of the last acked move
      for (let i = 0; i < 3; i++) {
        const ack = await a.move(a.freeDirection());
        expect(ack.status).toBe('applied');
        acked = ack.seq!; // an applied intent carries its seq
        // No deltas while the projector is stalled: follow its own moves from the log.
        const { rows } = await pool.query<Moved>(`SELECT payload FROM action_events WHERE world_id = 'lobby' AND seq = $1`, [acked]);
        a.characters.set(a.characterId, { ...a.me, x: rows[0]!.payload.x, y: rows[0]!.payload.y });
      }
      const { rows } = await pool.query<Moved>(`SELECT payload FROM action_events WHERE character_id = $1 AND type = 'character.moved' ORDER BY seq DESC LIMIT 1`, [a.characterId]);
      const at = { x: rows[0]!.payload.x, y: rows[0]!.payload.y };

      const rest = await api<SnapshotResponse>(system.baseUrl, 'GET', '/api/worlds/lobby/snapshot', { token: a.guest!.accessToken });
      expect(rest.status).toBe(200);
      expect(rest.body.world.seq).toBeGreaterThanOrEqual(acked);
      expect(rest.body.characters.find((c) => c.id === a.characterId)).toMatchObject(at);
      expect(rest.headers.get('etag')).toBe(`"${rest.body.world.seq}"`);

      // A player joining now sees it where the log says, not where the stalled read model does.
      const b = await joinPlayer(system);
      expect(b.snapshot!.seq).toBeGreaterThanOrEqual(acked);
      expect(b.snapshot!.snapshot.characters.find((c) => c.id === a.characterId)).toMatchObject(at);
      expect(b.snapshot!.snapshot.characters.map((c) => c.id)).toContain(b.characterId);
      await b.close();
      expect(system.apps.gateway.output).toMatch(/snapshot built from the log/);
    } finally {
      unstall();
    }
  });

  it('once caught up, the read model and the log give the same snapshot', async () => {
    const head = Number((await pool.query<{ s: string }>(`SELECT max(seq) AS s FROM action_events WHERE world_id = 'lobby'`)).rows[0]!.s);
    await eventually(`the lobby's read model to reach the log's head ${head}`, async () => (await snapshots.seq('lobby')) >= head, 15_000);
    const fromReadModel = await snapshots.load('lobby');
    const fromLog = await snapshots.fromLog('lobby');
    expect(fromLog!.seq).toBe(fromReadModel!.seq);
    expect(sorted(fromLog!.snapshot)).toEqual(sorted(fromReadModel!.snapshot));
  });
});
