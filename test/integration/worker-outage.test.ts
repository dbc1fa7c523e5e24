import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import Redis from 'ioredis';
import { Client } from 'pg';
import { connectNats, destroyTopology, ensureTopology, migrate, topology } from '@tilemud/runtime';
import { joinPlayer, sleep, TestClient } from '../support/client';
import { Flow } from '../support/intent-flow';
import { AppProcess, runEnv, TestSystem } from '../support/system';
import { expectProjectionsEqualRebuild } from '../support/drill';
import { streamSeqs } from '../support/streams';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * The sequencer and the projector ride out a PostgreSQL cut and a NATS cut without a restart.
 * Only the two workers are behind TCP proxies; the gateway talks to the real services, so players
 * keep sending intents through both cuts. The drill has a database and a prefix of its own: the
 * other integration suites (which may run beside it) write into the run's database directly.
 */
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = `${process.env.TILEMUD_TEST_RUN_ID}_wo`;
const t = topology(prefix);
const databaseUrl = (() => {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `/tilemud_${prefix}`;
  return u.toString();
})();

/** Cuts `proxy` for `ms` under the flow; returns the cut's and the restore's times. */
async function cutFor(proxy: TcpProxy, ms: number): Promise<{ cutAt: number; restoredAt: number }> {
  const cutAt = Date.now();
  proxy.cut();
  await sleep(ms);
  proxy.restore();
  return { cutAt, restoredAt: Date.now() };
}

