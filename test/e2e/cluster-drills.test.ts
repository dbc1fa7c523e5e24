import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { api, TestClient } from '../support/client';
import { TestCluster, WORLD_IDS, WorkerRole } from '../support/cluster';
import { db } from '../support/db';
import { auditLog, DrillPlayer, expectProjectionsEqualRebuild, settle } from '../support/drill';
import { eventually, sleep } from '../support/eventually';
import { LeaseWatch, type Handover } from '../support/lease-watch';
import { ownerOf } from '../../libs/runtime/src/leases/rendezvous';
import type { AppProcess } from '../support/system';
import { longestAckGapByWorld, longestDeltaGapByWorld, longestLogGapByWorld } from '../support/world-gaps';

/** Longest time between two `applied` answers (any player) from `from` on: how long play stood still. */
function longestPause(players: DrillPlayer[], from: number): number {
  const at = players.flatMap((p) => [...p.answers.values()].filter((a) => a.status === 'applied' && a.at >= from).map((a) => a.at)).sort((a, b) => a - b);
  let worst = 0;
  for (let i = 1; i < at.length; i++) worst = Math.max(worst, at[i]! - at[i - 1]!);
  return worst / 1000;
}

/** Resumes a gateway has answered (tilemud_gateway_resumes_total, any outcome). */
async function resumesAt(gateway: AppProcess): Promise<number> {
  const body = (await gateway.get('/metrics'))?.body;
  const text = typeof body === 'string' ? body : '';
  return [...text.matchAll(/^tilemud_gateway_resumes_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

/** Every player (there are some) had an intent sent after `at` applied. */
const playsAfter = (p: DrillPlayer, at: number) => [...p.answers.values()].some((a) => a.status === 'applied' && a.at > at);
const everyonePlaysAfter = (players: DrillPlayer[], at: number) => players.length > 0 && players.every((p) => playsAfter(p, at));

/** Per world, the seconds it was without an owner over these hand-overs (their sum). */
const ownerlessByWorld = (hs: Handover[]) => hs.reduce<Record<string, number>>((m, h) => ({ ...m, [h.worldId]: Math.round(((m[h.worldId] ?? 0) + h.ownerlessS) * 1000) / 1000 }), {});

/** The drill players: two per world, each 5 intents/s. */
const PER_WORLD = 2;
const TICK_MS = 200;

/**
 * The cluster layout (issue #15): three NATS nodes with 3-replica streams, two gateways behind
 * HAProxy, two sequencers and two projectors sharing the ten worlds through world leases. The
 * drills run in order on one cluster, with a load over all ten worlds, in the order
 * (sequencers, projectors, a gateway, a NATS node: the last can leave JetStream unwell for a
 * while, docs/reliability.md); each reports the seconds of
 * interruption it saw, per world where it is per world (test-artifacts/cluster-drills.json).
 */
describe('cluster drills', () => {
  const cluster = new TestCluster({ HEARTBEAT_INTERVAL_MS: '2000', RESUME_WINDOW_MS: '30000' });
  let pg: Client;
  const clients: TestClient[] = [];
  const players: DrillPlayer[] = [];
  /** Each drill player with the world it was placed in. */
  const placed: Array<{ worldId: string; player: DrillPlayer }> = [];
  const report: Record<string, unknown> = {};
  /** The players without an intent applied since `at` (for a failed wait): their world, and how many intents they wait on. */
  const idle = (at: number) => placed.filter(({ player }) => !playsAfter(player, at)).map(({ worldId, player }) => `${worldId} (${player.pending.size} unanswered)`);

  /**
   * For a failed wait on play: the idle players, and for their worlds the sequencer consumers as
   * NATS answers for them and the last lines each sequencer wrote about them (the whole output is
   * in test-artifacts/cluster-logs, which a CI log does not carry).
   */
  const stuck = async (at: number) => {
    const worlds = [...new Set(placed.filter(({ player }) => !playsAfter(player, at)).map(({ worldId }) => worldId))];
    const said = (a: AppProcess, w: string) =>
      a
        .since()
        .split('\n')
        .filter((l) => l.includes(`"${w}"`) || l.includes(`_${w.toUpperCase()}"`))
        .slice(-3)
        .map((l) => l.slice(0, 260));
    return {
      idle: idle(at),
      consumers: await cluster.sequencerConsumers(worlds).catch((e: Error) => e.message),
      sequencers: Object.fromEntries(cluster.sequencers.map((a, i) => [`sequencer-${i}`, Object.fromEntries(worlds.map((w) => [w, said(a, w)]))])),
    };
  };

  /**
   * The load of drills (c) to (f): two players in each of the ten worlds, through HAProxy, made
   * once. A new character starts in the lobby; each is placed in its world as the load harness's
   * `--worlds` does it (its home world set between the bootstrap and the hello).
   */
  async function drillPlayers(): Promise<DrillPlayer[]> {
    while (players.length < PER_WORLD * WORLD_IDS.length) {
      const worldId = WORLD_IDS[players.length % WORLD_IDS.length]!;
      const p = new DrillPlayer(cluster.balancer, async (id) => {
        const r = await pg.query('UPDATE characters SET home_world_id = $1 WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM rm_characters WHERE id = $2)', [worldId, id]);
        if (r.rowCount !== 1) throw new Error(`character ${id} could not be placed in ${worldId}`);
      });
      await p.start();
      players.push(p);
      placed.push({ worldId, player: p });
    }
    return players;
  }

  beforeAll(async () => {
    await cluster.start();
    pg = await db();
  }, 180_000);
  afterAll(async () => {
    players.forEach((p) => p.stop());
    await Promise.all(clients.map((c) => c.close()));
    await cluster.stop();
    await pg?.end();
    const artifacts = join(__dirname, '..', '..', 'test-artifacts');
    mkdirSync(join(artifacts, 'cluster-logs'), { recursive: true });
    writeFileSync(join(artifacts, 'cluster-drills.json'), JSON.stringify(report, null, 2));
    // Every app's output, for a drill that failed.
    for (const [i, a] of [...cluster.sequencers, ...cluster.projectors, ...cluster.gateways].entries()) writeFileSync(join(artifacts, 'cluster-logs', `${a.name}-${i}.log`), a.output);
    process.stderr.write(`cluster drills: ${JSON.stringify(report, null, 2)}\n`);
  }, 60_000);

  it('the streams have 3 replicas, all current', async () => {
    const r = await cluster.streamReplicas();
    expect(Object.values(r)).toEqual([
      { replicas: 3, current: 3 },
      { replicas: 3, current: 3 },
    ]);
  });

  it('(a) a player on gateway 1 sees and chats with a player on gateway 2', async () => {
    const [at1, at2] = cluster.gatewayAt;
    const ada = await new TestClient(at1!.baseUrl, at1!.wsUrl).join();
    clients.push(ada);
    const bob = await new TestClient(at2!.baseUrl, at2!.wsUrl).join();
    clients.push(bob);
    expect(bob.worldId).toBe(ada.worldId);
    await eventually('Ada (gateway 1) to see Bob (gateway 2) in the world', () => ada.characters.has(bob.characterId), 10_000);
    expect(bob.characters.has(ada.characterId)).toBe(true);
    const from = bob.received.length;
    expect((await ada.intent('intent.chat', { text: 'hello from gateway 1', channel: 'world' })).status).toBe('applied');
    await bob.waitFor((m) => m.type === 'event.state_delta' && m.changes.some((c) => c.op === 'chat.message' && c.message.text === 'hello from gateway 1'), 10_000, from, "Ada's chat line at Bob");
    const back = ada.received.length;
    expect((await bob.intent('intent.chat', { text: 'hello from gateway 2', channel: 'world' })).status).toBe('applied');
    await ada.waitFor((m) => m.type === 'event.state_delta' && m.changes.some((c) => c.op === 'chat.message' && c.message.text === 'hello from gateway 2'), 10_000, back, "Bob's chat line at Ada");
  });

  it('(b) through HAProxy a dropped socket resumes through whichever gateway the balancer picks', async () => {
    const p = await new TestClient(cluster.balancer.baseUrl, cluster.balancer.wsUrl).join();
    clients.push(p);
    const pauses: number[] = [];
    const before = await Promise.all(cluster.gateways.map((g) => resumesAt(g)));
    // Four drops. HAProxy balances each request: a resume is two (the ticket, the socket), so
    // alone they would land the socket on the same gateway every time. One more request before
    // every other resume shifts the rotation: the socket lands on each gateway in turn, with a
    // ticket, a token and a session made by the other.
    for (let i = 0; i < 4; i++) {
      expect((await p.move('east')).status).toMatch(/applied|rejected/);
      if (i % 2) expect((await api(cluster.balancer.baseUrl, 'GET', '/api/health')).status).toBe(200);
      const droppedAt = Date.now();
      p.drop();
      const ack = await p.resume(cluster.balancer);
      expect(ack.resumed).toBe(true);
      const moved = await p.move('west');
      expect(moved.status).toMatch(/applied|rejected/);
      pauses.push((Date.now() - droppedAt) / 1000);
      expect(p.chainBreaks()).toEqual([]);
    }
    const after = await Promise.all(cluster.gateways.map((g) => resumesAt(g)));
    const byGateway = after.map((n, i) => n - before[i]!);
    report.b_resumeThroughBalancer = { resumes: pauses.length, resumesByGateway: byGateway, secondsFromDropToNextAnswer: pauses };
    expect(byGateway.every((n) => n > 0)).toBe(true);
  });

  it('(e) a third sequencer joins under load and the worlds rebalance; then one is killed with SIGKILL and its worlds move', async () => {
    await drillPlayers();
    const timer = setInterval(() => players.forEach((p) => p.tick()), TICK_MS);
    const watch = await new LeaseWatch(cluster.leaseRole('sequencer')).start();
    let run: Awaited<ReturnType<typeof joinThenKill>> | undefined;
    let to = 0;
    try {
      run = await joinThenKill('sequencer', 'e', watch);
      to = Date.now();
    } finally {
      clearInterval(timer);
      await watch.stop();
    }
    await afterDrill('e', 'sequencer', run.from, to);
  }, 300_000);

  it('(f) a third projector joins under load and the worlds rebalance; then one is killed with SIGKILL, deltas keep flowing in every world', async () => {
    await drillPlayers();
    const timer = setInterval(() => players.forEach((p) => p.tick()), TICK_MS);
    const watch = await new LeaseWatch(cluster.leaseRole('projector')).start();
    let run: Awaited<ReturnType<typeof joinThenKill>> | undefined;
    let to = 0;
    try {
      run = await joinThenKill('projector', 'f', watch);
      // Deltas come from the projectors: every player, in every world, gets them again once its
      // world's new owner runs.
      const lastTaken = Math.max(run.killedAt, ...watch.handovers(run.killedAt).map((h) => watch.takenAt(h.worldId, h.toEpoch)));
      await eventually(
        'every drill player (in every world) to receive deltas after the killed projector’s worlds were taken',
        () => players.every((p) => p.deltaTimes.some((t) => t > lastTaken)),
        30_000,
        () => placed.filter(({ player }) => !player.deltaTimes.some((t) => t > lastTaken)).map(({ worldId }) => worldId),
      );
      to = Date.now();
    } finally {
      clearInterval(timer);
      await watch.stop();
    }
    await afterDrill('f', 'projector', run.from, to);
  }, 300_000);

  it('(c) a gateway killed under load: its players resume on the other, no acked intent lost or doubled', async () => {
    await drillPlayers();
    const timer = setInterval(() => players.forEach((p) => p.tick()), TICK_MS);
    try {
      await eventually(
        'every drill player playing through the balancer',
        () => everyonePlaysAfter(players, Date.now() - 2000),
        30_000,
        () => idle(Date.now() - 2000),
      );
      const reconnectsBefore = players.reduce((n, p) => n + p.reconnects, 0);
      const killedAt = Date.now();
      await cluster.gateways[0]!.kill();
      await eventually(
        "the killed gateway's players to reconnect, resume and play again",
        () => players.some((p) => p.reconnects > 0) && everyonePlaysAfter(players, killedAt + 500),
        40_000,
        () => players.map((p) => ({ reconnects: p.reconnects, resumed: p.resumed })),
      );
      report.c_gatewayKilled = {
        playersMoved: players.reduce((n, p) => n + p.reconnects, 0) - reconnectsBefore,
        resumed: players.reduce((n, p) => n + p.resumed, 0),
        secondsUntilEveryonePlays: (Date.now() - killedAt) / 1000,
        longestPauseOfAppliedAnswersS: longestPause(players, killedAt - 1000),
      };
      // Gateway 1 back on its port, for the next drill (HAProxy's check puts it back in rotation).
      await cluster.gateways[0]!.start();
    } finally {
      clearInterval(timer);
    }
    await settle(players, 20_000);
    const audit = await auditLog(pg, players);
    report.c_audit = audit.report;
    expect(audit.lost).toEqual([]);
    expect(audit.duplicated).toEqual([]);
    expect(audit.wrongSeq).toEqual([]);
    expect(audit.gaps).toEqual([]);
    expect(players.reduce((n, p) => n + p.resumed, 0)).toBeGreaterThan(0);
    expect(players.flatMap((p) => p.chainErrors)).toEqual([]);
  }, 120_000);

  it('(d) a NATS node killed and restarted under load: play goes on, nothing acked lost, 3 replicas again', async () => {
    await drillPlayers();
    const timer = setInterval(() => players.forEach((p) => p.tick()), TICK_MS);
    try {
      await eventually(
        'every drill player playing before the NATS node is killed',
        () => everyonePlaysAfter(players, Date.now() - 2000),
        30_000,
        () => idle(Date.now() - 2000),
      );
      // The node leading the most worlds' sequencer consumers of INTENTS: its loss moves the
      // consumers those worlds' intents go through (a pull request waiting on the old leader is
      // never answered).
      const leaders = await cluster.leaders();
      const victim = leaders.sequencerConsumer;
      const killedAt = Date.now();
      await cluster.killNats(victim);
      // With the node down: how long until every player plays again, if it comes to that while the
      // node is away (two nodes keep a quorum; on nats-server 2.9 on two busy cores JetStream took
      // 13-34 s to answer consumer changes again, and in some runs longer than a minute:
      // docs/reliability.md). Measured and reported, then the node comes back either way.
      const whileDown = await eventually(
        'every player playing with the NATS node down',
        () => everyonePlaysAfter(players, killedAt + 500),
        45_000,
        () => idle(killedAt + 500),
      ).then(
        () => (Date.now() - killedAt) / 1000,
        () => null,
      );
      await sleep(3000); // the scenario: the node stays down a few seconds of play before it restarts
      const restartAt = Date.now();
      await cluster.restartNats(victim);
      // While the cluster elects, a stream's info may time out: that is "not yet".
      const allCurrent = () =>
        cluster.streamReplicas().then(
          (r) => Object.values(r).every((s) => s.replicas === 3 && s.current === 3),
          () => false,
        );
      await eventually('every stream with 3 current replicas again', allCurrent, 60_000, () => cluster.streamReplicas().catch((e: Error) => e.message));
      const rejoinedS = (Date.now() - restartAt) / 1000;
      // The node back: every player plays again, whatever happened while it was away.
      await eventually(
        'every player playing after the restart',
        () => everyonePlaysAfter(players, restartAt),
        90_000,
        () => stuck(restartAt),
      );
      const playingAgainS = (Date.now() - killedAt) / 1000;
      report.d_natsNodeKilled = {
        node: `n${victim}`,
        leadersBefore: leaders,
        secondsUntilEveryonePlaysWithTheNodeDown: whileDown,
        secondsUntilEveryonePlaysAfterTheRestart: (Date.now() - restartAt) / 1000,
        secondsFromKillUntilEveryonePlays: whileDown ?? playingAgainS,
        longestPauseOfAppliedAnswersS: longestPause(players, killedAt - 1000),
        secondsForTheNodeToRejoinAndCatchUp: rejoinedS,
      };
    } finally {
      clearInterval(timer);
    }
    await settle(players, 20_000);
    const audit = await auditLog(pg, players);
    report.d_audit = audit.report;
    expect(audit.lost).toEqual([]);
    expect(audit.duplicated).toEqual([]);
    expect(audit.wrongSeq).toEqual([]);
    expect(audit.gaps).toEqual([]);
    expect(players.flatMap((p) => p.chainErrors)).toEqual([]);
  }, 300_000);

  /** The member name (lease holder) of a worker's current run, as the lease table has it. */
  const holderOf = (watch: LeaseWatch, app: AppProcess) => [...watch.worldsByHolder().keys()].find((h) => cluster.isHolder(app, h));
  const worldsOfApp = (watch: LeaseWatch, app: AppProcess) => {
    const h = holderOf(watch, app);
    return h ? (watch.worldsByHolder().get(h) ?? []) : [];
  };
  const spread = (watch: LeaseWatch): Record<string, string[]> => Object.fromEntries([...watch.worldsByHolder()].map(([h, ws]) => [`pid ${h.split(':').at(-2)}`, ws]));

  /**
   * A third member of `role` joins under load: the worlds rebalance (it takes its share within
   * seconds, each handed over drained and released). Then a member holding worlds is killed with
   * SIGKILL: its leases run out (LEASE_TTL_MS) and its worlds go to the others. The lease table is
   * sampled every 100 ms throughout, for each world's seconds without an owner.
   */
  async function joinThenKill(role: WorkerRole, key: string, watch: LeaseWatch): Promise<{ killedAt: number; moved: string[]; from: number }> {
    const apps = () => (role === 'sequencer' ? cluster.sequencers : cluster.projectors);
    const from = Date.now();
    await eventually(
      `every drill player playing before a ${role} joins`,
      () => everyonePlaysAfter(players, Date.now() - 2000),
      30_000,
      () => idle(Date.now() - 2000),
    );

    /**
     * Rebalanced among `n` members: every world held, unexpired, by the member rendezvous hashing
     * gives it among the live members (as role_members has them: a member may hold no world).
     */
    const liveMembers = async () =>
      (await pg.query<{ member: string }>(`SELECT member FROM role_members WHERE role = $1 AND seen_at > clock_timestamp() - interval '2 seconds'`, [cluster.leaseRole(role)])).rows.map(
        (r) => r.member,
      );
    const rebalanced = (n: number) =>
      eventually(
        `every world held by its rendezvous owner among ${n} ${role}s`,
        async () => {
          const ms = await liveMembers();
          return (
            ms.length === n &&
            WORLD_IDS.every((w) => {
              const h = watch.holders().get(w);
              return !!h && h.expiresAt > Date.now() && h.holder === ownerOf(w, ms);
            })
          );
        },
        20_000,
        async () => ({ members: await liveMembers(), spread: spread(watch) }),
      );
    // Settled first (the projectors may just have been started again for a rebuild).
    await rebalanced(apps().filter((a) => a.proc && a.proc.exitCode === null && a.proc.signalCode === null).length);

    // The join. Rendezvous hashing may give a newcomer no world at all (about 2% with 3 members
    // over 10 worlds, its name being random): then it is stopped and another one started.
    let third: AppProcess | undefined;
    let joinedAt = 0;
    let readyAt = 0;
    for (let attempt = 1; !third; attempt++) {
      joinedAt = Date.now();
      const app = await cluster.addWorker(role);
      readyAt = Date.now();
      try {
        await eventually(
          `the third ${role} to hold some worlds`,
          () => worldsOfApp(watch, app).length > 0,
          15_000,
          () => spread(watch),
        );
        third = app;
      } catch (err) {
        if (attempt >= 3) throw err;
        await app.stop();
        apps().splice(apps().indexOf(app), 1);
      }
    }
    await rebalanced(3);
    const afterJoin = spread(watch);
    const joinHandovers = watch.handovers(joinedAt);
    await eventually(
      `every drill player playing after the ${role} joined`,
      () => everyonePlaysAfter(players, Date.now() - 2000),
      30_000,
      () => idle(Date.now() - 2000),
    );

    // The kill: a member holding worlds, one of the first two.
    const victim = apps().find((a) => a !== third && worldsOfApp(watch, a).length > 0)!;
    const victimHolder = holderOf(watch, victim)!;
    const moved = worldsOfApp(watch, victim);
    const killedAt = Date.now();
    await victim.kill();
    watch.killedAt(victimHolder, killedAt);
    await eventually(
      `the killed ${role}'s worlds (${moved.join(', ')}) to be taken by the others`,
      () =>
        moved.every((w) => {
          const h = watch.holders().get(w);
          return !!h && h.holder !== victimHolder && h.expiresAt > Date.now();
        }),
      30_000,
      () => spread(watch),
    );
    const worldsMovedS = (Date.now() - killedAt) / 1000;
    await eventually(
      `every drill player playing after the ${role} was killed`,
      () => everyonePlaysAfter(players, killedAt + 500),
      40_000,
      () => idle(killedAt + 500),
    );
    const killHandovers = watch.handovers(killedAt).filter((h) => h.from === victimHolder);
    report[`${key}_${role}s`] = {
      joined: {
        secondsFromStartToReady: (readyAt - joinedAt) / 1000,
        secondsFromReadyToItsFirstWorld: Math.max(0, Math.min(...joinHandovers.filter((h) => cluster.isHolder(third, h.to)).map((h) => watch.takenAt(h.worldId, h.toEpoch) - readyAt))) / 1000,
        worldsByMemberPid: afterJoin,
        handovers: joinHandovers,
        ownerlessSByWorld: ownerlessByWorld(joinHandovers),
      },
      killed: {
        pid: victimHolder.split(':').at(-2),
        worlds: moved,
        secondsUntilItsWorldsWereTaken: worldsMovedS,
        handovers: killHandovers,
        ownerlessSByWorld: ownerlessByWorld(killHandovers),
        worldsByMemberPid: spread(watch),
      },
      leaseSamples: watch.samples,
    };
    return { killedAt, moved, from };
  }

  /** The drill's checks and figures once the load stopped: the audit, the gaps per world, projections equal to the log. */
  async function afterDrill(key: string, role: WorkerRole, from: number, to: number): Promise<void> {
    await settle(players, 30_000);
    const audit = await auditLog(pg, players);
    const r = report[`${key}_${role}s`] as Record<string, unknown>;
    r.longestAckGapSByWorld = await longestAckGapByWorld(pg, players, from, to);
    r.longestLogGapSByWorld = await longestLogGapByWorld(pg, from, to);
    r.longestDeltaGapSByWorld = await longestDeltaGapByWorld(pg, players, from, to);
    report[`${key}_audit`] = audit.report;
    expect(audit.lost).toEqual([]);
    expect(audit.duplicated).toEqual([]);
    expect(audit.wrongSeq).toEqual([]);
    expect(audit.gaps).toEqual([]);
    expect(players.flatMap((p) => p.chainErrors)).toEqual([]);
    await expectProjectionsEqualRebuild(cluster, pg, audit.logMax);
  }
});
