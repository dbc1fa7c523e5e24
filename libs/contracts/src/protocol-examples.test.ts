// Every example of the wire contract (docs: protocol.md), parsed with its schema.
// Placeholders of the contract ("…", bare field names) are filled in with values.
import {
  AuthResponseSchema,
  BootstrapRequestSchema,
  BootstrapResponseSchema,
  CharacterResponseSchema,
  ClientMessageSchema,
  ErrorBodySchema,
  EventAckSchema,
  EventDegradedSchema,
  EventErrorSchema,
  EventSessionTerminatedSchema,
  EventStateDeltaSchema,
  EventVersionMismatchSchema,
  HandshakeAckSchema,
  HealthResponseSchema,
  HelloSchema,
  IntentAckSchema,
  IntentActionSchema,
  IntentChatSchema,
  IntentMoveSchema,
  LoginRequestSchema,
  PingSchema,
  PongSchema,
  RegisterRequestSchema,
  RestErrorSchema,
  ResyncSchema,
  ServerMessageSchema,
  SnapshotResponseSchema,
  TicketResponseSchema,
  VersionResponseSchema,
} from './index';
import type { z } from 'zod';

const character = { id: 'c1', name: 'Ada', worldId: 'w1', x: 1, y: 0, facing: 'north', inventory: [{ id: 'i1', kind: 'apple' }] };
const world = { id: 'w1', name: 'Meadow', width: 4, height: 3, seq: 1042 };
const snapshot = {
  world: { ...world, tiles: ['#..#', '#.>~', '####'], portals: [{ x: 2, y: 1, toWorldId: 'w2', toX: 0, toY: 0 }] },
  characters: [character],
  items: [{ id: 'i2', kind: 'sword', x: 2, y: 0 }],
  chat: [{ id: 'm1', from: { id: 'c1', name: 'Ada' }, text: 'hi', at: '2024-11-22T01:53:00.000Z' }],
};
const rateLimited = {
  code: 'RATE_LIMITED',
  category: 'rate_limited',
  message: 'chat: 5 messages per 10 s',
  retryable: true,
  retryAfterMs: 1800,
  details: {},
};

