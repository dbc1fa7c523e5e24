import { Connection, type ConnectionOptions } from './connection';
import { bootResponse, FakeApi, FakeClock, FakeSocket, flush, httpError, MemoryStorage, networkDown } from '../test/fakes';
import { applied, delta, full, handshake, ME, moved, OTHER } from '../test/fixtures';

function setup(extra: Partial<ConnectionOptions> = {}) {
  const clock = new FakeClock();
  const api = new FakeApi();
  const sockets: FakeSocket[] = [];
  const storage = new MemoryStorage();
  const conn = new Connection({
    api,
    token: 'tok',
    socketFactory: (url, h) => {
      const s = new FakeSocket(url, h);
      sockets.push(s);
      return s;
    },
    wsUrl: (path, ticket) => `ws://test${path}?ticket=${ticket}`,
    clock,
    random: () => 0.5, // no jitter: delays are exactly 1 s, 2 s, 4 s …
    storage,
    ...extra,
  });
  const last = () => sockets[sockets.length - 1]!;
  /** Opens the latest socket and plays the server's side of a join. */
  const join = (seq = 10, resumed = false) => {
    last().open();
    last().receive(handshake(resumed));
    if (!resumed) last().receive(full(seq));
  };
  return { clock, api, sockets, storage, conn, last, join, status: () => conn.getView().status, game: () => conn.getView().game! };
}

describe('connection lifecycle', () => {
  it('bootstraps, opens the socket with the ticket, says hello and goes live', async () => {
    const t = setup();
    expect(t.status()).toEqual({ kind: 'connecting' });
    t.conn.start();
    await flush();
    expect(t.last().url).toBe('ws://test/ws?ticket=ticket-0');
    t.last().open();
    expect(t.last().sent).toEqual([{ type: 'hello', protocolVersion: '1.0.0', clientVersion: '1.0.0' }]);
    t.last().receive(handshake());
    t.last().receive(full(10));
    expect(t.status()).toEqual({ kind: 'live' });
    expect(t.game()).toMatchObject({ seq: 10, selfId: ME });
    expect(t.last().ofType('ping')).toHaveLength(1); // RTT from the start
  });

  it('reconnects with a fresh ticket, resumes from the last seq, and resends what was in flight with the same intentSeq', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.join();
    t.last().receive(delta(10, 11, [moved(OTHER, 4, 1)]));
    t.conn.send({ type: 'intent.move', payload: { direction: 'east' } });
    t.conn.send({ type: 'intent.chat', payload: { text: 'still there?', channel: 'world' } });
    const sent = t.last().sent.filter((m) => m.type.startsWith('intent.'));
    expect(sent).toHaveLength(2);

    t.last().drop(1006);
    expect(t.status()).toMatchObject({ kind: 'reconnecting', attempt: 1, retryAt: t.clock.t + 1000 });
    // While down, chat is queued; a move is not taken blind.
    expect(t.conn.send({ type: 'intent.chat', payload: { text: 'queued', channel: 'world' } })).toBe(true);
    expect(t.conn.send({ type: 'intent.move', payload: { direction: 'east' } })).toBe(false);

    await t.clock.advance(1000);
    expect(t.api.calls).toEqual(['bootstrap', 'ticket']);
    expect(t.last().url).toBe('ws://test/ws?ticket=ticket-1');
    t.last().open();
    expect(t.last().sent[0]).toEqual({ type: 'hello', protocolVersion: '1.0.0', clientVersion: '1.0.0', resume: { token: 'rt1', lastSeq: 11 } });
    t.join(11);
    const resent = t.last().sent.filter((m) => m.type.startsWith('intent.'));
    expect(resent.map((m) => 'intentSeq' in m && m.intentSeq)).toEqual([...sent.map((m) => 'intentSeq' in m && m.intentSeq), expect.any(Number)]);
    expect(resent[2]).toMatchObject({ type: 'intent.chat', payload: { text: 'queued' } });
    expect(t.status()).toEqual({ kind: 'live' });
  });

  it('backs off 1 s, 2 s, 4 s … up to 30 s while the server cannot be reached', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.join();
    t.api.failTicket = networkDown();
    t.last().drop(1006);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const s = t.status() as { retryAt: number };
      delays.push(s.retryAt - t.clock.t);
      await t.clock.advance(s.retryAt - t.clock.t);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(t.status()).toMatchObject({ kind: 'reconnecting', attempt: 8 });
    t.api.failTicket = null;
    t.conn.reconnectNow();
    await flush();
    t.join();
    expect(t.status()).toEqual({ kind: 'live' });
    expect(t.conn.getView().diag.reconnects).toBe(8);
  });

  it('falls back to polling the snapshot when the socket cannot be opened, and stops once live', async () => {
    const t = setup({ pollIntervalMs: 5000 });
    t.conn.start();
    await flush();
    t.last().drop(1006); // never opened
    await t.clock.advance(1000);
    t.last().drop(1006); // never opened, again
    expect(t.status()).toMatchObject({ kind: 'offline', attempt: 2 });
    await flush();
    expect(t.api.calls).toContain('snapshot -');
    expect(t.game()).toMatchObject({ seq: 10, worldId: 'w' });
    await t.clock.advance(1000);
    expect(t.api.calls.filter((c) => c === 'snapshot "10"')).toHaveLength(0);
    t.last().drop(1006);
    await t.clock.advance(5000);
    expect(t.api.calls).toContain('snapshot "10"'); // asked with the ETag: 304
    t.conn.refresh();
    await flush();
    const polls = t.api.calls.filter((c) => c.startsWith('snapshot')).length;
    await t.clock.advance(t.clock.pending.reduce((a, b) => Math.max(a, b), 0));
    t.join();
    expect(t.status()).toEqual({ kind: 'live' });
    await t.clock.advance(20000);
    expect(t.api.calls.filter((c) => c.startsWith('snapshot')).length).toBeLessThanOrEqual(polls + 1);
  });

  it('asks for a resync once on a gap', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.join();
    t.last().receive(delta(11, 12, []));
    t.last().receive(delta(12, 13, []));
    expect(t.last().ofType('resync')).toEqual([{ type: 'resync', lastSeq: 10 }]);
    await t.clock.advance(5000); // no snapshot came: ask again
    expect(t.last().ofType('resync')).toHaveLength(2);
    t.last().receive(full(13));
    expect(t.game().gap).toBeNull();
  });

  it('measures the round-trip time from ping and pong, and drops a socket that stops answering', async () => {
    const t = setup({ pingIntervalMs: 5000 });
    t.conn.start();
    await flush();
    t.join();
    const ping = t.last().ofType('ping')[0]!;
    t.clock.t += 42;
    t.last().receive({ type: 'pong', ts: ping.ts, serverTime: 0 });
    expect(t.conn.getView().diag.rttMs).toBe(42);
    await t.clock.advance(15000);
    expect(t.sockets[0]!.closed).toBe(true);
    expect(t.status()).toMatchObject({ kind: 'reconnecting', attempt: 1 });
  });

  it('keeps intentSeq increasing across a reload of the page', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.join();
    t.conn.send({ type: 'intent.chat', payload: { text: 'one', channel: 'world' } });
    const first = t.last().ofType('intent.chat')[0]!.intentSeq;
    t.last().receive(applied(first, 11));
    const again = setup({ storage: t.storage });
    again.conn.start();
    await flush();
    again.join();
    again.conn.send({ type: 'intent.chat', payload: { text: 'two', channel: 'world' } });
    expect(again.last().ofType('intent.chat')[0]!.intentSeq).toBe(first + 1);
  });
});

