import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { db } from '../support/db';
import { auditLog, DrillPlayer, expectProjectionsEqualRebuild, settle } from '../support/drill';
import { eventually, sleep } from '../support/eventually';
import { AppName, TestSystem } from '../support/system';

describe('crash drill: kill -9 each app under load', () => {
  const system = new TestSystem({ HEARTBEAT_INTERVAL_MS: '2000' });
  let pg: Client;
  const players: DrillPlayer[] = [];
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    await system.start();
    pg = await db();
  }, 60_000);
  afterAll(async () => {
    players.forEach((p) => p.stop());
    await system.stop();
    await pg?.end();
    mkdirSync(join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    writeFileSync(join(__dirname, '..', '..', 'test-artifacts', 'crash-drill.json'), JSON.stringify(report, null, 2));
  });

  it('every acked intent is in the log exactly once, seqs are gapless, and projections equal a rebuild', async () => {
    for (let i = 0; i < 10; i++) {
      const p = new DrillPlayer(system);
      await p.start();
      players.push(p);
    }
    const timer = setInterval(() => players.forEach((p) => p.tick()), 100); // 10 players x 10 intents/s
    const everyonePlaysAfter = (at: number) => players.every((p) => p.deltaTimes.some((x) => x > at) && [...p.answers.values()].some((a) => a.status === 'applied' && a.at > at));
    const recoveries: Record<string, { firstAppliedAckS: number; firstDeltaS: number }> = {};
    try {
      let since = 0;
      for (const app of ['sequencer', 'projector', 'gateway'] as AppName[]) {
        await eventually(`every player playing (moves applied and deltas coming) before the ${app} is killed`, () => everyonePlaysAfter(since), 30_000);
        const killedAt = Date.now();
        await system.apps[app].kill();
        await sleep(300); // the scenario: down for a moment, as a supervisor's restart would leave it
        await system.apps[app].start(app === 'gateway' ? { PORT: new URL(system.baseUrl).port, HOST: '127.0.0.1' } : {});
        // Recovered: an intent sent after the kill is answered `applied`, and deltas flow again.
        const seqAtKill = Math.max(...players.map((p) => p.nextSeq));
        const restartedAt = Date.now();
        const ackTimes = () => players.flatMap((p) => [...p.answers.entries()].filter(([s, a]) => s >= seqAtKill && a.status === 'applied').map(([, a]) => a.at));
        const deltaTimes = () => players.flatMap((p) => p.deltaTimes.filter((t) => t > restartedAt));
        await eventually(`an intent sent after the ${app}'s kill applied, and deltas again`, () => ackTimes().length > 0 && deltaTimes().length > 0, 30_000);
        recoveries[app] = { firstAppliedAckS: (Math.min(...ackTimes()) - killedAt) / 1000, firstDeltaS: (Math.min(...deltaTimes()) - killedAt) / 1000 };
        since = restartedAt;
      }
      await eventually('every player playing again after the last restart', () => everyonePlaysAfter(since), 30_000);
    } finally {
      clearInterval(timer);
    }
    // Let every resend be answered.
    await settle(players);
    const audit = await auditLog(pg, players);
    Object.assign(report, { ...audit.report, secondsToRecover: recoveries });
    expect(audit.lost).toEqual([]);
    expect(audit.duplicated).toEqual([]);
    expect(audit.wrongSeq).toEqual([]);
    expect(audit.gaps).toEqual([]); // gapless in every world
    expect(audit.report.unanswered).toBe(0);
    expect(players.flatMap((p) => p.chainErrors)).toEqual([]); // no client got an event twice, or missed one
    // Projections converge: what the projector built through the crashes equals a rebuild from the log.
    await expectProjectionsEqualRebuild(system, pg, audit.logMax);
  }, 120_000);
});
