import { joinPlayer, TestClient } from '../support/client';
import { CATALOG, seriesName } from '../support/metric-names';
import { TestPrometheus } from '../support/prometheus';
import { freePort, TestSystem } from '../support/system';

type App = keyof typeof CATALOG;
const APPS: App[] = ['gateway', 'sequencer', 'projector'];

/**
 * The shipped Prometheus config and rules against the three real apps: a real Prometheus scrapes
 * them every second while a few players move and chat, and everything is read back through its
 * HTTP API, as Grafana and the alerts would.
 */
describe('Prometheus scrapes the three apps (infra/prometheus)', () => {
  // Pings limited (2 a minute) so the load also hits a rate limit and the counter has a series.
  const system = new TestSystem({ RATE_LIMIT_PING: '2/60000' });
  const prometheus = new TestPrometheus();
  const players: TestClient[] = [];
  const before = new Map<string, number>();

  const total = async (app: App, series: string) => (await prometheus.scalar(`sum(${series}{job="${app}"})`)) ?? 0;

  beforeAll(async () => {
    const ports = { sequencer: await freePort(), projector: await freePort() };
    system.apps.sequencer.env.METRICS_PORT = String(ports.sequencer);
    system.apps.projector.env.METRICS_PORT = String(ports.projector);
    await system.start();
    await prometheus.start({ gateway: system.baseUrl.replace('http://', ''), sequencer: `127.0.0.1:${ports.sequencer}`, projector: `127.0.0.1:${ports.projector}` });
    // Every target scraped at least once (up or not) before the load, so the counters have a "before".
    await prometheus.waitFor(async () => (await prometheus.targets()).filter((t) => t.lastScrape && !t.lastScrape.startsWith('0001')).length === 3, 30_000, 'three targets scraped');
    await prometheus.waitFor(async () => (await prometheus.query('up')).length === 3, 30_000, 'a sample of up for each of the three targets');
    for (const app of APPS) for (const m of CATALOG[app]) if (m.movesUnderLoad) before.set(`${app} ${m.name}`, await total(app, m.name));

    for (let i = 0; i < 3; i++) players.push(await joinPlayer(system));
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        players.map(async (p, i) => {
          await p.move(p.freeDirection());
          if (round % 3 === i % 3) await p.intent('intent.chat', { text: `metrics ${round}` });
        }),
      );
    }
    // The counters that only get a series when their event happens: a rate-limited ping, a frame
    // that is not JSON, a socket closed by its player.
    for (let i = 0; i < 4; i++) players[0]!.send({ type: 'ping', ts: i });
    players[1]!.send('not json');
    const leaving = await joinPlayer(system);
    await leaving.close();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(players.map((p) => p.close().catch(() => undefined)));
    await prometheus.stop();
    await system.stop();
  }, 60_000);

  it('scrapes each app under its job (up == 1)', async () => {
    await prometheus.waitFor(async () => (await prometheus.targets()).every((t) => t.health === 'up'), 20_000, 'every target up').catch(() => undefined);
    const targets = await prometheus.targets();
    expect(targets.map((t) => ({ job: t.labels.job, health: t.health, lastError: t.lastError })).sort((a, b) => (a.job ?? '').localeCompare(b.job ?? ''))).toEqual(
      [...APPS].sort().map((job) => ({ job, health: 'up', lastError: '' })),
    );
  }, 60_000);

  it('has every metric of the catalog, and the counters the load drives have grown', async () => {
    const missing: string[] = [];
    const still: string[] = [];
    // Wait (bounded) for the counters to move in Prometheus: a scrape a second, CPUs busy.
    const grown = async () => {
      still.length = 0;
      for (const app of APPS) {
        for (const m of CATALOG[app].filter((x) => x.movesUnderLoad)) {
          if ((await total(app, m.name)) <= before.get(`${app} ${m.name}`)!) still.push(`${app} ${m.name}`);
        }
      }
      return still.length === 0;
    };
    await prometheus.waitFor(grown, 30_000, 'counters grown').catch(() => undefined);
    const present = async () => {
      missing.length = 0;
      for (const app of APPS) {
        for (const m of CATALOG[app]) {
          if (!(await prometheus.query(`${seriesName(m)}{job="${app}"}`)).length) missing.push(`${app} ${seriesName(m)}`);
        }
      }
      return missing.length === 0;
    };
    await prometheus.waitFor(present, 15_000, 'every catalog metric').catch(() => undefined);
    expect({ missing, notGrown: still }).toEqual({ missing: [], notGrown: [] });
  }, 120_000);

  it('evaluates the recording rules from what it scraped', async () => {
    const rules = [
      'tilemud:slo_availability:ratio_rate5m',
      'tilemud:slo_availability:ratio_rate1h',
      'tilemud:slo_error_budget_burn:rate5m',
      'tilemud:gateway_intent_ack_duration_seconds:p95_rate5m',
      'tilemud:gateway_intents:rate5m',
    ];
    const values: Record<string, number | undefined> = {};
    // A rate needs an increase Prometheus saw: a histogram's series appears with its first
    // observation, so acks that all came before its first scrape give a rate of 0 (and a NaN
    // quantile). A player keeps moving while the rules are read.
    let driving = true;
    const drive = (async () => {
      while (driving) {
        await players[2]!.move(players[2]!.freeDirection()).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100)); // pacing: about 10 moves a second
      }
    })();
    try {
      await prometheus
        .waitFor(
          async () => {
            for (const r of rules) values[r] = await prometheus.scalar(r);
            return rules.every((r) => values[r] !== undefined && Number.isFinite(values[r]));
          },
          30_000,
          'recording rules',
        )
        .catch(() => undefined);
    } finally {
      driving = false;
      await drive;
    }
    expect(rules.filter((r) => values[r] === undefined || !Number.isFinite(values[r]))).toEqual([]);
    // A quiet test machine answers nearly everything well within 200 ms.
    expect(values['tilemud:slo_availability:ratio_rate5m']).toBeGreaterThan(0.5);
    expect(values['tilemud:slo_availability:ratio_rate5m']).toBeLessThanOrEqual(1);
  }, 60_000);

  it('loads every alert rule without evaluation errors', async () => {
    const res = await fetch(`${prometheus.url}/api/v1/rules`);
    // Prometheus' HTTP API answer: the fields read here.
    const { groups } = ((await res.json()) as { data: { groups: Array<{ rules: Array<{ name: string; type: string; health: string; lastError?: string }> }> } }).data;
    const all = groups.flatMap((g) => g.rules);
    expect(all.filter((r) => r.type === 'alerting').length).toBeGreaterThanOrEqual(10);
    expect(all.filter((r) => r.health === 'err').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
  });
});
