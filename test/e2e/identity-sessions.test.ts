import Redis from 'ioredis';
import type { AuthResponse, ServerMessage } from '@tilemud/contracts';
import { api, sleep, TestClient } from '../support/client';
import { TestSystem } from '../support/system';
import { changeOf, clientWithToken, expectAllValid, expectRestError, ExtraGateway, guest, joinAs, ledger, outputsOf, register, ticketFor, uniqueName } from './identity-helpers';
import { eventually } from '../support/eventually';

const leftOf = (id: string) => (m: ServerMessage) => m.type === 'event.state_delta' && m.changes.some((c) => c.op === 'character.left' && c.id === id);

/** Tickets, one live session per player across gateways, logout, idle, capacity, shutdown and presence. */
describe('identity: sessions', () => {
  // Short presence heartbeats, so a crashed gateway's sessions expire within a second or two.
  const env = { LOG_LEVEL: 'debug', PRESENCE_INTERVAL_MS: '300' };
  const system = new TestSystem(env);
  const second = new ExtraGateway(env);
  const extras: ExtraGateway[] = [second];
  let observer: TestClient;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });

  beforeAll(async () => {
    await system.start();
    await second.start();
    observer = await joinAs(await guest(system.baseUrl, system.wsUrl));
  }, 60_000);

  afterAll(async () => {
    await observer?.close();
    for (const g of extras) await g.app.stop();
    await system.stop();
    redis.disconnect();
  });

  const extra = async (e: Record<string, string>) => {
    const g = await new ExtraGateway({ ...env, ...e }).start();
    extras.push(g);
    return g;
  };

  it('refuses a reused ticket and an expired one (4401, AUTH_INVALID_TICKET)', async () => {
    const c = await joinAs(await guest(system.baseUrl, system.wsUrl));
    const again = new TestClient(system.baseUrl, system.wsUrl);
    await again.open(c.bootstrap!.ws.ticket);
    expect((await again.waitClose()).code).toBe(4401);
    expect(again.messages('event.error')[0]?.error).toMatchObject({ code: 'AUTH_INVALID_TICKET', category: 'auth' });
    await c.close();

    const shortLived = await extra({ TICKET_TTL_S: '1' });
    const late = await guest(shortLived.baseUrl, shortLived.wsUrl);
    expect(late.bootstrap!.ws.expiresIn).toBe(1);
    await sleep(1600); // the scenario: the 1 s ticket outlived
    await late.open();
    expect((await late.waitClose()).code).toBe(4401);
    expect(late.messages('event.error')[0]?.error.code).toBe('AUTH_INVALID_TICKET');
    expectAllValid(again, late);
  });

  it('a second connection replaces the first, on another gateway too (4409), and the new one plays on', async () => {
    const username = uniqueName('rep');
    const token = (await register(system.baseUrl, username, 'replace me please')).body.accessToken;
    const first = await joinAs(await clientWithToken(system.baseUrl, system.wsUrl, token));
    await observer.waitForType('event.state_delta', (m) => m.changes.some((c) => c.op === 'character.joined' && c.character.id === first.characterId));

    // same gateway
    const secondHere = new TestClient(system.baseUrl, system.wsUrl);
    secondHere.bootstrap = { ...first.bootstrap!, ws: { ...first.bootstrap!.ws, ticket: await ticketFor(system.baseUrl, token) } };
    await joinAs(secondHere);
    expect(await first.waitForType('event.session_terminated')).toEqual({ type: 'event.session_terminated', reason: 'replaced' });
    expect((await first.waitClose()).code).toBe(4409);

    // another gateway: the broadcast ends the one here
    const elsewhere = new TestClient(second.baseUrl, second.wsUrl);
    elsewhere.bootstrap = { ...first.bootstrap!, ws: { ...first.bootstrap!.ws, ticket: await ticketFor(second.baseUrl, token) } };
    await joinAs(elsewhere);
    expect((await secondHere.waitForType('event.session_terminated')).reason).toBe('replaced');
    expect((await secondHere.waitClose()).code).toBe(4409);

    const ack = await elsewhere.move(elsewhere.freeDirection());
    expect(ack.status).toBe('applied');
    await observer.waitForType('event.state_delta', (m) => m.seq >= ack.seq!);
    // the replaced sessions' leaves changed nothing: the character stayed in the world throughout
    await observer.barrier('any leave of the replaced sessions, seen');
    expect(observer.received.some(leftOf(first.characterId))).toBe(false);
    expect(elsewhere.closed).toBeUndefined();
    expectAllValid(first, secondHere, elsewhere);
    await elsewhere.close();
  });

  it('logout (204) ends the live socket wherever it is, with `logout`, and voids the token and older tickets', async () => {
    const token = (await register(system.baseUrl, uniqueName('out'), 'log me out now')).body.accessToken;
    const c = await joinAs(await clientWithToken(second.baseUrl, second.wsUrl, token));
    const spare = await ticketFor(system.baseUrl, token);
    const r = await api(system.baseUrl, 'POST', '/api/session/logout', { token });
    expect(r.status).toBe(204);
    expect(await c.waitForType('event.session_terminated')).toEqual({ type: 'event.session_terminated', reason: 'logout' });
    expect((await c.waitClose()).code).toBe(1000);
    await observer.waitFor(leftOf(c.characterId));
    expectRestError(await api(system.baseUrl, 'POST', '/api/session/ticket', { token }), 401, 'AUTH_INVALID_TOKEN');
    expectRestError(await api(system.baseUrl, 'POST', '/api/session/logout', { token }), 401, 'AUTH_INVALID_TOKEN');
    const stale = new TestClient(system.baseUrl, system.wsUrl);
    await stale.open(spare);
    expect((await stale.waitClose()).code).toBe(4401);
    expectRestError(await api(system.baseUrl, 'POST', '/api/session/logout', {}), 401, 'AUTH_INVALID_TOKEN');
  });

  it('ends a session with no intent for IDLE_TIMEOUT_MS (idle_timeout, 4408); pings do not count, intents do', async () => {
    const idleGw = await extra({ IDLE_TIMEOUT_MS: '1500' });
    const idle = await joinAs(await guest(idleGw.baseUrl, idleGw.wsUrl));
    const started = Date.now();
    const busy = await joinAs(await guest(idleGw.baseUrl, idleGw.wsUrl));
    const pinger = setInterval(() => idle.send({ type: 'ping', ts: Date.now() }), 200);
    const mover = setInterval(() => busy.send({ type: 'intent.move', intentSeq: ++busy.intentSeq, payload: { direction: busy.intentSeq % 2 ? 'north' : 'south' } }), 400);
    try {
      expect(await idle.waitForType('event.session_terminated', undefined, 5000)).toEqual({ type: 'event.session_terminated', reason: 'idle_timeout' });
      expect((await idle.waitClose()).code).toBe(4408);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      await sleep(1000); // the scenario: the busy one outlives the idle timeout by another second
      expect(busy.closed).toBeUndefined();
    } finally {
      clearInterval(pinger);
      clearInterval(mover);
    }
    expectAllValid(idle, busy);
    await busy.close();
  });

  it('holds MAX_SESSIONS per gateway: bootstrap 503 CAPACITY_EXCEEDED, a socket 4503; ends them all with 1001 on shutdown', async () => {
    const small = await extra({ MAX_SESSIONS: '2' });
    const a = await joinAs(await guest(small.baseUrl, small.wsUrl));
    const b = await joinAs(await guest(small.baseUrl, small.wsUrl));
    const g = await api<AuthResponse>(small.baseUrl, 'POST', '/api/auth/guest');
    ledger.add(g.body.accessToken);
    const refused = await api(small.baseUrl, 'POST', '/api/session/bootstrap', { token: g.body.accessToken, body: { clientVersion: '1.0.0' } });
    expect(expectRestError(refused, 503, 'CAPACITY_EXCEEDED').category).toBe('capacity');
    const late = new TestClient(small.baseUrl, small.wsUrl);
    await late.open(await ticketFor(small.baseUrl, g.body.accessToken));
    expect((await late.waitClose()).code).toBe(4503);
    expect(late.messages('event.error')[0]?.error).toMatchObject({ code: 'CAPACITY_EXCEEDED', category: 'capacity' });
    expectAllValid(late);

    await small.app.stop();
    for (const c of [a, b]) {
      expect(c.messages('event.session_terminated')).toEqual([{ type: 'event.session_terminated', reason: 'shutdown' }]);
      expect((await c.waitClose()).code).toBe(1001);
    }
    // the shutting-down gateway saw its players leave the world
    await observer.waitFor(leftOf(a.characterId));
    await observer.waitFor(leftOf(b.characterId));
  });

  it("drops a crashed gateway's sessions from presence, and the others see them leave", async () => {
    const doomed = await extra({});
    const c = await joinAs(await guest(doomed.baseUrl, doomed.wsUrl));
    await observer.waitForType('event.state_delta', (m) => m.changes.some((x) => x.op === 'character.joined' && x.character.id === c.characterId));
    const key = `${process.env.REDIS_PREFIX}:presence:${c.handshake!.worldId}`;
    const listed = async () => (await redis.zrange(key, 0, -1)).map((m) => JSON.parse(m) as { characterId: string; sessionId: string; name: string }).filter((e) => e.characterId === c.characterId);
    await eventually('a presence heartbeat to list the character', async () => (await listed()).length > 0, 10_000);
    expect(await listed()).toEqual([{ characterId: c.characterId, sessionId: c.handshake!.sessionId, name: c.bootstrap!.player.username }]);
    await doomed.app.kill();
    const killedAt = Date.now();
    await observer.waitFor(leftOf(c.characterId), 8000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(600); // not before 3 heartbeats were missed
    expect(await listed()).toEqual([]);
    // Whichever gateway still running reaped it (each wakes at the earliest deadline).
    expect([system.apps.gateway, ...extras.map((g) => g.app)].map((a) => a.output).join('')).toMatch(/presence expired/);
  });

  it("acts only for the session's own character, whatever characterId a frame names", async () => {
    const a = await joinAs(await guest(system.baseUrl, system.wsUrl));
    const b = await joinAs(await guest(system.baseUrl, system.wsUrl));
    const bBefore = { ...b.characters.get(b.characterId)! };
    const from = a.received.length;
    const dir = a.freeDirection();
    // Not a frame of the contract (it names a character): sent as raw text.
    a.send(JSON.stringify({ type: 'intent.move', intentSeq: ++a.intentSeq, characterId: b.characterId, payload: { direction: dir, characterId: b.characterId } }));
    const ack = await a.waitForAck(a.intentSeq, 10_000, from);
    expect(ack.status).toBe('applied');
    const delta = await b.waitForType('event.state_delta', (m) => m.seq >= ack.seq! && m.changes.some((c) => c.op === 'character.moved'));
    expect(delta.changes.filter((c) => c.op === 'character.moved').map((c) => c.id)).toEqual([a.characterId]);

    const chat = await a.intent('intent.chat', { text: 'who am I', channel: 'world', characterId: b.characterId, from: { id: b.characterId } });
    const said = await b.waitForType('event.state_delta', (m) => m.seq >= chat.seq! && m.changes.some((c) => c.op === 'chat.message'));
    expect(changeOf(said.changes, 'chat.message')?.message.from.id).toBe(a.characterId);

    const emote = await a.intent('intent.action', { action: 'emote', emote: 'wave', characterId: b.characterId });
    expect(emote.status).toBe('applied');
    const shown = await b.waitForType('event.state_delta', (m) => m.seq >= emote.seq! && m.changes.some((c) => c.op === 'emote'));
    expect(changeOf(shown.changes, 'emote')?.characterId).toBe(a.characterId);

    await b.barrier('the emote moved nobody');
    expect(b.characters.get(b.characterId)).toMatchObject({ x: bBefore.x, y: bBefore.y });
    expectAllValid(a, b);
    await a.close();
    await b.close();
  });

  it('leaks no token, ticket or password into any log', () => {
    expect(ledger.secrets.size).toBeGreaterThan(10);
    expect(ledger.leaks(outputsOf(system, extras))).toEqual([]);
  });
});
