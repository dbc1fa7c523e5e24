import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { HealthCauseName, HealthResponse } from '@tilemud/contracts';
import { connectNats, topology } from '../../libs/runtime/src/nats';
import { api, joinPlayer, sleep, TestClient } from '../support/client';
import { eventually } from '../support/eventually';
import { TestSystem } from '../support/system';

/** Every gateway metric of the catalog (/work/notes/metrics-catalog.md), as Prometheus names it. */
const GATEWAY_METRICS = [
  'tilemud_gateway_sessions',
  'tilemud_gateway_connections_closed_total',
  'tilemud_gateway_resumes_total',
  'tilemud_gateway_intents_total',
  'tilemud_gateway_intent_ack_duration_seconds_bucket',
  'tilemud_gateway_delta_frames_total',
  'tilemud_gateway_delta_bytes_total',
  'tilemud_gateway_delta_merged_frames_total',
  'tilemud_gateway_send_queue_max_bytes',
  'tilemud_gateway_rate_limit_hits_total',
  'tilemud_gateway_invalid_frames_total',
  'tilemud_gateway_logins_total',
  'tilemud_dependency_up',
  'tilemud_health_status',
  'tilemud_health_cause',
  'tilemud_slo_intents_total',
  'tilemud_slo_intents_good_total',
  'nodejs_eventloop_delay_p99_seconds',
];

