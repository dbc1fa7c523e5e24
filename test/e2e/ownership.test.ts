import type { Client } from 'pg';
import { TestClient, joinPlayer } from '../support/client';
import { db } from '../support/db';
import { AppProcess, runEnv, TestSystem } from '../support/system';

/** One writer per role: a second sequencer or projector waits, and takes over when the first dies. */
describe('ownership: a standby takes over from a killed owner', () => {
  const system = new TestSystem();
  const standbys: AppProcess[] = [];
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
    await Promise.all(standbys.map((s) => s.stop()));
    await system.stop();
    await pg?.end();
  });

  it.each(['sequencer', 'projector'] as const)(
    'a second %s waits, then carries on when the first is killed',
    async (role) => {
      const standby = new AppProcess(role, runEnv());
      standbys.push(standby);
      const ready = standby.start();
      // A condition with a generous deadline: a node process can take seconds to start on a busy machine.
      await standby.waitStandby();

      // The owner does the work while the standby waits.
      const before = await a.move(a.freeDirection());
      expect(before.status).toBe('applied');
      await b.waitForType('event.state_delta', (m) => m.seq >= before.seq!);

      await system.apps[role].kill();
      await ready; // the standby now owns the role
      system.apps[role] = standby;

      const after = await a.move(a.freeDirection());
      expect(after).toMatchObject({ status: 'applied', seq: before.seq! + 1 });
      await b.waitForType('event.state_delta', (m) => m.seq >= after.seq!, 15_000);
      const gaps = await pg.query<{ n: number; max: number }>("SELECT count(*)::int AS n, max(seq)::int AS max FROM action_events WHERE world_id = 'lobby'");
      expect(gaps.rows[0]?.n).toBe(gaps.rows[0]?.max);
    },
    60_000,
  );
});
