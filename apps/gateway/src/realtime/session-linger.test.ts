import { CloseCode, PROTOCOL_VERSION } from '@tilemud/contracts';
import { ClientSession } from './client-session';
import { FakeSocket, fakeBooks, fakeGateway } from './session-fakes';

const settle = async (rounds = 20) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};
/** Moves the (fake) clock on, running what falls due and the promises it settles. */
const elapse = (ms: number) => jest.advanceTimersByTimeAsync(ms);

const opened: ClientSession[] = [];

/** A gateway (its ports and books) whose resume window is `windowMs`, and a way to open sessions on it. */
function gateway(windowMs = 200) {
  const g = fakeGateway({ RESUME_WINDOW_MS: String(windowMs) });
  const books = fakeBooks<ClientSession>(g);
  const named = (name: string) => g.calls.filter((c) => c[0] === name);
  async function open(hello: Record<string, unknown> = {}, until: ClientSession['kind'] | null = 'playing') {
    const socket = new FakeSocket();
    const s = new ClientSession(socket, 'ticket:p1', g.ports, books);
    opened.push(s);
    s.start();
    await settle();
    s.frame(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, ...hello }));
    if (until) await settle();
    if (until) expect(s.kind).toBe(until);
    return { s, socket };
  }
  /** The client's socket drops (no close frame from the server). */
  const drop = (a: { s: ClientSession; socket: FakeSocket }) => {
    a.socket.isOpen = false;
    a.s.closed();
  };
  return { g, open, drop, named };
}

describe('ClientSession once its socket is gone', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] }));
  afterEach(() => {
    for (const s of opened.splice(0)) s.closed();
    jest.useRealTimers();
  });

  it('lingers for the resume window with its token, then its character leaves', async () => {
    const { g, open, drop, named } = gateway(100);
    const a = await open();
    const token = a.s.resumeToken;
    drop(a);
    expect(a.s.kind).toBe('lingering');
    expect(named('linger')).toEqual([['linger', token]]);
    expect(named('linger-books')).toEqual([['linger-books', a.s.id]]);
    expect(g.window.since(a.s.id)).toBeDefined();
    expect(named('leave')).toEqual([]);
    await elapse(150);
    await settle();
    expect(a.s.kind).toBe('ended');
    expect(named('leave')).toEqual([['leave', a.s.id, 'w1']]);
    expect(named('left')).toEqual([['left', a.s.id, true]]);
    expect(g.window.count).toBe(0);
  });

  it('is resumed within the window: the missed deltas are replayed, and the old session closes its books without a leave', async () => {
    const { g, open, drop, named } = gateway(10_000);
    const a = await open();
    const token = a.s.resumeToken;
    drop(a);
    const b = await open({ resume: { token, lastSeq: 3 } });
    expect(b.socket.sent[0]).toEqual(expect.objectContaining({ ack: 'handshake', resumed: true, sessionId: b.s.id }));
    expect(g.calls).toContainEqual(['metrics.resume', 'replay']);
    expect(a.s.kind).toBe('ended');
    expect(named('left')).toEqual([['left', a.s.id, true]]);
    expect(named('revoke')).toEqual([['revoke', token]]);
    expect(named('leave')).toEqual([]);
    expect(g.window.count).toBe(0);
  });

  it('after the window, a resume token is refused: a full snapshot instead', async () => {
    const { g, open, drop } = gateway(50);
    const a = await open();
    const token = a.s.resumeToken;
    drop(a);
    await elapse(80);
    await settle();
    await g.ports.tokens.revoke('p1', token ?? ''); // the token's TTL in Redis ends with the window
    const b = await open({ resume: { token, lastSeq: 3 } });
    expect(b.socket.sent[0]).toEqual(expect.objectContaining({ ack: 'handshake', resumed: false }));
    expect(g.calls).toContainEqual(['metrics.resume', 'refused']);
  });

  it('when replaced (4409), leaves the character to its successor: no linger, no leave', async () => {
    const { named, open } = gateway();
    const a = await open();
    const token = a.s.resumeToken;
    a.s.terminate('replaced', CloseCode.REPLACED);
    expect(a.socket.sent.at(-1)).toEqual({ type: 'event.session_terminated', reason: 'replaced' });
    expect(a.socket.closedWith).toEqual({ code: CloseCode.REPLACED, reason: 'replaced' });
    expect(a.s.kind).toBe('ended');
    expect(named('left')).toEqual([['left', a.s.id, false]]);
    expect(named('revoke')).toEqual([['revoke', token]]);
    expect(named('linger')).toEqual([]);
    await settle();
    expect(named('leave')).toEqual([]);
  });

  it('on logout (1000) leaves at once; on shutdown (1001) lingers', async () => {
    const { named, open } = gateway();
    const a = await open();
    a.s.terminate('logout', CloseCode.NORMAL);
    await settle();
    expect(a.socket.closedWith?.code).toBe(CloseCode.NORMAL);
    expect(named('leave')).toEqual([['leave', a.s.id, 'w1']]);
    const b = await open();
    b.s.terminate('shutdown', CloseCode.GOING_AWAY);
    expect(b.socket.closedWith?.code).toBe(CloseCode.GOING_AWAY);
    expect(b.s.kind).toBe('lingering');
  });

  it('a logout ends the window early: the character leaves and the token is spent', async () => {
    const { g, named, open, drop } = gateway(10_000);
    const a = await open();
    const token = a.s.resumeToken;
    drop(a);
    g.window.end(a.s.id, 'logout');
    await settle();
    expect(a.s.kind).toBe('ended');
    expect(named('revoke')).toEqual([['revoke', token]]);
    expect(named('leave')).toEqual([['leave', a.s.id, 'w1']]);
  });

  it('a socket gone while entering: the character is taken out again once in', async () => {
    const { g, named, open } = gateway();
    g.state.enterDelayMs = 30;
    const a = await open({}, null);
    await settle();
    expect(a.s.kind).toBe('joining');
    a.s.closed();
    await elapse(50);
    await settle();
    expect(a.s.kind).toBe('ended');
    expect(named('leave')).toEqual([['leave', a.s.id, 'w1']]);
    expect(named('linger')).toEqual([]);
  });

  it('a portal crossed as the socket dropped: the leave waits for it and goes to the new world', async () => {
    const { g, named, open, drop } = gateway(20);
    g.state.arrivalDelayMs = 60;
    const a = await open();
    g.acks.get(a.s.id)?.({ sessionId: a.s.id, characterId: 'char-p1', worldId: 'w1', intentSeq: 1, status: 'applied', seq: 6, handover: { toWorldId: 'w2' } });
    drop(a);
    await elapse(40);
    expect(named('leave')).toEqual([]); // the window is over, the crossing has not landed
    await elapse(40);
    await settle();
    expect(named('leave')).toEqual([['leave', a.s.id, 'w2']]);
  });
});
