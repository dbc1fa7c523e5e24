import type { Client } from 'pg';
import { ownerOf } from '@tilemud/runtime';
import { TestClient, joinPlayer } from '../support/client';
import { db } from '../support/db';
import { eventually } from '../support/eventually';
import { AppProcess, TestSystem } from '../support/system';

// The lobby's portal at (62,20) is stepped on from (61,20) going east and leads to the meadow's
// (2,12); the meadow's, stepped on from (2,12) going west, leads back to (60,20).
const LOBBY_APPROACH = { x: 61, y: 20 };
const MEADOW_APPROACH = { x: 2, y: 12 };

/**
 * A portal hand-over between worlds held by different sequencer processes (and different
 * projectors) stays exactly once: the second member of each role is named (MEMBER_ID) so that
 * rendezvous hashing gives the lobby to one and the meadow to the other.
 */
describe('portals between worlds owned by different processes', () => {
  const system = new TestSystem();
  const extra: AppProcess[] = [];
  const clients: TestClient[] = [];
  let pg: Client;

  beforeAll(async () => {
    await system.start();
    pg = await db();
    for (const role of ['sequencer', 'projector'] as const) {
      const first = system.apps[role];
      const firstName = await eventually(`the first ${role}'s member id`, async () => ((await first.get('/healthz'))?.body as { member?: string } | undefined)?.member, 20_000);
      // A name for the second member that splits the two worlds between them.
      let name = '';
      for (let i = 0; !name; i++) if (ownerOf('lobby', [firstName, `${role}-${i}`]) !== ownerOf('meadow', [firstName, `${role}-${i}`])) name = `${role}-${i}`;
      const second = new AppProcess(role, { ...first.env, MEMBER_ID: name });
      extra.push(second);
      await second.start();
      await eventually(
        `the lobby and the meadow held by different ${role}s`,
        async () => {
          const [a, b] = await Promise.all([first.worlds(), second.worlds()]);
          return ('lobby' in a && 'meadow' in b) || ('lobby' in b && 'meadow' in a);
        },
        30_000,
        async () => [await first.worlds(), await second.worlds()],
      );
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(extra.map((a) => a.stop()));
    await system.stop();
    await pg?.end();
  });

  it('a walk there and back lands once in each world, in the log and in the read model, and the walker plays on in each', async () => {
    const walker = await joinPlayer(system);
    clients.push(walker);
    const watcher = await joinPlayer(system);
    clients.push(watcher);

    for (const [to, approach, step] of [
      ['meadow', LOBBY_APPROACH, 'east'],
      ['lobby', MEADOW_APPROACH, 'west'],
      ['meadow', LOBBY_APPROACH, 'east'],
    ] as const) {
      expect(await walker.walkTo(approach.x, approach.y)).toBe(true);
      const from = walker.received.length;
      const ack = await walker.move(step);
      expect(ack.status).toBe('applied');
      await walker.waitForType('event.state_delta', (m) => m.full && m.worldId === to, 20_000, from, `the full state of ${to} after the crossing`);
      // Playing on in the new world: its owner knows the walker (and its last intentSeq).
      const next = await walker.move(walker.freeDirection());
      expect([to, next.status]).toEqual([to, 'applied']);
      // Seen in its own view before it walks on (walkTo plans from where the client sees itself).
      await walker.waitForType('event.state_delta', (m) => m.worldId === to && m.seq >= next.seq!, 10_000);
    }

    // Exactly once: each departure has one arrival, in the world it named.
    const { rows } = await pg.query<{ type: string; world_id: string; handover: string }>(
      `SELECT type, world_id, payload->>'handoverId' AS handover FROM action_events
        WHERE character_id = $1 AND type IN ('character.departed', 'character.arrived') ORDER BY recorded_at, seq`,
      [walker.characterId],
    );
    const departed = rows.filter((r) => r.type === 'character.departed');
    const arrived = rows.filter((r) => r.type === 'character.arrived');
    expect(departed.map((r) => r.world_id)).toEqual(['lobby', 'meadow', 'lobby']);
    expect(arrived.map((r) => r.world_id)).toEqual(['meadow', 'lobby', 'meadow']);
    expect(arrived.map((r) => r.handover)).toEqual(departed.map((r) => r.handover));
    // The read model (two projectors) ends where the log does.
    await eventually(
      'the walker in the meadow in the read model',
      async () => (await pg.query<{ world_id: string }>('SELECT world_id FROM rm_characters WHERE id = $1', [walker.characterId])).rows[0]?.world_id === 'meadow',
      20_000,
    );
    // Every world's log is gapless.
    const gaps = await pg.query<{ world_id: string; n: number; max: number }>(
      "SELECT world_id, count(*)::int AS n, max(seq)::int AS max FROM action_events WHERE world_id IN ('lobby', 'meadow') GROUP BY world_id",
    );
    for (const g of gaps.rows) expect(g.n).toBe(g.max);
  }, 120_000);
});
