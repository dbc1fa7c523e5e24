import type { EventError, HealthResponse, IntentAck, ServerMessage, TicketResponse } from '@tilemud/contracts';
import { ErrorBodySchema, isIntentAck } from '@tilemud/contracts';
import { api, sleep, TestClient } from '../support/client';
import { runEnv, TestSystem } from '../support/system';
import { TcpProxy } from '../support/tcp-proxy';
import { apiFrom, CONTRACT_LIMITS, expectAllValid, expectRestError, ExtraGateway, guest, isIntentAnswer, joinAs, ledger, outputsOf, ticketFor, uniqueName } from './identity-helpers';
import { eventually } from '../support/eventually';

/** Sends `n` intents back to back (no waiting) and collects, per intentSeq, its ack or its refusal. */
async function burst(c: TestClient, n: number, frame: (i: number) => { type: string; payload: unknown }): Promise<{ acked: IntentAck[]; limited: EventError[]; ms: number }> {
  const from = c.received.length;
  const started = Date.now();
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) {
    const seq = ++c.intentSeq;
    seqs.push(seq);
    c.send(JSON.stringify({ ...frame(i), intentSeq: seq }));
  }
  const answered = (m: ServerMessage) => isIntentAnswer(m) && m.intentSeq === seqs[seqs.length - 1];
  await c.waitFor(answered, 10_000, from);
  // Frames are handled one after another, so the bucket refills while the burst is worked through.
  const ms = Date.now() - started;
  // Refusals are immediate, an applied intent's ack comes once committed: maybe after the last one's.
  const answeredSeqs = () =>
    new Set(
      c.received
        .slice(from)
        .filter(isIntentAnswer)
        .map((m) => m.intentSeq),
    );
  await eventually(
    `an answer to each of the burst's ${n} frames`,
    () => seqs.every((s) => answeredSeqs().has(s)),
    10_000,
    () => seqs.filter((s) => !answeredSeqs().has(s)),
  );
  const mine = c.received.slice(from).filter((m) => isIntentAnswer(m) && m.intentSeq !== undefined && seqs.includes(m.intentSeq));
  return { acked: mine.filter(isIntentAck), limited: mine.filter((m) => m.type === 'event.error'), ms };
}

function expectLimited(errors: EventError[], kind: string, maxRetryMs: number): void {
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(ErrorBodySchema.safeParse(e.error).success).toBe(true);
    expect(e.error).toMatchObject({ code: 'RATE_LIMITED', category: 'rate_limited', retryable: true, details: { limit: kind } });
    expect(e.error.retryAfterMs).toBeGreaterThan(0);
    expect(e.error.retryAfterMs).toBeLessThanOrEqual(maxRetryMs);
    expect(typeof e.intentSeq).toBe('number');
  }
}

