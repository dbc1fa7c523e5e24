import type { Client } from 'pg';
import { TestClient, joinPlayer } from '../support/client';
import { db } from '../support/db';
import { eventually } from '../support/eventually';
import { AppProcess, holdsEveryMap, secondMember, TestSystem } from '../support/system';

/**
 * World leases: a second sequencer or projector shares the worlds with the first (each world held
 * by one of them), and when the one holding the lobby is killed the other takes it over, carrying
 * on with the next seq and no gap.
 */
describe('world ownership: members share the worlds, and a killed member’s worlds move', () => {
  const system = new TestSystem();
  const extra: AppProcess[] = [];
  let pg: Client;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    await system.start();
    pg = await db();
    a = await joinPlayer(system);
    b = await joinPlayer(system);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await Promise.all(extra.map((s) => s.stop()));
    await system.stop();
    await pg?.end();
  });

  it.each(['sequencer', 'projector'] as const)(
    'a second %s takes a share of the worlds, and the lobby moves to the survivor when its holder is killed',
    async (role) => {
      const { holder, other: survivor, added } = await secondMember(system, role);
      extra.push(added);

      const before = await a.move(a.freeDirection());
      expect(before.status).toBe('applied');
      await b.waitForType('event.state_delta', (m) => m.seq >= before.seq!);

      await holder.kill();
      // The survivor takes the lobby once the dead member's lease has expired (LEASE_TTL_MS).
      await eventually('the survivor to hold the lobby', async () => 'lobby' in (await survivor.worlds()), 20_000);
      system.apps[role] = survivor;

      const after = await a.move(a.freeDirection());
      // The next seq, or later: in a full run other suites' characters may leave the lobby meanwhile.
      expect(after.status).toBe('applied');
      expect(after.seq!).toBeGreaterThan(before.seq!);
      await b.waitForType('event.state_delta', (m) => m.seq >= after.seq!, 15_000);
      const gaps = await pg.query<{ n: number; max: number }>("SELECT count(*)::int AS n, max(seq)::int AS max FROM action_events WHERE world_id = 'lobby'");
      expect(gaps.rows[0]?.n).toBe(gaps.rows[0]?.max);
      // And the survivor holds every world now.
      await eventually('the survivor to hold all ten worlds', async () => holdsEveryMap(await survivor.worlds()), 20_000);
    },
    90_000,
  );
});