/** The value of one series (name and labels as written), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('gateway metrics, health causes, liveness and readiness', () => {
  // Stall and lag thresholds small enough to see within a test; the ping limit low enough to hit.
  const system = new TestSystem({ PROJECTOR_STALL_MS: '2000', RATE_LIMIT_PING: '3/60000', DEPENDENCY_CHECK_INTERVAL_MS: '500' });
  const t = topology(process.env.NATS_PREFIX!);
  let nc: NatsConnection;
  const players: TestClient[] = [];

  const metrics = async () => (await api<string>(system.baseUrl, 'GET', '/metrics')).body;
  const health = async () => (await api<HealthResponse>(system.baseUrl, 'GET', '/api/health')).body;
  /** Waits until health names `cause` (or, with `gone`, until it is ok again); returns how long it took. */
  async function healthSays(cause: HealthCauseName | 'ok', timeoutMs: number): Promise<number> {
    const start = Date.now();
    let last: unknown;
    await eventually(
      `health to say ${cause}`,
      async () => {
        const h = await health();
        last = h;
        return cause === 'ok' ? h.status === 'ok' : (h.causes ?? []).some((c) => c.cause === cause);
      },
      timeoutMs,
      () => last,
    );
    return Date.now() - start;
  }
  const notice = (c: TestClient, dependency: string, status: string, from: number) => c.waitForType('event.degraded', (m) => m.dependency === dependency && m.status === status, 15_000, from);

  beforeAll(async () => {
    await system.start();
    nc = await connectNats(process.env.NATS_URL!, 'observability-test');
    for (let i = 0; i < 3; i++) players.push(await joinPlayer(system));
  }, 90_000);

  afterAll(async () => {
    system.apps.projector.proc?.kill('SIGCONT');
    for (const p of players) await p.close();
    await system.stop();
    await nc?.drain();
  });

  it('serves liveness, readiness and a healthy /api/health with its causes list', async () => {
    expect((await api(system.baseUrl, 'GET', '/healthz')).status).toBe(200);
    expect(await api(system.baseUrl, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', causes: [] } });
    await healthSays('ok', 10_000);
    expect(await health()).toMatchObject({ status: 'ok', causes: [] });
  });

  it('serves every gateway metric at /metrics, moving under a small load', async () => {
    const [a, b, c] = players as [TestClient, TestClient, TestClient];
    for (let i = 0; i < 5; i++) {
      await a.move(a.freeDirection());
      await b.intent('intent.chat', { text: `hello ${i}`, channel: 'world' });
      await c.move(c.freeDirection());
    }
    // A resume (the socket dropped, the client comes back with its token), a rate-limited ping, an invalid frame.
    c.drop();
    expect(await c.resume()).toMatchObject({ resumed: true });
    const from = a.received.length;
    for (let i = 0; i < 5; i++) a.send({ type: 'ping', ts: Date.now() });
    await a.waitForType('event.error', (m) => m.error.code === 'RATE_LIMITED', 10_000, from);
    a.send('this is not json');
    await a.waitForType('event.error', (m) => m.error.code === 'INVALID_JSON', 10_000, from);
    // A sign-up, a wrong password and a good one.
    const username = `obs${Date.now().toString(36)}`;
    expect((await api(system.baseUrl, 'POST', '/api/auth/register', { body: { username, password: 'correct horse battery' } })).status).toBe(201);
    expect((await api(system.baseUrl, 'POST', '/api/auth/login', { body: { username, password: 'wrong password here' } })).status).toBe(401);
    expect((await api(system.baseUrl, 'POST', '/api/auth/login', { body: { username, password: 'correct horse battery' } })).status).toBe(200);

    const text = await metrics();
    const missing = GATEWAY_METRICS.filter((name) => !new RegExp(`^${name}[{ ]`, 'm').test(text));
    expect(missing).toEqual([]);
    expect(sample(text, 'tilemud_gateway_sessions{state="playing"}')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'tilemud_gateway_connections_closed_total{code="1006"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tilemud_gateway_resumes_total{outcome="replay"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tilemud_gateway_intents_total{type="chat",outcome="applied",code=""}')).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'tilemud_gateway_intent_ack_duration_seconds_count{type="move"}')).toBeGreaterThanOrEqual(10);
    expect(sample(text, 'tilemud_gateway_delta_frames_total{world="lobby"}')).toBeGreaterThan(0);
    expect(sample(text, 'tilemud_gateway_delta_bytes_total{world="lobby"}')).toBeGreaterThan(0);
    expect(sample(text, 'tilemud_gateway_rate_limit_hits_total{kind="ping"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tilemud_gateway_invalid_frames_total{reason="json"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tilemud_gateway_logins_total{outcome="success"}')).toBe(1);
    expect(sample(text, 'tilemud_gateway_logins_total{outcome="invalid_credentials"}')).toBe(1);
    expect(sample(text, 'tilemud_dependency_up{dependency="postgres"}')).toBe(1);
    expect(sample(text, 'tilemud_health_status{status="ok"}')).toBe(1);
    expect(sample(text, 'tilemud_health_cause{cause="no_sequencer"}')).toBe(0);
    expect(sample(text, 'tilemud_slo_intents_total')).toBeGreaterThanOrEqual(15);
    expect(sample(text, 'tilemud_slo_intents_good_total')).toBeGreaterThan(0);
    expect(sample(text, 'tilemud_slo_intents_good_total')).toBeLessThanOrEqual(sample(text, 'tilemud_slo_intents_total')!);
  }, 60_000);

  it('says no_sequencer within 5 s of the sequencer stopping (no standby), tells clients, and is ok again once it is back', async () => {
    const [a] = players as [TestClient];
    const from = a.received.length;
    await system.apps.sequencer.stop();
    const ms = await healthSays('no_sequencer', 5000);
    expect((await api(system.baseUrl, 'GET', '/api/health')).status).toBe(503);
    await notice(a, 'sequencer', 'unavailable', from);
    expect(sample(await metrics(), 'tilemud_health_cause{cause="no_sequencer"}')).toBe(1);
    // Still ready: this gateway can serve; it is the pipeline behind it that is missing.
    expect((await api(system.baseUrl, 'GET', '/readyz')).status).toBe(200);
    // An intent sent now waits in the INTENTS stream: past INTENTS_UNANSWERED_MS health says so.
    const before = await metrics();
    const bad = (text: string) => sample(text, 'tilemud_slo_intents_total')! - sample(text, 'tilemud_slo_intents_good_total')!;
    const seq = ++a.intentSeq;
    const sentFrom = a.received.length;
    a.send({ type: 'intent.move', intentSeq: seq, payload: { direction: a.freeDirection() } });
    await healthSays('intents_unanswered', 5000);
    await system.apps.sequencer.start();
    // Answered once the sequencer is back, but late: it counts against the SLO.
    const ack = await a.waitForAck(seq, 45_000, sentFrom);
    expect(['applied', 'rejected']).toContain(ack.status);
    expect(bad(await metrics())).toBe(bad(before) + 1);
    await healthSays('ok', 20_000);
    await notice(a, 'sequencer', 'recovered', from);
    console.log(`no_sequencer named ${ms} ms after the sequencer stopped`);
  }, 60_000);

  it('says projector_stalled within 5 s of the projector stalling while intents flow, and is ok again once it moves', async () => {
    const [a, b] = players as [TestClient, TestClient];
    const from = a.received.length;
    let flowing = true;
    const flow = (async () => {
      while (flowing) {
        await b.intent('intent.chat', { text: 'still here', channel: 'world' }).catch(() => undefined);
        await sleep(100); // the pace of the traffic that must keep flowing, not a wait
      }
    })();
    try {
      await b.intent('intent.chat', { text: 'before', channel: 'world' });
      system.apps.projector.proc!.kill('SIGSTOP');
      // The stall time (2 s) plus a probe round: within 5 s.
      const ms = await healthSays('projector_stalled', 5000);
      expect((await health()).status).toBe('degraded');
      await notice(a, 'projector', 'degraded', from);
      system.apps.projector.proc!.kill('SIGCONT');
      flowing = false;
      await flow;
      await healthSays('ok', 20_000);
      await notice(a, 'projector', 'recovered', from);
      console.log(`projector_stalled named ${ms} ms after SIGSTOP`);
    } finally {
      flowing = false;
      system.apps.projector.proc?.kill('SIGCONT');
      await flow;
    }
  }, 60_000);
  it('says events_stream_missing within 5 s of the EVENTS stream being deleted, and is ok again once it is recreated', async () => {
    const [a] = players as [TestClient];
    const from = a.received.length;
    // The sequencer recreates a deleted stream within seconds: with it stopped, the missing stream stays missing.
    await system.apps.sequencer.stop();
    await (await jetstreamManager(nc)).streams.delete(t.eventsStream);
    const ms = await healthSays('events_stream_missing', 5000);
    await notice(a, 'events', 'unavailable', from);
    await system.apps.sequencer.start(); // ensureTopology at start makes the stream again
    await healthSays('ok', 30_000);
    await notice(a, 'events', 'recovered', from);
    console.log(`events_stream_missing named ${ms} ms after the stream was deleted`);
  }, 90_000);
});