const examples: Array<[string, z.ZodType, unknown]> = [
  ['error body', ErrorBodySchema, rateLimited],
  ['REST error', RestErrorSchema, { error: rateLimited }],
  ['register request', RegisterRequestSchema, { username: 'ada_99', password: 'correct horse' }],
  ['login request', LoginRequestSchema, { username: 'ada_99', password: 'correct horse' }],
  ['auth response', AuthResponseSchema, { accessToken: 'eyJ…', tokenType: 'Bearer', expiresIn: 3600, player: { id: 'p1', username: 'ada_99' } }],
  ['bootstrap request', BootstrapRequestSchema, { clientVersion: '1.0.0' }],
  [
    'bootstrap response',
    BootstrapResponseSchema,
    {
      serverVersion: '0.1.0',
      protocolVersion: '1.0.0',
      player: { id: 'p1', username: 'ada_99' },
      character,
      world,
      ws: { path: '/ws', ticket: 't-123', expiresIn: 90 },
    },
  ],
  ['ticket response', TicketResponseSchema, { ticket: 't-456', expiresIn: 90 }],
  [
    'health response',
    HealthResponseSchema,
    {
      status: 'degraded',
      serverVersion: '0.1.0',
      dependencies: {
        postgres: { status: 'up', latencyMs: 1.5 },
        redis: { status: 'down', latencyMs: 2000 },
        nats: { status: 'up', latencyMs: 0 },
      },
    },
  ],
  ['version response', VersionResponseSchema, { serverVersion: '0.1.0', protocolVersion: '1.0.0', minClientVersion: '1.0.0' }],
  ['snapshot response', SnapshotResponseSchema, snapshot],
  ['character response', CharacterResponseSchema, character],
  ['hello', HelloSchema, { type: 'hello', protocolVersion: '1.0.0', resume: { token: '…', lastSeq: 120 } }],
  ['intent.move', IntentMoveSchema, { type: 'intent.move', intentSeq: 7, payload: { direction: 'north' } }],
  ['intent.chat', IntentChatSchema, { type: 'intent.chat', intentSeq: 8, payload: { text: 'hello', channel: 'world' } }],
  ['intent.action', IntentActionSchema, { type: 'intent.action', intentSeq: 9, payload: { action: 'give', itemId: '…', toCharacterId: '…' } }],
  ['ping', PingSchema, { type: 'ping', ts: 1732240000000 }],
  ['resync', ResyncSchema, { type: 'resync', lastSeq: 1040 }],
  ['event.version_mismatch', EventVersionMismatchSchema, { type: 'event.version_mismatch', clientVersion: '0.9.0', serverVersion: '0.1.0', minClientVersion: '1.0.0', action: 'UPDATE_REQUIRED' }],
  [
    'handshake ack',
    HandshakeAckSchema,
    {
      type: 'event.ack',
      ack: 'handshake',
      sessionId: 's1',
      resumeToken: 'r1',
      protocolVersion: '1.0.0',
      heartbeatIntervalMs: 15000,
      worldId: 'w1',
      resumed: false,
    },
  ],
  ['intent ack', IntentAckSchema, { type: 'event.ack', intentSeq: 7, status: 'applied', seq: 1042 }],
  ['rejected intent ack', EventAckSchema, { type: 'event.ack', intentSeq: 8, status: 'rejected', error: { code: 'MOVE_BLOCKED', category: 'domain', message: 'wall', retryable: false } }],
  ['duplicate intent ack', EventAckSchema, { type: 'event.ack', intentSeq: 7, status: 'duplicate', seq: 1042 }],
  [
    'delta',
    EventStateDeltaSchema,
    {
      type: 'event.state_delta',
      worldId: 'w1',
      seq: 1043,
      prevSeq: 1042,
      full: false,
      changes: [
        { op: 'character.joined', character },
        { op: 'character.moved', id: 'c1', x: 1, y: 1, facing: 'south' },
        { op: 'character.left', id: 'c2' },
        { op: 'chat.message', message: { id: 'm2', from: { id: 'c1', name: 'Ada' }, text: 'hello', at: '2024-11-22T01:53:01Z' } },
        { op: 'item.placed', item: { id: 'i1', kind: 'apple', x: 1, y: 1 } },
        { op: 'item.removed', itemId: 'i2' },
        { op: 'inventory.changed', characterId: 'c1', inventory: [] },
        { op: 'emote', characterId: 'c1', emote: 'wave' },
      ],
    },
  ],
  ['full delta', EventStateDeltaSchema, { type: 'event.state_delta', worldId: 'w1', seq: 1042, prevSeq: 1041, full: true, changes: [], snapshot }],
  ['event.error', EventErrorSchema, { type: 'event.error', intentSeq: 8, error: rateLimited }],
  ['event.degraded', EventDegradedSchema, { type: 'event.degraded', dependency: 'redis', status: 'degraded', message: 'redis down' }],
  ['event.session_terminated', EventSessionTerminatedSchema, { type: 'event.session_terminated', reason: 'idle_timeout' }],
  ['pong', PongSchema, { type: 'pong', ts: 1732240000000, serverTime: 1732240000012 }],
];

describe('contract examples', () => {
  it.each(examples)('%s parses unchanged', (_name, schema, example) => {
    const result = schema.safeParse(example);
    expect(result.error?.issues).toBeUndefined();
    expect(result.data).toEqual(example);
  });

  it.each(examples.filter(([, , e]) => typeof e === 'object' && e !== null && 'type' in e))('%s parses with its direction-wide union', (_name, _schema, example) => {
    const type = (example as { type: string }).type;
    const union = type.startsWith('event.') || type === 'pong' ? ServerMessageSchema : ClientMessageSchema;
    expect(union.safeParse(example).success).toBe(true);
    const other = union === ServerMessageSchema ? ClientMessageSchema : ServerMessageSchema;
    expect(other.safeParse(example).success).toBe(false);
  });
});
