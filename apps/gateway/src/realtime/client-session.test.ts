import { CloseCode, ErrorCode, makeError, PROTOCOL_VERSION } from '@tilemud/contracts';
import { ClientSession } from './client-session';
import { Call, FakeSocket, fakeBooks, fakeGateway } from './session-fakes';

const hello = (extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, ...extra });
const move = (intentSeq: number) => JSON.stringify({ type: 'intent.move', intentSeq, payload: { direction: 'north' } });
/** Lets every pending promise and zero-delay step run. */
const settle = async (rounds = 20) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

/** Every session a test opened: its socket goes at the end (its timers with it). */
const opened: ClientSession[] = [];

function connect(env: Record<string, string> = {}, ticket: string | null = 'ticket:p1', g = fakeGateway(env)) {
  const socket = new FakeSocket();
  const s = new ClientSession(socket, ticket, g.ports, fakeBooks(g));
  opened.push(s);
  s.start();
  return { g, s, socket, named: (name: string) => g.calls.filter((c: Call) => c[0] === name) };
}

async function playing(env: Record<string, string> = {}) {
  const c = connect(env);
  await settle();
  c.s.frame(hello());
  await settle();
  expect(c.s.kind).toBe('playing');
  return c;
}

describe('ClientSession', () => {
  afterEach(() => {
    for (const s of opened.splice(0)) s.closed();
    jest.useRealTimers();
  });

  it('ends a socket that says no hello in time with 4400', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const { s, socket } = connect();
    await settle();
    expect(s.kind).toBe('awaiting_hello');
    jest.advanceTimersByTime(5000);
    expect(s.kind).toBe('ended');
    expect(socket.closedWith?.code).toBe(CloseCode.HELLO_REQUIRED);
    expect(socket.sent).toEqual([expect.objectContaining({ type: 'event.error', error: expect.objectContaining({ code: 'HELLO_TIMEOUT' }) as object })]);
  });

  it('refuses a bad ticket with 4401', async () => {
    const { s, socket } = connect({}, 'nonsense');
    await settle();
    expect(s.kind).toBe('ended');
    expect(socket.closedWith?.code).toBe(CloseCode.BAD_TICKET);
    expect(socket.sent[0]).toEqual(expect.objectContaining({ type: 'event.error' }));
  });

  it('closes with 4400 when the first frame is not hello', async () => {
    const { s, socket } = connect();
    await settle();
    s.frame(move(1));
    await settle();
    expect(s.kind).toBe('ended');
    expect(socket.closedWith?.code).toBe(CloseCode.HELLO_REQUIRED);
  });

  it('goes ticket → hello → joining → playing: handshake ack, then the full state, then live deltas', async () => {
    const { s, socket, g } = connect();
    expect(s.kind).toBe('connecting');
    await settle();
    expect(s.kind).toBe('awaiting_hello');
    s.frame(hello());
    await settle();
    expect(s.kind).toBe('playing');
    expect(socket.types()).toEqual(['handshake', 'event.state_delta']);
    expect(socket.sent[0]).toEqual(expect.objectContaining({ sessionId: s.id, worldId: 'w1', resumed: false, resumeToken: s.resumeToken }));
    expect(g.calls.map((c) => c[0]).filter((n) => ['authenticated', 'hello', 'enter', 'watch', 'entered'].includes(String(n)))).toEqual(['authenticated', 'hello', 'enter', 'watch', 'entered']);
    expect(s.liveSince).toBeGreaterThan(0);
    g.publish('w1', 5, 6);
    g.publish('w1', 4, 5); // already in the state it was sent
    expect(socket.sent.slice(2)).toEqual([expect.objectContaining({ type: 'event.state_delta', prevSeq: 5, seq: 6, full: false })]);
  });

  it('relays intents in the order sent, stamped with its own world, even when one is slow', async () => {
    const { s, g, named } = await playing();
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    g.state.relayDelayMs.push(30, 0, 0);
    for (const n of [1, 2, 3]) s.frame(move(n));
    await settle();
    expect(named('relay')).toEqual([]); // the first is still on its way: the others wait their turn
    await jest.advanceTimersByTimeAsync(30);
    await settle();
    expect(named('relay')).toEqual([1, 2, 3].map((n) => ['relay', s.id, 'move', n, 'w1']));
  });

  it("passes the sequencer's acks on, and follows a portal hand-over to the new world", async () => {
    const { s, socket, g, named } = await playing();
    g.acks.get(s.id)?.({ sessionId: s.id, characterId: 'char-p1', worldId: 'w1', intentSeq: 4, status: 'applied', seq: 8, handover: { toWorldId: 'w2' } });
    await settle();
    expect(socket.sent).toContainEqual({ type: 'event.ack', intentSeq: 4, status: 'applied', seq: 8 });
    expect(s.worldId).toBe('w2');
    expect(named('watch').map((c) => c[1])).toEqual(['w1', 'w2']);
    expect(socket.sent.at(-1)).toEqual(expect.objectContaining({ type: 'event.state_delta', worldId: 'w2', seq: 9, full: true }));
  });

  it('answers a bad frame with an error and 4429 once they are too many', async () => {
    const { s, socket } = await playing({ MAX_INVALID_FRAMES: '2' });
    for (let i = 0; i < 3; i++) s.frame('not json');
    await settle();
    expect(socket.sent.filter((m) => m.type === 'event.error')).toHaveLength(3);
    expect(socket.closedWith?.code).toBe(CloseCode.TOO_MANY_INVALID);
    expect(s.kind).toBe('lingering'); // shed for what the client did: it may come back
  });

  it('refuses an outdated client with event.version_mismatch and 4426', async () => {
    const { s, socket, named } = connect();
    await settle();
    s.frame(hello({ protocolVersion: '0.1.0' }));
    await settle();
    expect(socket.types()).toEqual(['event.version_mismatch']);
    expect(socket.closedWith?.code).toBe(CloseCode.VERSION_MISMATCH);
    expect(s.kind).toBe('ended');
    expect(named('enter')).toEqual([]);
  });

  it('refuses to join while a dependency is down (4503), before spending a resume token', async () => {
    const { s, socket, g, named } = connect();
    g.state.refusal = makeError(ErrorCode.UNAVAILABLE, 'PostgreSQL is down');
    await settle();
    s.frame(hello({ resume: { token: 'token-1', lastSeq: 3 } }));
    await settle();
    expect(socket.closedWith?.code).toBe(CloseCode.UNAVAILABLE);
    expect(named('enter')).toEqual([]);
  });

  it('closes an idle session with 4408 and takes its character out at once', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const { s, socket, named } = await playing({ IDLE_TIMEOUT_MS: '500' });
    await jest.advanceTimersByTimeAsync(500);
    await settle();
    expect(socket.sent.at(-1)).toEqual({ type: 'event.session_terminated', reason: 'idle_timeout' });
    expect(socket.closedWith?.code).toBe(CloseCode.IDLE_TIMEOUT);
    expect(s.kind).toBe('ended');
    expect(named('leave')).toEqual([['leave', s.id, 'w1']]);
  });

  it('reads nothing more once ended', async () => {
    const { s, socket, named } = await playing();
    s.terminate('logout', CloseCode.NORMAL);
    expect(socket.closedWith?.code).toBe(CloseCode.NORMAL);
    const written = socket.sent.length;
    s.frame(move(1));
    s.frame('not json');
    await settle();
    expect(named('relay')).toEqual([]);
    expect(socket.sent).toHaveLength(written);
    s.terminate('replaced', CloseCode.REPLACED); // a second end changes nothing
    expect(socket.closedWith?.code).toBe(CloseCode.NORMAL);
  });
});