/** The contract's limits over a real socket and REST, shared through Redis, and without Redis. */
describe('identity: rate limits', () => {
  const system = new TestSystem({ ...CONTRACT_LIMITS, LOG_LEVEL: 'debug' });
  const extras: ExtraGateway[] = [];
  // Redis through a proxy of our own, to take it away from one gateway only.
  const relay = TcpProxy.for(runEnv().REDIS_URL!);

  beforeAll(async () => {
    await system.start();
  }, 60_000);

  afterAll(async () => {
    for (const g of extras) await g.app.stop();
    await relay.close();
    await system.stop();
  });

  const player = async () => joinAs(await guest(system.baseUrl, system.wsUrl));

  it('chat: 5 per 10 s, then RATE_LIMITED with the intentSeq and the time until the next one', async () => {
    const c = await player();
    const { acked, limited } = await burst(c, 6, (i) => ({ type: 'intent.chat', payload: { text: `hello ${i}`, channel: 'world' } }));
    expect(acked.map((a) => a.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    expect(limited.map((e) => e.intentSeq)).toEqual([c.intentSeq]);
    expectLimited(limited, 'chat', 2000);
    expect(limited[0]!.error.message).toBe('chat: 5 per 10 s');
    await sleep((limited[0]!.error.retryAfterMs ?? 0) + 50); // the scenario: the wait the refusal named
    expect((await c.intent('intent.chat', { text: 'after the wait', channel: 'world' })).status).toBe('applied');
    expect(c.closed).toBeUndefined();
    expectAllValid(c);
    await c.close();
  });

  it("a character's budget is shared by every gateway (the buckets live in Redis)", async () => {
    const other = await new ExtraGateway({ ...CONTRACT_LIMITS }).start();
    extras.push(other);
    const c = await player();
    const { limited } = await burst(c, 5, (i) => ({ type: 'intent.chat', payload: { text: `here ${i}`, channel: 'world' } }));
    expect(limited).toEqual([]);
    // the same player reconnects on the other gateway (replacing this session) and chats at once
    const moved = new TestClient(other.baseUrl, other.wsUrl);
    moved.bootstrap = { ...c.bootstrap!, ws: { ...c.bootstrap!.ws, ticket: await ticketFor(other.baseUrl, c.guest!.accessToken) } };
    moved.intentSeq = c.intentSeq;
    await joinAs(moved);
    const there = await burst(moved, 1, () => ({ type: 'intent.chat', payload: { text: 'there', channel: 'world' } }));
    expectLimited(there.limited, 'chat', 2000);
    await moved.close();
  });

  it('move: 20 per s', async () => {
    const c = await player();
    const { acked, limited, ms } = await burst(c, 40, (i) => ({ type: 'intent.move', payload: { direction: i % 2 ? 'north' : 'south' } }));
    expect(acked.length).toBeGreaterThanOrEqual(20);
    expect(acked.length).toBeLessThanOrEqual(20 + Math.ceil((ms * 20) / 1000));
    expect(acked.length + limited.length).toBe(40);
    expectLimited(limited, 'move', 50);
    await sleep(Math.max(...limited.map((e) => e.error.retryAfterMs ?? 0)) + 20); // the scenario: the wait the refusals named
    expect((await c.move('north')).type).toBe('event.ack');
    await c.close();
  });

  it('action: 10 per s per character', async () => {
    const c = await player();
    const { acked, limited, ms } = await burst(c, 20, () => ({ type: 'intent.action', payload: { action: 'emote', emote: 'wave' } }));
    expect(acked.length).toBeGreaterThanOrEqual(10);
    expect(acked.length).toBeLessThanOrEqual(10 + Math.ceil((ms * 10) / 1000));
    expectLimited(limited, 'action', 100);
    await c.close();
  });

  it('closes a client that keeps sending limited frames with 4429', async () => {
    const c = await player();
    for (let i = 0; i < 40; i++) c.send({ type: 'intent.chat', intentSeq: ++c.intentSeq, payload: { text: `spam ${i}`, channel: 'world' } });
    expect((await c.waitClose()).code).toBe(4429);
    expect(c.messages('event.error').length).toBeGreaterThan(20);
  });

  it('limits guest creation and registration per address (429 with retryAfterMs), other addresses unaffected', async () => {
    const g = await new ExtraGateway({ ...CONTRACT_LIMITS, RATE_LIMIT_GUEST_ADDRESS: '3/60000', RATE_LIMIT_REGISTER_ADDRESS: '2/60000' }).start();
    extras.push(g);
    for (let i = 0; i < 3; i++) expect((await apiFrom('127.0.0.31', g.baseUrl, 'POST', '/api/auth/guest')).status).toBe(201);
    const limited = await apiFrom('127.0.0.31', g.baseUrl, 'POST', '/api/auth/guest');
    const { retryAfterMs = 0 } = expectRestError(limited, 429, 'RATE_LIMITED');
    expect(retryAfterMs).toBeGreaterThan(15_000);
    expect(retryAfterMs).toBeLessThanOrEqual(20_000);
    expect(limited.headers['retry-after']).toBe(String(Math.ceil(retryAfterMs / 1000)));
    expect((await apiFrom('127.0.0.32', g.baseUrl, 'POST', '/api/auth/guest')).status).toBe(201);

    const pw = 'registration password';
    ledger.add(pw);
    for (let i = 0; i < 2; i++) expect((await apiFrom('127.0.0.33', g.baseUrl, 'POST', '/api/auth/register', { username: uniqueName('reg'), password: pw })).status).toBe(201);
    expectRestError(await apiFrom('127.0.0.33', g.baseUrl, 'POST', '/api/auth/register', { username: uniqueName('reg'), password: pw }), 429, 'RATE_LIMITED');
  });

  it('with Redis unreachable, play goes on and the limits hold in process; they are shared again once it is back', async () => {
    await relay.start();
    const g = await new ExtraGateway({ ...CONTRACT_LIMITS, REDIS_URL: relay.rewrite(runEnv().REDIS_URL!) }).start();
    extras.push(g);
    const c = await joinAs(await guest(g.baseUrl, g.wsUrl));
    relay.cut();
    const health = await eventually(
      'the gateway to report Redis down',
      async () => {
        const h = await api<HealthResponse>(g.baseUrl, 'GET', '/api/health');
        return h.body.status === 'degraded' ? h : undefined;
      },
      10_000,
    );
    expect(health.body).toMatchObject({ status: 'degraded', dependencies: { redis: { status: 'down' } } });

    expect((await c.move(c.freeDirection())).status).toBe('applied');
    const { acked, limited } = await burst(c, 7, (i) => ({ type: 'intent.chat', payload: { text: `offline ${i}`, channel: 'world' } }));
    expect(acked.filter((a) => a.status === 'applied').length).toBe(5);
    expectLimited(limited, 'chat', 2000);
    // A player can still (re)connect: the ticket is signed instead of stored, and used once.
    const t = await api<TicketResponse>(g.baseUrl, 'POST', '/api/session/ticket', { token: c.guest!.accessToken });
    expect(t.status).toBe(200);
    expect(t.body.ticket).toMatch(/^s1\./);
    const again = new TestClient(g.baseUrl, g.wsUrl);
    again.guest = c.guest;
    again.bootstrap = c.bootstrap;
    again.intentSeq = c.intentSeq; // the same character: its intentSeq goes on
    await again.open(t.body.ticket);
    again.send({ type: 'hello', protocolVersion: '1.0.0' });
    await again.waitForType('event.state_delta', (m) => m.full);
    expect(again.messages('event.degraded')).toEqual([expect.objectContaining({ dependency: 'redis', status: 'degraded' })]); // told at connect
    expect(await c.waitClose()).toMatchObject({ code: 4409 }); // the older socket was replaced
    const reused = new TestClient(g.baseUrl, g.wsUrl);
    await reused.open(t.body.ticket);
    expect(await reused.waitClose()).toMatchObject({ code: 4401 });
    const forged = new TestClient(g.baseUrl, g.wsUrl);
    await forged.open(t.body.ticket.replace(/.$/, (ch: string) => (ch === 'A' ? 'B' : 'A')));
    expect(await forged.waitClose()).toMatchObject({ code: 4401 });

    relay.restore();
    await eventually('the gateway to report ok once Redis is back', async () => (await api<HealthResponse>(g.baseUrl, 'GET', '/api/health')).body.status === 'ok', 15_000);
    expect((await again.move(again.freeDirection())).status).toBe('applied');
    expect(g.app.output).toMatch(/limiting in process/);
    await again.close();
  });

  it('leaks no token, ticket or password into any log', () => {
    expect(ledger.secrets.size).toBeGreaterThan(5);
    expect(ledger.leaks(outputsOf(system, extras))).toEqual([]);
  });
});
