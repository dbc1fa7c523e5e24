import { createServer, type Server } from 'node:http';
import type { HttpAdapterHost } from '@nestjs/core';
import { OperatorOverviewSchema, type HealthResponse } from '@tilemud/contracts';
import { loadConfig } from '@tilemud/runtime';
import { GatewayConfigSchema } from '../config';
import type { DependencyMonitor } from '../system/dependency-monitor.service';
import { OperatorFeed } from './operator-feed';

/** A fake Prometheus target whose counters move by 10 intents at each scrape. */
function fakeGateway() {
  let n = 0;
  const state = { scrapes: 0 };
  const server: Server = createServer((_req, res) => {
    state.scrapes++;
    n += 10;
    const fast = Math.round(n * 0.9);
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      [
        '# TYPE tilemud_gateway_sessions gauge',
        'tilemud_gateway_sessions{state="playing"} 4',
        'tilemud_gateway_sessions{state="lingering"} 1',
        `tilemud_gateway_intents_total{type="move",outcome="applied",code=""} ${n}`,
        `tilemud_gateway_intent_ack_duration_seconds_bucket{type="move",le="0.005"} ${fast}`,
        `tilemud_gateway_intent_ack_duration_seconds_bucket{type="move",le="0.05"} ${n}`,
        `tilemud_gateway_intent_ack_duration_seconds_bucket{type="move",le="+Inf"} ${n}`,
        `tilemud_sequencer_commit_duration_seconds_bucket{le="0.01"} ${n}`,
        `tilemud_sequencer_commit_duration_seconds_bucket{le="+Inf"} ${n}`,
        `tilemud_slo_intents_total ${n}`,
        // 9 of every 10 intents good: availability 0.9.
        `tilemud_slo_intents_good_total ${n - n / 10}`,
        'tilemud_projector_lag_events{world="meadow"} 7',
        'tilemud_dependency_up{dependency="redis"} 0',
        'tilemud_health_cause{cause="redis_down"} 1',
        'tilemud_health_cause{cause="no_sequencer"} 0',
        '',
      ].join('\n'),
    );
  });
  return { server, state };
}

const listen = (s: Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));
const closedPort = async () => {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
};
const until = async (cond: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  for (const end = Date.now() + timeoutMs; !(await cond());) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const health: HealthResponse = {
  status: 'degraded',
  serverVersion: '1.0.0',
  dependencies: { postgres: { status: 'up', latencyMs: 1 }, redis: { status: 'down', latencyMs: 1500 }, nats: { status: 'up', latencyMs: 0.5 } },
};

describe('OperatorFeed against a fake scrape target', () => {
  const { server, state } = fakeGateway();
  let feed: OperatorFeed;
  let healthCalls = 0;
  let healthAnswer: HealthResponse & { causes?: unknown } = health;

  beforeAll(async () => {
    const port = await listen(server);
    const dead = await closedPort();
    const config = loadConfig(GatewayConfigSchema, {
      OPS_SCRAPE_TARGETS: `gateway=http://127.0.0.1:${port}/metrics,projector=http://127.0.0.1:${dead}/metrics`,
      OPS_SCRAPE_INTERVAL_MS: '250',
      OPS_WATCH_TIMEOUT_MS: '1500',
    });
    const monitor = { check: () => (healthCalls++, Promise.resolve(healthAnswer)) } as unknown as DependencyMonitor;
    feed = new OperatorFeed(config, monitor, { httpAdapter: undefined } as unknown as HttpAdapterHost);
  });
  afterAll(async () => {
    feed.onModuleDestroy();
    await new Promise((r) => server.close(r));
  });

  it('derives every figure, reports the dead target down with null figures, and passes the schema', async () => {
    await feed.overview();
    // Rates and percentiles need two scrapes of the same target.
    await until(async () => (await feed.overview()).intentsPerSecond.current !== null);
    const o = OperatorOverviewSchema.parse(await feed.overview());
    expect(o.targets.find((t) => t.name === 'gateway')).toMatchObject({ up: true });
    expect(o.targets.find((t) => t.name === 'projector')).toMatchObject({ up: false, error: 'ECONNREFUSED', lastSuccessAt: null });
    expect(o.sessions.current).toBe(5);
    expect(o.intentsPerSecond.current).toBeGreaterThan(0);
    // 90% of each round's intents ≤ 5 ms, the rest in (5, 50] ms: p95 is halfway into that bucket.
    expect(o.ackP95Ms.current).toBeGreaterThan(5);
    expect(o.ackP95Ms.current).toBeLessThanOrEqual(50);
    expect(o.deltaP95Ms.source).toBe('sequencer_commit');
    expect(o.slo.total).toBeGreaterThan(0);
    expect(o.slo.availability).toBeCloseTo(0.9);
    expect(o.slo.burn).toBeCloseTo(20);
    expect(o.projectorLag).toEqual([{ world: 'meadow', lagEvents: expect.objectContaining({ current: 7 }) as object }]);
    expect(o.dependencies).toEqual([
      { dependency: 'nats', up: true, latencyMs: 0.5 },
      { dependency: 'postgres', up: true, latencyMs: 1 },
      { dependency: 'redis', up: false, latencyMs: 1500 },
    ]);
    expect(o.health).toEqual({ status: 'degraded', causes: [{ cause: 'redis_down' }] });
    expect(o.sessions.points.length).toBeGreaterThanOrEqual(2);
  });

  it("prefers the health service's own causes when it gives them", async () => {
    healthAnswer = { ...health, causes: [{ cause: 'projector_lagging', message: 'meadow is 700 events behind', since: '2026-12-02T06:00:00.000Z' }, 'redis_down'] };
    await until(async () => (await feed.overview()).health.causes.length === 2);
    expect((await feed.overview()).health.causes).toEqual([{ cause: 'projector_lagging', detail: 'meadow is 700 events behind', since: '2026-12-02T06:00:00.000Z' }, { cause: 'redis_down' }]);
    healthAnswer = health;
  });

  it('stops scraping once nobody has asked for OPS_WATCH_TIMEOUT_MS', async () => {
    await feed.overview();
    expect(feed.active).toBe(true);
    await until(() => !feed.active);
    const scrapes = state.scrapes;
    const checks = healthCalls;
    await new Promise((r) => setTimeout(r, 800));
    expect(state.scrapes).toBe(scrapes);
    expect(healthCalls).toBe(checks);
  });
});

describe('OperatorFeed scraping its own gateway', () => {
  it('finds /metrics on the port it listens on and sends METRICS_TOKEN there', async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      res.end('tilemud_gateway_sessions{state="playing"} 2\n');
    });
    const port = await listen(server);
    const config = { ...loadConfig(GatewayConfigSchema, { OPS_SCRAPE_TARGETS: 'gateway=self' }), METRICS_TOKEN: 'metrics-token-0123456789' };
    const monitor = { check: () => Promise.resolve(health) } as unknown as DependencyMonitor;
    const host = { httpAdapter: { getHttpServer: () => ({ address: () => ({ address: '0.0.0.0', port }) }) } } as unknown as HttpAdapterHost;
    const feed = new OperatorFeed(config, monitor, host);
    try {
      const o = await feed.overview();
      expect(o.targets).toEqual([{ name: 'gateway', url: `http://127.0.0.1:${port}/metrics`, up: true, lastSuccessAt: expect.any(Number) as number }]);
      expect(o.sessions.current).toBe(2);
      expect(seen[0]).toBe('/metrics Bearer metrics-token-0123456789');
    } finally {
      feed.onModuleDestroy();
      await new Promise((r) => server.close(r));
    }
  });
});