describe('connection endings', () => {
  it('shows update required on event.version_mismatch, and does not reconnect', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.last().open();
    t.last().receive({ type: 'event.version_mismatch', clientVersion: '1.0.0', serverVersion: '0.2.0', minClientVersion: '9.0.0', action: 'UPDATE_REQUIRED' });
    t.last().drop(4426, 'update required');
    expect(t.status()).toEqual({ kind: 'update_required', clientVersion: '1.0.0', minClientVersion: '9.0.0', serverVersion: '0.2.0' });
    await t.clock.advance(60000);
    expect(t.sockets).toHaveLength(1);
  });

  it('shows update required when bootstrap answers 426', async () => {
    const t = setup();
    t.api.failBootstrap = httpError(426, 'VERSION_MISMATCH', { minClientVersion: '9.0.0' });
    t.conn.start();
    await flush();
    expect(t.status()).toMatchObject({ kind: 'update_required', minClientVersion: '9.0.0' });
  });

  it('ends the session when replaced, but rides out a server shutdown', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.join();
    t.last().receive({ type: 'event.session_terminated', reason: 'shutdown' });
    t.last().drop(1001);
    expect(t.status()).toMatchObject({ kind: 'reconnecting' });
    await t.clock.advance(1000);
    t.join();
    t.last().receive({ type: 'event.session_terminated', reason: 'replaced' });
    t.last().drop(4409);
    expect(t.status()).toEqual({ kind: 'ended', reason: 'replaced' });
    await t.clock.advance(60000);
    expect(t.sockets).toHaveLength(2);
    t.conn.reconnectNow(); // "play here again"
    await flush();
    expect(t.sockets).toHaveLength(3);
  });

  it('asks to sign in again when the token is refused', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.join();
    t.api.failTicket = httpError(401, 'AUTH_TOKEN_EXPIRED');
    t.last().drop(1006);
    await t.clock.advance(1000);
    expect(t.status()).toEqual({ kind: 'ended', reason: 'signed_out' });
  });

  it('closes the socket and stops its timers when disposed', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.join();
    t.conn.dispose();
    expect(t.last().closed).toBe(true);
    await t.clock.advance(60000);
    expect(t.sockets).toHaveLength(1);
    expect(bootResponse().character.id).toBe(ME);
  });
});
