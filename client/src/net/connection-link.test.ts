import { HttpError } from '../api/http';
import { setupConnection as setup } from '../test/connection-harness';
import { flush } from '../test/fakes';
import { applied } from '../test/fixtures';

describe('connection: a stalled link and a full server', () => {
  it('shows a move unanswered for 1.5 s as unstable at once, and clears when the ack comes', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.join();
    t.last().receive({ type: 'pong', ts: t.clock.t, serverTime: 0 }); // the first ping answered
    t.conn.send({ type: 'intent.move', payload: { direction: 'east' } });
    await t.clock.advance(1250);
    expect(t.conn.getView().link).toEqual({ state: 'ok' });
    await t.clock.advance(250);
    expect(t.conn.getView().link).toMatchObject({ state: 'unstable', unacked: 1, pingOverdue: false });
    expect(t.status()).toEqual({ kind: 'live' }); // still open: the heartbeat decides when to give up
    const seq = t.last().ofType('intent.move')[0]!.intentSeq;
    t.last().receive(applied(seq, 11));
    expect(t.conn.getView().link).toEqual({ state: 'ok' });
  });

  it('shows a missed pong as unstable without any intent on the wire', async () => {
    const t = setup({ pingIntervalMs: 5000 });
    t.conn.start();
    await flush();
    t.join();
    t.last().receive({ type: 'pong', ts: t.clock.t, serverTime: 0 });
    await t.clock.advance(5000); // next ping goes out, and is never answered
    expect(t.conn.getView().link).toEqual({ state: 'ok' });
    await t.clock.advance(1500);
    expect(t.conn.getView().link).toMatchObject({ state: 'unstable', unacked: 0, pingOverdue: true });
    t.last().receive({ type: 'pong', ts: t.clock.t - 1500, serverTime: 0 });
    expect(t.conn.getView().link).toEqual({ state: 'ok' });
  });

  it('waits as long as a full server asks at bootstrap, and says it is full', async () => {
    const t = setup();
    t.api.failBootstrap = new HttpError(503, { code: 'CAPACITY_EXCEEDED', category: 'unavailable', message: 'full', retryable: true, retryAfterMs: 7000 });
    t.conn.start();
    await flush();
    expect(t.status()).toEqual({ kind: 'reconnecting', attempt: 1, retryAt: t.clock.t + 7000, reason: 'the server is full', capacity: true });
  });

  it('takes close 4503 "at capacity" as a full server, with the backoff delay', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.last().open();
    t.last().receive({ type: 'event.error', error: { code: 'CAPACITY_EXCEEDED', category: 'unavailable', message: 'this server is full', retryable: true } });
    t.last().drop(4503, 'at capacity');
    expect(t.status()).toEqual({ kind: 'reconnecting', attempt: 1, retryAt: t.clock.t + 1000, reason: 'the server is full', capacity: true });
  });
});
