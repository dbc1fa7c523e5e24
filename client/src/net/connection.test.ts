import { setupConnection as setup } from '../test/connection-harness';
import { flush, networkDown } from '../test/fakes';
import { applied, delta, full, handshake, ME, moved, OTHER } from '../test/fixtures';

describe('connection lifecycle', () => {
  it('bootstraps, opens the socket with the ticket, says hello and goes live', async () => {
    const t = setup();
    expect(t.status()).toEqual({ kind: 'connecting' });
    t.conn.start();
    await flush();
    expect(t.last().url).toBe('ws://test/ws?ticket=ticket-0');
    t.last().open();
    expect(t.last().sent).toEqual([{ type: 'hello', protocolVersion: '1.0.0', clientVersion: '1.0.0', traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/) as string }]);
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
    expect(t.last().sent[0]).toEqual({
      type: 'hello',
      protocolVersion: '1.0.0',
      clientVersion: '1.0.0',
      resume: { token: 'rt1', lastSeq: 11 },
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/) as string,
    });
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

  it('sends a rate-limited chat message again when the limit allows, and a stale one under a new intentSeq', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.join();
    t.conn.send({ type: 'intent.chat', payload: { text: 'wait for it', channel: 'world' } });
    const first = t.last().ofType('intent.chat')[0]!;
    t.last().receive({ type: 'event.error', intentSeq: first.intentSeq, error: { code: 'RATE_LIMITED', category: 'rate_limited', message: 'chat', retryable: true, retryAfterMs: 1800 } });
    await t.clock.advance(1700);
    expect(t.last().ofType('intent.chat')).toHaveLength(1);
    await t.clock.advance(100);
    expect(t.last().ofType('intent.chat')).toEqual([first, first]); // same intentSeq, as the server asks
    t.last().receive({
      type: 'event.ack',
      intentSeq: first.intentSeq,
      status: 'duplicate',
      originalStatus: 'rejected',
      error: { code: 'INTENT_SEQ_STALE', category: 'conflict', message: 'stale', retryable: false },
    });
    const third = t.last().ofType('intent.chat')[2]!;
    // The same chat renumbered: it keeps its W3C traceparent, so its retries show in one trace.
    expect(third).toEqual({ ...first, intentSeq: first.intentSeq + 1 });
    expect(first.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    t.last().receive(applied(third.intentSeq, 11));
    t.last().receive(delta(10, 11, [{ op: 'chat.message', message: { id: 'm1', from: { id: ME, name: 'Me' }, text: 'wait for it', at: '2025-01-01T00:00:00Z' } }]));
    expect(t.game().pending).toEqual([]);
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
