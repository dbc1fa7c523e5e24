import WebSocket from 'ws';
import type { CharacterResponse, HealthResponse, RestError, SnapshotResponse, VersionResponse } from '@tilemud/contracts';
import { ErrorBodySchema, RestErrorSchema, ServerMessageSchema } from '@tilemud/contracts';
import { api, TestClient, joinPlayer } from '../support/client';
import { changeOf } from './identity-helpers';
import { TestSystem } from '../support/system';

/** Two players over real REST and WebSocket against the three apps running as processes. */
describe('the durable intent pipeline, end to end', () => {
  const system = new TestSystem();
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    await system.start();
    a = await joinPlayer(system);
    b = await joinPlayer(system);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await system.stop();
  });

  const client = () => new TestClient(system.baseUrl, system.wsUrl);

  /**
   * Walks north until a wall refuses the move (north from every spawn point of the lobby ends at
   * one), stepping aside round anyone in the way: in a full run the lobby may hold characters
   * earlier suites left there. Answers the wall's refusal, or whatever other refusal came.
   */
  async function intoTheWall(c: TestClient) {
    for (let i = 0; i < 90; i++) {
      const ack = await c.move('north');
      if (ack.status === 'applied') continue;
      if (ack.error?.code !== 'TILE_OCCUPIED') return ack;
      await c.move(i % 2 ? 'west' : 'east');
    }
    throw new Error('walked north 90 times without meeting a wall');
  }

  it('shows both players to each other', async () => {
    expect(b.snapshot!.snapshot.characters.map((c) => c.id)).toEqual(expect.arrayContaining([a.characterId, b.characterId]));
    const joined = await a.waitForType('event.state_delta', (m) => m.changes.some((c) => c.op === 'character.joined' && c.character.id === b.characterId));
    expect(changeOf(joined.changes, 'character.joined')?.character).toMatchObject({ id: b.characterId, worldId: 'lobby' });
    // every message either client got is valid by the contract's schemas
    for (const m of [...a.received, ...b.received]) expect(ServerMessageSchema.safeParse(m).success).toBe(true);
  });

  it('acks a move applied with the next seq, and the other player gets the delta with that seq', async () => {
    const before = b.lastSeq;
    const me = b.snapshot!.snapshot.characters.find((c) => c.id === a.characterId);
    const dir = me!.y < 10 ? 'south' : 'north';
    const ack = await a.move(dir);
    // The next seq of the world: others (characters of earlier suites leaving, going away) may have
    // taken one meanwhile, so it is the first seq past what b held, not necessarily before + 1.
    expect(ack).toEqual({ type: 'event.ack', intentSeq: a.intentSeq, status: 'applied', seq: expect.any(Number) as number });
    expect(ack.seq).toBeGreaterThan(before);
    const delta = await b.waitForType('event.state_delta', (m) => !m.full && m.seq >= ack.seq! && m.prevSeq < ack.seq!);
    expect(delta).toMatchObject({ worldId: 'lobby', full: false });
    expect(delta.changes).toContainEqual({ op: 'character.moved', id: a.characterId, x: me!.x, y: me!.y + (dir === 'south' ? 1 : -1), facing: dir });
    // b's chain has no hole: every frame it applied continued the one before.
    const frames = b.messages('event.state_delta').filter((m) => !m.full);
    frames.slice(1).forEach((f, i) => expect(f.prevSeq).toBe(frames[i]!.seq));
  });

  it('refuses a move into a wall with a domain code and changes nothing', async () => {
    const ack = await intoTheWall(a);
    expect(ack).toMatchObject({ status: 'rejected', error: { code: 'MOVE_INTO_WALL', category: 'domain', retryable: false } });
    expect(ack.seq).toBeUndefined();
    expect(ErrorBodySchema.safeParse(ack.error).success).toBe(true);
  });

  it('answers a resent intent as a duplicate with its original seq, changing nothing', async () => {
    const original = await a.move('south');
    expect(original.status).toBe('applied');
    const seqBefore = b.lastSeq;
    const from = a.received.length;
    a.send({ type: 'intent.move', intentSeq: original.intentSeq, payload: { direction: 'south' } });
    const dup = await a.waitForAck(original.intentSeq, 10_000, from);
    expect(dup).toEqual({ type: 'event.ack', intentSeq: original.intentSeq, status: 'duplicate', seq: original.seq, originalStatus: 'applied' });
    // the world did not move on: the next real intent takes the very next seq (a duplicate applied
    // again would have been committed before its answer came)
    const next = await a.move('north');
    expect(next.seq).toBe(Math.max(seqBefore, original.seq!) + 1);
  });

  it('answers a resent rejected intent with its original refusal', async () => {
    const ack = await intoTheWall(a);
    expect(ack.error?.code).toBe('MOVE_INTO_WALL');
    const from = a.received.length;
    a.send({ type: 'intent.move', intentSeq: ack.intentSeq, payload: { direction: 'north' } });
    const dup = await a.waitForAck(ack.intentSeq, 10_000, from);
    expect(dup).toMatchObject({ status: 'duplicate', originalStatus: 'rejected', error: { code: 'MOVE_INTO_WALL' } });
  });

  it('carries chat to the other player', async () => {
    const ack = await a.intent('intent.chat', { text: '  hello there  ', channel: 'world' });
    expect(ack.status).toBe('applied');
    const delta = await b.waitForType('event.state_delta', (m) => m.seq >= ack.seq! && m.changes.some((c) => c.op === 'chat.message'));
    const chat = changeOf(delta.changes, 'chat.message');
    expect(chat!.message).toMatchObject({ id: `${a.characterId}:${ack.intentSeq}`, from: { id: a.characterId, name: a.guest!.player.username }, text: 'hello there' });
  });

  it('answers ping with pong', async () => {
    a.send({ type: 'ping', ts: 42 });
    const pong = await a.waitForType('pong', (m) => m.ts === 42);
    expect(typeof pong.serverTime).toBe('number');
  });

  describe('bad input gets its typed answer and affects nothing else', () => {
    const expectError = async (c: TestClient, frame: string, code: string) => {
      const from = c.received.length;
      c.send(frame);
      const e = await c.waitForType('event.error', undefined, 5000, from);
      expect(e.error.code).toBe(code);
      expect(ErrorBodySchema.safeParse(e.error).success).toBe(true);
      return e;
    };

    it('invalid JSON, unknown type and failed schema: an event.error each, and the socket stays open', async () => {
      await expectError(a, '{nope', 'INVALID_JSON');
      await expectError(a, JSON.stringify({ type: 'intent.fly', intentSeq: 1 }), 'UNKNOWN_MESSAGE_TYPE');
      const e = await expectError(a, JSON.stringify({ type: 'intent.move', intentSeq: 999999, payload: { direction: 'up' } }), 'SCHEMA_VALIDATION_FAILED');
      expect(e.intentSeq).toBe(999999);
      await expectError(a, JSON.stringify({ type: 'intent.move', intentSeq: 0, payload: { direction: 'north' } }), 'SCHEMA_VALIDATION_FAILED');
      await expectError(a, JSON.stringify({ type: 'intent.chat', intentSeq: 5, payload: { text: '   ' } }), 'CHAT_EMPTY');
      expect(a.closed).toBeUndefined();
      expect((await a.move('east')).status).toMatch(/applied|rejected/);
    });

    it('a frame over 16 KiB closes that socket with 1009 and nobody else notices', async () => {
      const c = await client().join();
      c.send(JSON.stringify({ type: 'intent.chat', intentSeq: 1, payload: { text: 'x'.repeat(17 * 1024) } }));
      expect((await c.waitClose()).code).toBe(1009);
      a.send({ type: 'ping', ts: 7 });
      await a.waitForType('pong', (m) => m.ts === 7);
    });

    it('no hello within 5 s closes with 4400', async () => {
      const c = await (await client().signIn()).open();
      const closed = await c.waitClose(8000);
      expect(closed.code).toBe(4400);
      expect(c.messages('event.error')[0]?.error.code).toBe('HELLO_TIMEOUT');
    }, 15_000);

    it('a first message other than hello closes with 4400', async () => {
      const c = await (await client().signIn()).open();
      c.send({ type: 'ping', ts: 1 });
      expect((await c.waitClose()).code).toBe(4400);
      expect(c.messages('event.error')[0]?.error.code).toBe('HELLO_REQUIRED');
    });

    it('a bad ticket closes with 4401, and so does a used one', async () => {
      const bad = await (await client().signIn()).open('not-a-real-ticket-at-all');
      expect((await bad.waitClose()).code).toBe(4401);
      const used = await client().join();
      const again = new TestClient(system.baseUrl, system.wsUrl);
      again.bootstrap = used.bootstrap;
      await again.open(used.bootstrap!.ws.ticket);
      expect((await again.waitClose()).code).toBe(4401);
      await used.close();
    });

    it('an incompatible protocol version gets event.version_mismatch and 4426', async () => {
      const c = await (await client().signIn()).open();
      c.send({ type: 'hello', protocolVersion: '2.0.0' });
      const m = await c.waitFor((x) => x.type === 'event.version_mismatch');
      expect(m).toMatchObject({ action: 'UPDATE_REQUIRED', minClientVersion: '1.0.0' });
      expect((await c.waitClose()).code).toBe(4426);
    });

    it('a flood of invalid frames closes with 4429', async () => {
      const c = await client().join();
      for (let i = 0; i < 30; i++) c.send('garbage');
      expect((await c.waitClose()).code).toBe(4429);
    });

    it('REST: missing or tampered tokens 401, bad bodies 400, old clients 426, all in the error shape', async () => {
      const noToken = await api<RestError>(system.baseUrl, 'POST', '/api/session/bootstrap', { body: { clientVersion: '1.0.0' } });
      expect(noToken.status).toBe(401);
      expect(noToken.body.error.code).toBe('AUTH_INVALID_TOKEN');
      const tampered = await api<RestError>(system.baseUrl, 'POST', '/api/session/bootstrap', { token: a.guest!.accessToken.slice(0, -2) + 'xx', body: { clientVersion: '1.0.0' } });
      expect(tampered.status).toBe(401);
      const bad = await api<RestError>(system.baseUrl, 'POST', '/api/session/bootstrap', { token: a.guest!.accessToken, body: { clientVersion: 42 } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
      const notJson = await api<RestError>(system.baseUrl, 'POST', '/api/session/bootstrap', { token: a.guest!.accessToken, body: '{oops', headers: { 'content-type': 'application/json' } });
      expect(notJson.status).toBe(400);
      expect(notJson.body.error.code).toBe('INVALID_JSON');
      const old = await api<RestError>(system.baseUrl, 'POST', '/api/session/bootstrap', { token: a.guest!.accessToken, body: { clientVersion: '0.9.0' } });
      expect(old.status).toBe(426);
      expect(old.body.error).toMatchObject({ code: 'VERSION_MISMATCH', category: 'version' });
      const missing = await api<RestError>(system.baseUrl, 'GET', '/api/nothing-here');
      expect(missing.status).toBe(404);
      for (const r of [noToken, tampered, bad, notJson, old, missing]) expect(RestErrorSchema.safeParse(r.body).success).toBe(true);
    });
  });

  it('reports real health and the version', async () => {
    const h = await api<HealthResponse>(system.baseUrl, 'GET', '/api/health');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', dependencies: { postgres: { status: 'up' }, redis: { status: 'up' }, nats: { status: 'up' } } });
    const v = await api<VersionResponse>(system.baseUrl, 'GET', '/api/version');
    expect(v.body).toEqual({ serverVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) as string, protocolVersion: '1.0.0', minClientVersion: '1.0.0' });
  });

  it('serves the caller its own character and world snapshot, and refuses others', async () => {
    const own = await api<CharacterResponse>(system.baseUrl, 'GET', `/api/characters/${a.characterId}`, { token: a.guest!.accessToken });
    expect(own.status).toBe(200);
    expect(own.body.id).toBe(a.characterId);
    const other = await api(system.baseUrl, 'GET', `/api/characters/${b.characterId}`, { token: a.guest!.accessToken });
    expect(other.status).toBe(403);
    const snap = await api<SnapshotResponse>(system.baseUrl, 'GET', '/api/worlds/lobby/snapshot', { token: a.guest!.accessToken });
    expect(snap.status).toBe(200);
    const etag = snap.headers.get('etag')!;
    expect(etag).toBe(`"${snap.body.world.seq}"`);
    const again = await api(system.baseUrl, 'GET', '/api/worlds/lobby/snapshot', { token: a.guest!.accessToken, headers: { 'if-none-match': etag } });
    expect([200, 304]).toContain(again.status); // 200 only if the world moved on in between
    expect((await api(system.baseUrl, 'GET', '/api/worlds/nowhere/snapshot', { token: a.guest!.accessToken })).status).toBe(404);
  });

  it('removes a player who disconnects, for the others', async () => {
    const c = await client().join();
    await c.close();
    await b.waitForType('event.state_delta', (m) => m.changes.some((x) => x.op === 'character.left' && x.id === c.characterId));
  });

  it('keeps a closed socket from affecting the open ones', () => {
    expect(a.ws!.readyState).toBe(WebSocket.OPEN);
    expect(b.ws!.readyState).toBe(WebSocket.OPEN);
  });
});
