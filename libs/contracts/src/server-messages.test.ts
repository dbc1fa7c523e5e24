import { CHANGE_OPS, ChangeSchema, EventAckSchema, EventStateDeltaSchema, SERVER_MESSAGE_TYPES, ServerMessageSchema, isHandshakeAck, isIntentAck, makeError, ErrorCode } from './index';

const world = {
  id: 'w1',
  name: 'Meadow',
  width: 3,
  height: 2,
  seq: 5,
  tiles: ['...', '.#>'],
  portals: [{ x: 2, y: 1, toWorldId: 'w2', toX: 0, toY: 0 }],
};
const snapshot = { world, characters: [], items: [], chat: [] };
const delta = (extra: Record<string, unknown>) => ({
  type: 'event.state_delta',
  worldId: 'w1',
  seq: 5,
  prevSeq: 4,
  full: false,
  changes: [],
  ...extra,
});
const blocked = makeError(ErrorCode.MOVE_BLOCKED, 'wall');

describe('event.ack', () => {
  it('tells handshake acks from intent acks', () => {
    const handshake = ServerMessageSchema.parse({
      type: 'event.ack',
      ack: 'handshake',
      sessionId: 's',
      resumeToken: 'r',
      protocolVersion: '1.0.0',
      heartbeatIntervalMs: 10000,
      worldId: 'w1',
      resumed: true,
    });
    const intent = ServerMessageSchema.parse({ type: 'event.ack', intentSeq: 1, status: 'applied', seq: 9 });
    expect(isHandshakeAck(handshake)).toBe(true);
    expect(isIntentAck(handshake)).toBe(false);
    expect(isIntentAck(intent)).toBe(true);
    expect(isHandshakeAck(intent)).toBe(false);
  });

  it('refuses a handshake ack missing a field or with another ack kind', () => {
    expect(EventAckSchema.safeParse({ type: 'event.ack', ack: 'handshake', sessionId: 's' }).success).toBe(false);
    expect(EventAckSchema.safeParse({ type: 'event.ack', ack: 'other', intentSeq: 1, status: 'applied', seq: 1 }).success).toBe(false);
  });

  it.each([
    [{ status: 'applied', seq: 10 }, true],
    [{ status: 'applied' }, false],
    [{ status: 'rejected', error: blocked }, true],
    [{ status: 'rejected' }, false],
    [{ status: 'duplicate', seq: 10 }, true],
    [{ status: 'duplicate', originalStatus: 'applied', seq: 10 }, true],
    [{ status: 'duplicate', originalStatus: 'applied' }, false],
    [{ status: 'duplicate', originalStatus: 'rejected', error: blocked }, true],
    [{ status: 'duplicate', originalStatus: 'rejected' }, false],
    [{ status: 'applied', seq: 10, originalStatus: 'applied' }, false],
    [{ status: 'queued', seq: 10 }, false],
    [{ status: 'applied', seq: -1 }, false],
  ])('intent ack %p valid: %p', (fields, valid) => {
    expect(EventAckSchema.safeParse({ type: 'event.ack', intentSeq: 3, ...fields }).success).toBe(valid);
  });
});

describe('event.state_delta', () => {
  it('carries a snapshot exactly when full', () => {
    expect(EventStateDeltaSchema.safeParse(delta({ full: true, snapshot })).success).toBe(true);
    expect(EventStateDeltaSchema.safeParse(delta({ full: true })).success).toBe(false);
    expect(EventStateDeltaSchema.safeParse(delta({ full: false, snapshot })).success).toBe(false);
  });

  it('refuses a snapshot of another world', () => {
    expect(EventStateDeltaSchema.safeParse(delta({ worldId: 'w2', full: true, snapshot })).success).toBe(false);
  });

  it('refuses a map whose tiles do not match its size', () => {
    const bad = (w: object) => delta({ full: true, snapshot: { ...snapshot, world: { ...world, ...w } } });
    expect(EventStateDeltaSchema.safeParse(bad({ tiles: ['...'] })).success).toBe(false);
    expect(EventStateDeltaSchema.safeParse(bad({ tiles: ['...', '..'] })).success).toBe(false);
    expect(EventStateDeltaSchema.safeParse(bad({ portals: [{ x: 3, y: 0, toWorldId: 'w2', toX: 0, toY: 0 }] })).success).toBe(false);
    // unknown tile kinds are allowed: clients treat them as impassable
    expect(EventStateDeltaSchema.safeParse(bad({ tiles: ['.?.', '...'] })).success).toBe(true);
  });

  it('keeps at most 50 chat messages in a snapshot', () => {
    const msg = (i: number) => ({ id: `m${i}`, from: { id: 'c', name: 'n' }, text: 't', at: '2024-01-01T00:00:00Z' });
    const withChat = (n: number) => delta({ full: true, snapshot: { ...snapshot, chat: Array.from({ length: n }, (_, i) => msg(i)) } });
    expect(EventStateDeltaSchema.safeParse(withChat(50)).success).toBe(true);
    expect(EventStateDeltaSchema.safeParse(withChat(51)).success).toBe(false);
  });

  it('refuses unknown change ops and malformed changes', () => {
    expect(ChangeSchema.safeParse({ op: 'character.exploded', id: 'c1' }).success).toBe(false);
    expect(ChangeSchema.safeParse({ op: 'character.moved', id: 'c1', x: 1, y: 1, facing: 'up' }).success).toBe(false);
    expect(ChangeSchema.safeParse({ op: 'character.moved', id: 'c1', x: -1, y: 1, facing: 'north' }).success).toBe(false);
    expect(ChangeSchema.safeParse({ op: 'chat.message', message: { id: 'm', from: { id: 'c', name: 'n' }, text: 'x', at: 'yesterday' } }).success).toBe(false);
    expect(CHANGE_OPS).toHaveLength(9);
  });
});

describe('other server messages', () => {
  it.each([
    { type: 'event.degraded', dependency: 'mysql', status: 'degraded', message: '' },
    { type: 'event.degraded', dependency: 'redis', status: 'broken', message: '' },
    { type: 'event.session_terminated', reason: 'bored' },
    { type: 'event.version_mismatch', clientVersion: '0.1.0', serverVersion: '1.0.0', minClientVersion: '1.0.0', action: 'UPGRADE' },
    { type: 'event.error', intentSeq: 0, error: blocked },
    { type: 'event.error' },
    { type: 'pong', ts: 1 },
    { type: 'event.unknown' },
  ])('refuses %p', (message) => {
    expect(ServerMessageSchema.safeParse(message).success).toBe(false);
  });

  it('accepts every degraded status and termination reason', () => {
    for (const status of ['degraded', 'unavailable', 'recovered']) {
      for (const dependency of ['redis', 'postgres', 'nats']) {
        expect(ServerMessageSchema.safeParse({ type: 'event.degraded', dependency, status, message: 'm' }).success).toBe(true);
      }
    }
    for (const reason of ['idle_timeout', 'logout', 'replaced', 'shutdown']) {
      expect(ServerMessageSchema.safeParse({ type: 'event.session_terminated', reason }).success).toBe(true);
    }
    expect(ServerMessageSchema.safeParse({ type: 'event.error', error: blocked }).success).toBe(true);
  });

  it('lists the server message types', () => {
    expect(SERVER_MESSAGE_TYPES).toEqual(['event.ack', 'event.state_delta', 'event.error', 'event.degraded', 'event.version_mismatch', 'event.session_terminated', 'pong']);
  });
});
