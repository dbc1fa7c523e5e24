import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import Redis from 'ioredis';
import { Client } from 'pg';
import { connectNats, destroyTopology, ensureTopology, migrate, topology } from '@tilemud/runtime';
import { joinPlayer, TestClient } from '../support/client';
import { acksOf, auditLog, DrillPlayer, expectProjectionsEqualRebuild, settle } from '../support/drill';
import { eventually, sleep } from '../support/eventually';
import { AppProcess, runEnv, sharedBy, TestSystem } from '../support/system';
import { streamSeqs } from '../support/streams';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * The sequencer and the projector ride out a PostgreSQL cut and a NATS cut without a restart.
 * Only the two workers are behind TCP proxies; the gateway talks to the real services, so players
 * (the drill's, test/support/drill.ts) keep sending intents through both cuts. The drill has a
 * database and a prefix of its own: the other integration suites (which may run beside it) write
 * into the run's database directly.
 */
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = `${process.env.TILEMUD_TEST_RUN_ID}_wo`;
const t = topology(prefix);
const databaseUrl = (() => {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `/tilemud_${prefix}`;
  return u.toString();
})();
/** How long each cut lasts: the scenario itself, long enough for several reconnect attempts. */
const CUT_MS = 3000;

describe('workers ride out PostgreSQL and NATS outages', () => {
  const pgProxy = TcpProxy.for(databaseUrl);
  const natsProxy = TcpProxy.for(NATS_URL);
  const own = { DATABASE_URL: databaseUrl, NATS_PREFIX: prefix, REDIS_PREFIX: prefix };
  const system = new TestSystem(own);
  const report: Record<string, unknown> = {};
  let pg: Client;
  let nc: NatsConnection;
  const players: DrillPlayer[] = [];
  /** A player of its own for the checks after each cut: it keeps a view of its world. */
  let probe: TestClient;
  let timer: NodeJS.Timeout | undefined;
  /** The workers of the two-member cases, named, whose output afterAll keeps. */
  const kept: Array<[string, AppProcess]> = [];

  beforeAll(async () => {
    await migrate(databaseUrl);
    nc = await connectNats(NATS_URL, `worker-outage-${prefix}`);
    await ensureTopology(nc, t);
    await pgProxy.start();
    await natsProxy.start();
    const behindProxies = runEnv({ ...own, DATABASE_URL: pgProxy.rewrite(databaseUrl), NATS_URL: natsProxy.rewrite(NATS_URL) });
    system.apps.sequencer = new AppProcess('sequencer', behindProxies);
    system.apps.projector = new AppProcess('projector', behindProxies);
    await system.start();
    pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    for (let i = 0; i < 6; i++) {
      const p = new DrillPlayer(system);
      await p.start();
      players.push(p);
    }
    probe = await joinPlayer(system);
  }, 90_000);

  afterAll(async () => {
    mkdirSync(join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    writeFileSync(join(__dirname, '..', '..', 'test-artifacts', 'worker-outage.json'), JSON.stringify(report, null, 2));
    for (const [name, app] of kept) writeFileSync(join(__dirname, '..', '..', 'test-artifacts', `worker-outage-${name}.log`), app.output);
    if (timer) clearInterval(timer);
    players.forEach((p) => p.stop());
    await probe?.close().catch(() => undefined);
    await system.stop();
    await pgProxy.close();
    await natsProxy.close();
    await pg?.end();
    await destroyTopology(nc, t).catch(() => undefined);
    await nc?.close();
    await dropDatabase();
    await removeRedisKeys();
  });

  const workersAlive = () => (['sequencer', 'projector'] as const).filter((r) => system.apps[r].proc?.exitCode === null && !system.apps[r].proc?.signalCode);
  const appliedSince = (at: number) => acksOf(players).filter((a) => a.status === 'applied' && a.at >= at);
  const firstAfter = (times: number[], at: number) => {
    const after = times.filter((x) => x >= at);
    return after.length ? (Math.min(...after) - at) / 1000 : Infinity;
  };

  /**
   * The drill players move every 20 ms (6 players: 300 intents/s, so that a cut lands in the middle
   * of appends); `proxy` is cut for CUT_MS once moves are being applied, then restored; once moves
   * are applied and projected again the players stop and every intent is answered. Records the figures.
   */
  async function underLoadCut(proxy: TcpProxy, name: string) {
    const startedAt = Date.now();
    timer = setInterval(() => players.forEach((p) => p.tick()), 20);
    await eventually('moves applied before the cut', () => appliedSince(startedAt).length >= 20, 30_000);
    const cutAt = Date.now();
    proxy.cut();
    await sleep(CUT_MS); // the outage itself
    proxy.restore();
    const restoredAt = Date.now();
    await eventually(
      'moves applied and projected again after the restore',
      () =>
        appliedSince(restoredAt).length >= 20 &&
        firstAfter(
          players.flatMap((p) => p.deltaTimes),
          restoredAt,
        ) < Infinity,
      30_000,
      () => ({ appliedSinceRestore: appliedSince(restoredAt).length }),
    );
    clearInterval(timer);
    await settle(players, 30_000);
    const firstApplied = firstAfter(
      appliedSince(restoredAt).map((a) => a.at),
      restoredAt,
    );
    const acks = acksOf(players);
    report[name] = {
      answeredDuringCut: acks.filter((a) => a.at >= cutAt && a.at < restoredAt).length,
      answeredAfterRestore: acks.filter((a) => a.at >= restoredAt).length,
      secondsFromRestoreToFirstAppliedAck: firstApplied,
      secondsFromRestoreToFirstDelta: firstAfter(
        players.flatMap((p) => p.deltaTimes),
        restoredAt,
      ),
      // Answers lost in the cut come only when the player resends (as a client does after 3 s).
      resentUnanswered: players.reduce((n, p) => n + p.resent, 0),
    };
    return { cutAt, restoredAt, firstApplied };
  }

  it('PostgreSQL cut for 3 s under load: no exit, nothing acked that is not in the log, acks resume, read model equals a rebuild', async () => {
    const { cutAt, restoredAt, firstApplied } = await underLoadCut(pgProxy, 'postgres');
    expect(workersAlive()).toEqual(['sequencer', 'projector']);
    // What each worker says about the outage is part of what is tested: once paused, once resumed.
    for (const role of ['sequencer', 'projector'] as const) {
      expect(count(system.apps[role].output, `postgres unreachable: ${role} paused`)).toBe(1);
      expect(count(system.apps[role].output, `${role} resumed`)).toBe(1);
    }
    expect(firstApplied).toBeLessThan(5);
    expect(acksOf(players).filter((a) => a.status === 'applied' && a.at >= cutAt + 500 && a.at < restoredAt)).toEqual([]);
    const audit = await expectLogMatchesAcks();
    await expectProjectionsEqualRebuild(system, pg, audit.logMax);
  }, 120_000);

  it('NATS cut for 3 s under load: both workers carry on, and what follows is applied and projected', async () => {
    const { firstApplied } = await underLoadCut(natsProxy, 'nats');
    expect(workersAlive()).toEqual(['sequencer', 'projector']);
    expect(firstApplied).toBeLessThan(5);
    const audit = await expectLogMatchesAcks();
    // Intents lost in flight came back in order (the consumer is recreated on reconnect), not as stale.
    expect(audit.report.answersByCode.INTENT_SEQ_STALE ?? 0).toBe(0);

    // After the restore, a move is applied and projected to the player who made it: chosen once
    // the probe's view holds its world's whole log (the players' last moves included), so that the
    // tile it steps on is free.
    const head = (await pg.query<{ s: number }>('SELECT coalesce(max(seq), 0)::int AS s FROM action_events WHERE world_id = $1', [probe.worldId])).rows[0]!.s;
    await probe.waitForType('event.state_delta', (m) => m.worldId === probe.worldId && m.seq >= head, 10_000, 0, `the probe's world (head ${head}) projected to it`);
    const ack = await probe.move(probe.freeDirection());
    expect(ack.status).toBe('applied');
    await probe.waitForType('event.state_delta', (m) => m.worldId === probe.worldId && m.seq >= ack.seq!, 10_000, 0, `the probe's move (seq ${ack.seq}) projected`);
    // Nothing committed was lost on the way to the stream: it holds each world's log, once, in order.
    for (const { world_id: w, max } of (await pg.query<{ world_id: string; max: number }>('SELECT world_id, max(seq)::int AS max FROM action_events GROUP BY world_id')).rows) {
      expect({ w, seqs: await streamSeqs(nc, w, t) }).toEqual({ w, seqs: Array.from({ length: max }, (_, i) => i + 1) });
    }
    await expectProjectionsEqualRebuild(system, pg, (await auditLog(pg, players)).logMax);
  }, 120_000);

  it('a worker started while PostgreSQL is down waits for it and says so; SIGTERM ends the wait', async () => {
    const down = await TcpProxy.for(databaseUrl).start();
    down.cut();
    const late = new AppProcess('sequencer', { ...system.apps.sequencer.env, DATABASE_URL: down.rewrite(databaseUrl) });
    try {
      // Not ready while PostgreSQL is away: started once its ops server answers.
      await late.start({}, undefined, 'serving');
      // The log line is the thing under test: it says what it waits for, once.
      await late.waitForOutput('postgres unreachable: waiting for it to take the sequencer role');
      await sleep(1500); // it keeps waiting, quietly, through several more attempts
      expect(late.proc?.exitCode).toBeNull();
      expect(count(late.output, 'postgres unreachable')).toBe(1);
      down.restore();
      // Back, it joins the role: a member beside the running one.
      await eventually(
        'the late sequencer ready',
        async () => (await late.readiness())?.status === 'ready',
        30_000,
        () => late.readiness(),
      );
      const stoppedAt = Date.now();
      await late.stop();
      expect(Date.now() - stoppedAt).toBeLessThan(3000);
    } finally {
      await late.kill();
      await down.close();
    }
  }, 60_000);

  it('a worker started while NATS is down waits for it instead of ending, and starts once it is back', async () => {
    // A deployment of its own (another prefix), so that it shares no worlds with the running sequencer.
    const own = topology(`${prefix}n`);
    const down = await TcpProxy.for(NATS_URL).start();
    down.cut();
    const late = new AppProcess('sequencer', { ...system.apps.sequencer.env, NATS_URL: down.rewrite(NATS_URL), NATS_PREFIX: own.prefix });
    const ready = late.start();
    ready.catch(() => undefined);
    try {
      // The log line is the thing under test: it says what it waits for.
      await late.waitForOutput('NATS unreachable: waiting for it to start the sequencer');
      await sleep(3000); // still there after several more attempts (250 ms doubling to 2 s)
      expect(late.proc?.exitCode).toBeNull();
      expect(late.since()).not.toMatch(/failed to start|crashed/);
      down.restore();
      await ready;
      expect(late.since()).toContain('NATS reachable: starting the sequencer');
    } finally {
      await late.stop();
      await down.close();
      await destroyTopology(nc, own).catch(() => undefined);
    }
  }, 60_000);

  it.each(['sequencer', 'projector'] as const)(
    'PostgreSQL cut with two %s members: both pause and come back sharing the worlds; a killed member’s worlds go to the other',
    async (role) => {
      const first = system.apps[role];
      const second = new AppProcess(role, system.apps[role].env);
      // Both members' output is kept for a failure's diagnosis (test-artifacts/worker-outage-<role>-<n>.log).
      kept.push([`${role}-1`, first], [`${role}-2`, second]);
      await second.start();
      const shared = async () => {
        const [x, y] = await Promise.all([first.worlds(), second.worlds()]);
        return sharedBy(x, y) && { x, y };
      };
      await eventually(`the worlds shared by two ${role}s`, shared, 30_000, async () => [await first.worlds(), await second.worlds()]);

      const marks = [first.output.length, second.output.length];
      await underLoadCut(pgProxy, `${role}WithTwoMembers`);
      expect([first, second].every((a) => a.proc?.exitCode === null)).toBe(true);
      // Both paused with the outage, and both hold worlds again, each world by one of them.
      [first, second].forEach((app, i) => expect(count(app.output.slice(marks[i]), `postgres unreachable: ${role} paused`)).toBe(1));
      const after = await eventually(`the worlds shared again after the cut`, shared, 30_000, async () => [await first.worlds(), await second.worlds()]);
      report[`${role}WithTwoMembers`] = { ...(report[`${role}WithTwoMembers`] as object), shares: [Object.keys(after.x).length, Object.keys(after.y).length] };
      await expectLogMatchesAcks();

      // The member holding the probe's world killed: the other takes it over, and the world goes on from the next seq.
      const [holder, survivor] = probe.worldId in after.x ? [first, second] : [second, first];
      const before = await probe.move(probe.freeDirection());
      expect(before.status).toBe('applied');
      await holder.kill();
      await eventually(
        `the other ${role} to take the probe's world`,
        async () => probe.worldId in (await survivor.worlds()),
        30_000,
        () => survivor.worlds(),
      );
      system.apps[role] = survivor;
      // The probe's view holds its move before the kill (a killed projector may not have projected
      // it; the survivor does once it holds the world): its next step is chosen from where it stands.
      await probe.waitForType('event.state_delta', (m) => m.worldId === probe.worldId && m.seq >= before.seq!, 10_000, 0, `the probe's move before the kill (seq ${before.seq}) projected`);
      const next = await probe.move(probe.freeDirection());
      expect(next).toMatchObject({ status: 'applied', seq: before.seq! + 1 });
      await probe.waitForType('event.state_delta', (m) => m.worldId === probe.worldId && m.seq >= next.seq!, 10_000, 0, `the probe's move (seq ${next.seq}) projected`);
      await expectLogMatchesAcks();
    },
    120_000,
  );

  /** Every applied ack is in the log at its seq, each intent is there at most once, and seqs have no gap. */
  async function expectLogMatchesAcks() {
    const audit = await auditLog(pg, players);
    expect(audit.lost).toEqual([]);
    expect(audit.wrongSeq).toEqual([]);
    expect(audit.duplicated).toEqual([]);
    expect(audit.gaps).toEqual([]);
    expect(audit.report.unanswered).toBe(0);
    return audit;
  }
});

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

async function dropDatabase(): Promise<void> {
  const u = new URL(databaseUrl);
  u.pathname = '/postgres';
  const admin = new Client({ connectionString: u.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "tilemud_${prefix}" WITH (FORCE)`).finally(() => admin.end());
}

async function removeRedisKeys(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