describe('workers ride out PostgreSQL and NATS outages', () => {
  const pgProxy = TcpProxy.for(databaseUrl);
  const natsProxy = TcpProxy.for(NATS_URL);
  const own = { DATABASE_URL: databaseUrl, NATS_PREFIX: prefix, REDIS_PREFIX: prefix };
  const system = new TestSystem(own);
  const report: Record<string, unknown> = {};
  let pg: Client;
  let nc: NatsConnection;
  let players: TestClient[] = [];

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
    players = await Promise.all(Array.from({ length: 6 }, () => joinPlayer(system)));
  }, 60_000);

  afterAll(async () => {
    mkdirSync(join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    writeFileSync(join(__dirname, '..', '..', 'test-artifacts', 'worker-outage.json'), JSON.stringify(report, null, 2));
    await Promise.all(players.map((p) => p.close().catch(() => undefined)));
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

  /** Plays for 2 s, cuts the proxy for 3 s, plays 4 s more, then waits for every answer; records the figures. */
  async function underLoadCut(proxy: TcpProxy, name: string) {
    const flow = new Flow(players);
    flow.start();
    await sleep(2000);
    const { cutAt, restoredAt } = await cutFor(proxy, 3000);
    await sleep(4000);
    flow.stop();
    await flow.settle();
    const firstApplied = flow.firstAppliedAfter(restoredAt);
    report[name] = {
      intentsSent: flow.sent.size,
      sentDuringCut: flow.sentBetween(cutAt, restoredAt),
      answeredDuringCut: flow.between(cutAt, restoredAt),
      answeredAfterRestore: flow.between(restoredAt, Infinity),
      secondsFromRestoreToFirstAppliedAck: firstApplied,
      secondsFromRestoreToFirstDelta: flow.firstDeltaAfter(restoredAt),
      unanswered: flow.unanswered().length,
    };
    return { flow, cutAt, restoredAt, firstApplied };
  }

  it('PostgreSQL cut for 3 s under load: no exit, nothing acked that is not in the log, acks resume, read model equals a rebuild', async () => {
    const { flow, cutAt, restoredAt, firstApplied } = await underLoadCut(pgProxy, 'postgres');
    expect(workersAlive()).toEqual(['sequencer', 'projector']);
    for (const role of ['sequencer', 'projector'] as const) {
      expect(count(system.apps[role].output, `postgres unreachable: ${role} paused`)).toBe(1);
      expect(count(system.apps[role].output, `${role} resumed`)).toBe(1);
    }
    expect(firstApplied).toBeLessThan(5);
    expect(flow.between(cutAt + 500, restoredAt).applied ?? 0).toBe(0);
    expect(flow.unanswered()).toEqual([]);
    await expectLogMatchesAcks(flow);
    await expectReadModelEqualsRebuild();
  }, 90_000);

  it('NATS cut for 3 s under load: both workers carry on, and what follows is applied and projected', async () => {
    const { flow, firstApplied } = await underLoadCut(natsProxy, 'nats');
    expect(workersAlive()).toEqual(['sequencer', 'projector']);
    expect(firstApplied).toBeLessThan(5);
    expect(flow.unanswered()).toEqual([]);
    // Intents lost in flight came back in order (the consumer is recreated on reconnect), not as stale.
    expect(flow.between(0, Infinity)['rejected:INTENT_SEQ_STALE'] ?? 0).toBe(0);
    await expectLogMatchesAcks(flow);

    // After the restore, a move is applied and every player in that world sees it projected (the
    // random walks may have taken some through a portal).
    const p = players[0]!;
    const ack = await p.move(p.freeDirection());
    expect(ack.status).toBe('applied');
    const here = players.filter((q) => q.worldId === p.worldId);
    await Promise.all(here.map((q) => q.waitFor((m) => m.type === 'event.state_delta' && m.worldId === p.worldId && m.seq >= ack.seq, 10_000)));
    // Nothing committed was lost on the way to the stream: it holds each world's log, once, in order.
    for (const { world_id: w, max } of (await pg.query('SELECT world_id, max(seq)::int AS max FROM action_events GROUP BY world_id')).rows) {
      expect({ w, seqs: await streamSeqs(nc, w, t) }).toEqual({ w, seqs: Array.from({ length: max }, (_, i) => i + 1) });
    }
    await expectReadModelEqualsRebuild();
  }, 90_000);

  it('a worker started while PostgreSQL is down waits for it and says so; SIGTERM ends the wait', async () => {
    const down = await TcpProxy.for(databaseUrl).start();
    down.cut();
    const late = new AppProcess('sequencer', { ...system.apps.sequencer.env, DATABASE_URL: down.rewrite(databaseUrl) });
    late.start().catch(() => undefined); // never ready here: the running sequencer owns the role
    try {
      await waitForOutput(late, 'postgres unreachable: waiting for it to take the sequencer role', 0);
      await sleep(1500);
      expect(late.proc?.exitCode).toBeNull();
      expect(count(late.output, 'postgres unreachable')).toBe(1);
      down.restore();
      await waitForOutput(late, 'waiting as a standby', 0);
      const stoppedAt = Date.now();
      await late.stop();
      expect(Date.now() - stoppedAt).toBeLessThan(3000);
    } finally {
      await late.kill();
      await down.close();
    }
  }, 30_000);

  it('a worker started while NATS is down waits for it instead of ending, and starts once it is back', async () => {
    // A role of its own (another prefix), so that it does not wait as a standby before reaching NATS.
    const own = topology(`${prefix}n`);
    const down = await TcpProxy.for(NATS_URL).start();
    down.cut();
    const late = new AppProcess('sequencer', { ...system.apps.sequencer.env, NATS_URL: down.rewrite(NATS_URL), NATS_PREFIX: own.prefix });
    const ready = late.start();
    ready.catch(() => undefined);
    try {
      await late.waitForOutput('NATS unreachable: waiting for it to start the sequencer');
      // Still there after several more attempts (250 ms doubling to 2 s).
      await sleep(3000);
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

  it.each(['sequencer', 'projector'] as const)('PostgreSQL cut with a %s standby waiting: one of the two carries on, the other stays paused until the owner dies', async (role) => {
    const standby = new AppProcess(role, system.apps[role].env);
    // Not awaited: it is ready only once it owns the role, which may be later than start() waits.
    standby.start().catch(() => undefined);
    await standby.waitForOutput('waiting as a standby');
    const owner = system.apps[role];
    const from = { owner: owner.output.length, standby: standby.output.length };

    const flow = new Flow(players);
    flow.start();
    await sleep(1000);
    const { restoredAt } = await cutFor(pgProxy, 3000);
    await sleep(4000);
    flow.stop();
    await flow.settle();

    // Exactly one holds the role again; the other waits on the lock, paused.
    const ownerKept = owner.output.slice(from.owner).includes(`${role} resumed`);
    const standbyTook = standby.output.slice(from.standby).includes(`${role} ready`);
    const [active, waiting] = ownerKept ? [owner, standby] : [standby, owner];
    report[`${role}WithStandby`] = { roleKeptBy: ownerKept ? 'owner' : 'standby', secondsFromRestoreToFirstAppliedAck: flow.firstAppliedAfter(restoredAt), secondsFromRestoreToFirstDelta: flow.firstDeltaAfter(restoredAt) };
    expect(ownerKept !== standbyTook).toBe(true);
    expect(waiting.output.slice(waiting === owner ? from.owner : from.standby)).toContain('waiting as a standby');
    expect([owner, standby].every((a) => a.proc?.exitCode === null)).toBe(true);
    expect(flow.unanswered()).toEqual([]);
    await expectLogMatchesAcks(flow);

    // The paused one takes over when the active one dies, and the world goes on from the next seq.
    const p = players[0]!;
    const before = await p.move(p.freeDirection());
    expect(before.status).toBe('applied');
    await active.kill();
    await (waiting === standby ? waitForOutput(standby, `${role} ready`, from.standby) : waitForOutput(owner, `${role} resumed`, from.owner));
    system.apps[role] = waiting;
    const after = await p.move(p.freeDirection());
    expect(after).toMatchObject({ status: 'applied', seq: before.seq + 1 });
    await p.waitFor((m) => m.type === 'event.state_delta' && m.worldId === p.worldId && m.seq >= after.seq, 10_000);
    await expectLogMatchesAcks(flow);
  }, 90_000);

  /** Every applied ack is in the log at its seq, each intent is there at most once, and seqs have no gap. */
  async function expectLogMatchesAcks(flow: Flow): Promise<void> {
    const { rows } = await pg.query<{ key: string; n: number; seq: number }>(
      `SELECT character_id || ':' || intent_seq AS key, count(*) FILTER (WHERE event_index = 0)::int AS n, max(seq)::int AS seq
         FROM action_events WHERE intent_seq IS NOT NULL GROUP BY character_id, intent_seq`,
    );
    const inLog = new Map(rows.map((r) => [r.key, r]));
    expect(flow.applied().filter((a) => inLog.get(a.key)?.seq !== a.seq)).toEqual([]);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    const worlds = await pg.query('SELECT world_id, count(*)::int AS n, max(seq)::int AS max FROM action_events GROUP BY world_id');
    for (const w of worlds.rows) expect(w.n).toBe(w.max);
  }

  async function expectReadModelEqualsRebuild(): Promise<void> {
    const logMax = (await pg.query('SELECT coalesce(sum(m), 0)::int AS n FROM (SELECT max(seq) AS m FROM action_events GROUP BY world_id) w')).rows[0].n as number;
    await expectProjectionsEqualRebuild(system, pg, logMax);
  }
});

function waitForOutput(app: AppProcess, text: string, from: number): Promise<void> {
  return app.waitForOutput(text, { from });
}

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
