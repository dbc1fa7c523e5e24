import { setupConnection as setup } from '../test/connection-harness';
import { bootResponse, flush, httpError } from '../test/fakes';
import { ME } from '../test/fixtures';

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
