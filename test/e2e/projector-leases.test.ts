import type { Client } from 'pg';
import { joinPlayer, TestClient } from '../support/client';
import { db } from '../support/db';
import { expectProjectionsEqualRebuild } from '../support/drill';
import { eventually } from '../support/eventually';
import { AppProcess, MAP_WORLDS, TestSystem } from '../support/system';

/**
 * Projectors per world (world leases): a second projector takes its share of the worlds; the
 * holder of the players' world killed, its worlds move to the other within the lease's time to
 * live and deltas flow again; a graceful stop hands its worlds over at the next beat. Every world's
 * read model ends equal to a rebuild from the log.
 */
describe('projectors per world', () => {
  const system = new TestSystem();
  const role = `${process.env.NATS_PREFIX}:projector`;
  const report: Record<string, unknown> = {};
  const extra: AppProcess[] = [];
  let pg: Client;
  let a: TestClient;
  let b: TestClient;

  /** The live lease of each world: its holder's pid (members are `host:pid:tag`). */
  const holders = async () => {
    // The map worlds only: a full run's log also holds other suites' worlds, which are leased too.
    const { rows } = await pg.query<{ world_id: string; holder: string }>('SELECT world_id, holder FROM world_leases WHERE role = $1 AND expires_at > clock_timestamp() AND world_id = ANY($2)', [
      role,
      MAP_WORLDS,
    ]);
    return new Map(rows.map((r) => [r.world_id, Number(r.holder.split(':')[1])]));
  };
  const pidsHolding = async () => new Set((await holders()).values());
  /** A move by `a`, applied, and its delta seen by `b`. */
  const moveSeen = async (ms = 15_000) => {
    const ack = await a.move(a.freeDirection());
    expect(ack.status).toBe('applied');
    await b.waitForType('event.state_delta', (m) => m.seq >= ack.seq!, ms);
    return ack.seq!;
  };

  beforeAll(async () => {
    await system.start();
    pg = await db();
    a = await joinPlayer(system);
    b = await joinPlayer(system);
  }, 90_000);

  afterAll(async () => {
    console.log(`projector leases: ${JSON.stringify(report)}`);
    await a?.close();
    await b?.close();
    await Promise.all(extra.map((p) => p.stop()));
    await system.stop();
    await pg?.end();
  }, 30_000);

  it('a second projector takes its share of the worlds, and deltas flow', async () => {
    const first = system.apps.projector.proc!.pid!;
    await eventually('the first projector to hold all 10 worlds', async () => (await holders()).size === 10 && (await pidsHolding()).size === 1, 20_000);
    const second = new AppProcess('projector', system.apps.projector.env);
    extra.push(second);
    const joinedAt = Date.now();
    await second.start();
    const split = await eventually(
      'the worlds spread over both projectors',
      async () => {
        const h = await holders();
        return h.size === 10 && new Set(h.values()).size === 2 && h;
      },
      20_000,
      holders,
    );
    report.rebalanceMs = Date.now() - joinedAt;
    report.split = [...split.values()].filter((p) => p === first).length;
    await moveSeen();
  }, 90_000);

  it('a walk through a portal and back, the two worlds projected by whichever processes hold them: the row follows the character', async () => {
    const h = await holders();
    report.portalWorldsOnTwoProjectors = h.get('lobby') !== h.get('meadow');
    const walker = await joinPlayer(system);
    try {
      // The lobby's portal at (62,20) is stepped on from (61,20) going east, to the meadow's (2,12);
      // the meadow's at (1,12), from (2,12) going west, back to the lobby's (60,20).
      for (const [x, y, dir, to] of [
        [61, 20, 'east', 'meadow'],
        [2, 12, 'west', 'lobby'],
        [61, 20, 'east', 'meadow'],
      ] as const) {
        expect(await walker.walkTo(x, y)).toBe(true);
        const from = walker.received.length;
        expect((await walker.move(dir)).status).toBe('applied');
        await walker.waitForType('event.state_delta', (m) => m.full && m.worldId === to, 15_000, from);
      }
      const row = () => pg.query<{ world_id: string; online: boolean; epoch: number }>('SELECT world_id, online, epoch FROM rm_characters WHERE id = $1', [walker.characterId]);
      await eventually(
        'the walker’s row in the meadow at epoch 3',
        async () => (await row()).rows[0]?.epoch === 3 || undefined,
        15_000,
        async () => (await row()).rows,
      );
      expect((await row()).rows[0]).toEqual({ world_id: 'meadow', online: true, epoch: 3 });
    } finally {
      await walker.close();
    }
  }, 90_000);

  it('the holder of the players’ world killed: the other takes it within seconds, and its read model catches up', async () => {
    const lobbyPid = (await holders()).get('lobby');
    const procs = [system.apps.projector, ...extra];
    const victim = procs.find((p) => p.proc?.pid === lobbyPid)!;
    const survivor = procs.find((p) => p !== victim && p.proc?.exitCode === null)!;
    expect(victim).toBeDefined();
    const killedAt = Date.now();
    await victim.kill();
    // Moves go on while the world has no projector: applied (the sequencer does not wait), their deltas come once it has one.
    const seq = await moveSeen(20_000);
    report.killToDeltaMs = Date.now() - killedAt;
    await eventually('the survivor to hold every world', async () => (await holders()).size === 10 && (await pidsHolding()).size === 1, 20_000, holders);
    expect((await holders()).get('lobby')).toBe(survivor.proc!.pid);
    report.killToAllWorldsMs = Date.now() - killedAt;
    expect(seq).toBeGreaterThan(0);
    system.apps.projector = survivor;
  }, 90_000);

  it('a graceful stop hands the worlds over at the next beat, not after the time to live', async () => {
    const leaving = system.apps.projector;
    const next = new AppProcess('projector', leaving.env);
    extra.push(next);
    await next.start();
    await eventually('the worlds spread over both projectors', async () => (await pidsHolding()).size === 2, 20_000, holders);
    const stoppedAt = Date.now();
    await leaving.stop();
    expect(leaving.since()).toContain('projector stopped');
    await eventually('the new projector to hold every world', async () => (await holders()).size === 10 && [...(await holders()).values()].every((p) => p === next.proc!.pid), 20_000, holders);
    report.stopToAllWorldsMs = Date.now() - stoppedAt;
    system.apps.projector = next;
    await moveSeen();
  }, 90_000);

  it('every world’s read model equals a rebuild from the log', async () => {
    const { rows } = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM action_events');
    const logMax = (await pg.query<{ s: number }>('SELECT coalesce(sum(m), 0)::int AS s FROM (SELECT max(seq) AS m FROM action_events GROUP BY world_id) w')).rows[0]!.s;
    expect(rows[0]!.n).toBe(logMax); // gapless
    await expectProjectionsEqualRebuild(system, pg, logMax);
  }, 120_000);
});
