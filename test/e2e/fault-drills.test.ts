import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { HealthResponse } from '@tilemud/contracts';
import { api } from '../support/client';
import { db } from '../support/db';
import { acksOf, auditLog, DrillPlayer, expectProjectionsEqualRebuild, settle } from '../support/drill';
import { eventually, sleep } from '../support/eventually';
import { runEnv, TestSystem } from '../support/system';
import { TcpProxy } from '../support/tcp-proxy';

type Dep = 'postgres' | 'redis' | 'nats';
const CUT_MS = 3000;

/**
 * Fault drills: every app reaches PostgreSQL, Redis and NATS through a TCP proxy of our own, and
 * each service in turn is cut (every connection reset, new ones refused) for 3 s under a steady
 * load, then restored. The shared services other suites use are never touched.
 */
describe('fault drills: Redis, PostgreSQL and NATS cut and restored under load', () => {
  const base = runEnv();
  const proxies: Record<Dep, TcpProxy> = {
    postgres: TcpProxy.for(base.DATABASE_URL!),
    redis: TcpProxy.for(base.REDIS_URL!),
    nats: TcpProxy.for(base.NATS_URL!),
  };
  let system: TestSystem;
  let pg: Client;
  const players: DrillPlayer[] = [];
  let timer: NodeJS.Timeout | undefined;
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    for (const p of Object.values(proxies)) await p.start();
    system = new TestSystem({
      DATABASE_URL: proxies.postgres.rewrite(base.DATABASE_URL!),
      REDIS_URL: proxies.redis.rewrite(base.REDIS_URL!),
      NATS_URL: proxies.nats.rewrite(base.NATS_URL!),
      DEPENDENCY_CHECK_INTERVAL_MS: '250',
      PRESENCE_INTERVAL_MS: '500',
      HEARTBEAT_INTERVAL_MS: '2000',
      RESUME_WINDOW_MS: '10000',
    });
    await system.start();
    pg = await db(); // straight to PostgreSQL: the drill's own view is never cut
    for (let i = 0; i < 8; i++) {
      const p = new DrillPlayer(system);
      await p.start();
      players.push(p);
    }
    timer = setInterval(() => players.forEach((p) => p.tick()), 100); // 8 players x 10 intents/s
    await eventually('every player playing (moves applied, deltas coming)', () => players.every((p) => p.deltaTimes.length > 0 && [...p.answers.values()].some((a) => a.status === 'applied')), 30_000);
  }, 90_000);

  afterAll(async () => {
    if (timer) clearInterval(timer);
    players.forEach((p) => p.stop());
    await system?.stop();
    await pg?.end();
    for (const p of Object.values(proxies)) await p.close();
    mkdirSync(join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    writeFileSync(join(__dirname, '..', '..', 'test-artifacts', 'fault-drills.json'), JSON.stringify(report, null, 2));
  });

  const logHead = async () => Number((await pg.query<{ s: string }>('SELECT coalesce(max(seq), 0) AS s FROM action_events')).rows[0]?.s);
  const firstAfter = (times: number[], t: number) => times.filter((x) => x >= t).sort((a, b) => a - b)[0];

  /** Cuts `dep` for CUT_MS, restores it, waits for play to recover; returns what happened. */
  async function drill(dep: Dep) {
    const sentAtCut = players.map((p) => p.nextSeq);
    const cutAt = Date.now();
    proxies[dep].cut();
    const health = await eventually(
      `the gateway to report ${dep} down`,
      async () => {
        const h = await api<HealthResponse>(system.baseUrl, 'GET', '/api/health');
        return h.body?.dependencies?.[dep]?.status === 'down' ? h : undefined;
      },
      CUT_MS,
    );
    const headDuring = await logHead();
    await sleep(Math.max(0, cutAt + CUT_MS - Date.now())); // the scenario: the cut lasts CUT_MS
    const headAtRestore = await logHead();
    const sentAtRestore = players.map((p) => p.nextSeq);
    const restoredAt = Date.now();
    proxies[dep].restore();
    // Recovered: every player told `recovered`, an intent sent after the restore applied, deltas flowing.
    const told = () => players.every((p) => p.notices.some((n) => n.dependency === dep && n.status === 'recovered' && n.at >= restoredAt));
    const appliedAfter = () => players.flatMap((p, i) => [...p.answers.entries()].filter(([s, a]) => s >= sentAtRestore[i]! && a.status === 'applied').map(([, a]) => a.at));
    await eventually(
      `play to recover after the ${dep} cut: every player told recovered, an intent sent after the restore applied, deltas flowing`,
      () =>
        told() &&
        appliedAfter().length > 0 &&
        firstAfter(
          players.flatMap((p) => p.deltaTimes),
          restoredAt,
        ) !== undefined,
      20_000,
      () => ({ told: told(), appliedAfter: appliedAfter().length }),
    );
    const appliedAt: number | undefined = Math.min(...appliedAfter());
    const acks = acksOf(players);
    const during = acks.filter((a) => a.at > cutAt + 500 && a.at < restoredAt);
    const noticeTimes = (status: string) => players.map((p) => p.notices.find((n) => n.dependency === dep && n.status === status && n.at >= cutAt)?.at);
    const degradedAt = noticeTimes(dep === 'redis' ? 'degraded' : 'unavailable');
    const recoveredAt = noticeTimes('recovered');
    return {
      dep,
      health: { status: health.status, body: health.body },
      headDuring,
      headAtRestore,
      figures: {
        intentsSentDuringCut: sentAtRestore.reduce((n, s, i) => n + s - sentAtCut[i]!, 0),
        answeredAppliedDuringCut: during.filter((a) => a.status === 'applied').length,
        refusedUnavailableDuringCut: during.filter((a) => a.code === 'UNAVAILABLE').length,
        playersToldDown: degradedAt.filter(Boolean).length,
        playersToldRecovered: recoveredAt.filter(Boolean).length,
        secondsCutToNotice: Math.max(...degradedAt.map((t) => ((t ?? Infinity) - cutAt) / 1000)),
        secondsRestoreToRecoveredNotice: Math.max(...recoveredAt.map((t) => ((t ?? Infinity) - restoredAt) / 1000)),
        secondsRestoreToFirstApplied: appliedAt ? (appliedAt - restoredAt) / 1000 : -1,
        secondsRestoreToFirstDelta:
          ((firstAfter(
            players.flatMap((p) => p.deltaTimes),
            restoredAt,
          ) ?? Infinity) -
            restoredAt) /
          1000,
      },
      appliedDuring: during.filter((a) => a.status === 'applied'),
    };
  }

  it('Redis cut: play goes on; every client is told degraded, then recovered', async () => {
    const r = await drill('redis');
    report.redis = r.figures;
    expect(r.health).toMatchObject({ status: 200, body: { status: 'degraded', dependencies: { redis: { status: 'down' }, postgres: { status: 'up' } } } });
    expect(r.figures.playersToldDown).toBe(players.length);
    expect(r.figures.playersToldRecovered).toBe(players.length);
    expect(r.figures.answeredAppliedDuringCut).toBeGreaterThan(0); // play went on
    expect(r.headDuring).toBeGreaterThan(0);
    expect(r.figures.secondsRestoreToFirstApplied).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('PostgreSQL cut: nothing is acked applied while it is down, intents are refused UNAVAILABLE, acks resume after', async () => {
    const r = await drill('postgres');
    report.postgres = r.figures;
    expect(r.health).toMatchObject({ status: 503, body: { status: 'unavailable', dependencies: { postgres: { status: 'down' } } } });
    expect(r.headAtRestore).toBe(r.headDuring); // nothing appended while it was down
    expect(r.appliedDuring.filter((a) => (a.seq ?? 0) > r.headDuring)).toEqual([]);
    expect(r.figures.refusedUnavailableDuringCut).toBeGreaterThan(0);
    expect(r.figures.playersToldDown).toBe(players.length);
    expect(r.figures.playersToldRecovered).toBe(players.length);
    expect(r.figures.secondsRestoreToFirstApplied).toBeGreaterThanOrEqual(0);
    expect(system.apps.sequencer.proc?.exitCode).toBeNull(); // recovered without a restart
    expect(system.apps.projector.proc?.exitCode).toBeNull();
  }, 60_000);

  it('NATS cut: intents are refused UNAVAILABLE meanwhile, the apps reconnect by themselves', async () => {
    const r = await drill('nats');
    report.nats = r.figures;
    expect(r.health).toMatchObject({ status: 503, body: { status: 'unavailable', dependencies: { nats: { status: 'down' } } } });
    expect(r.figures.refusedUnavailableDuringCut).toBeGreaterThan(0);
    expect(r.figures.playersToldDown).toBe(players.length);
    expect(r.figures.playersToldRecovered).toBe(players.length);
    expect(r.figures.secondsRestoreToFirstApplied).toBeGreaterThanOrEqual(0);
    expect(r.figures.secondsRestoreToFirstDelta).toBeLessThan(15);
    for (const app of Object.values(system.apps)) expect(app.proc?.exitCode).toBeNull();
  }, 60_000);

  it('afterwards: every acked intent is in the log exactly once, seqs gapless, projections equal a rebuild', async () => {
    clearInterval(timer);
    await settle(players, 15_000);
    const audit = await auditLog(pg, players);
    report.overall = audit.report;
    expect(audit.lost).toEqual([]);
    expect(audit.duplicated).toEqual([]);
    expect(audit.wrongSeq).toEqual([]);
    expect(audit.gaps).toEqual([]);
    expect(audit.report.unanswered).toBe(0);
    expect(players.flatMap((p) => p.chainErrors)).toEqual([]); // no client got an event twice, or missed one
    await expectProjectionsEqualRebuild(system, pg, audit.logMax);
  }, 90_000);
});
