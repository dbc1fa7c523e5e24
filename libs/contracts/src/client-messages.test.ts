import {
  ACTION_KINDS,
  CHAT_MAX_LENGTH,
  CLIENT_MESSAGE_TYPES,
  ClientMessageSchema,
  HelloSchema,
  INTENT_TYPES,
  IntentActionSchema,
  IntentChatSchema,
  IntentMoveSchema,
  IntentSchema,
  PingSchema,
  ResyncSchema,
  isClientMessageType,
  isIntentType,
} from './index';

const move = (intentSeq: unknown, direction: unknown = 'north') => ({
  type: 'intent.move',
  intentSeq,
  payload: { direction },
});
const chat = (text: unknown, extra: Record<string, unknown> = {}) => ({
  type: 'intent.chat',
  intentSeq: 1,
  payload: { text, ...extra },
});

describe('intentSeq', () => {
  it.each([0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, '7', null, undefined, Number.NaN, Infinity])('refuses %p', (seq) => {
    expect(IntentMoveSchema.safeParse(move(seq)).success).toBe(false);
    expect(ClientMessageSchema.safeParse(move(seq)).success).toBe(false);
  });

  it.each([1, 2, Number.MAX_SAFE_INTEGER])('accepts %p', (seq) => {
    expect(IntentMoveSchema.parse(move(seq)).intentSeq).toBe(seq);
  });
});

describe('intent.move', () => {
  it.each(['north', 'south', 'east', 'west'])('accepts %s', (direction) => {
    expect(IntentMoveSchema.parse(move(1, direction)).payload.direction).toBe(direction);
  });

  it.each(['up', 'North', 'northeast', '', 1])('refuses direction %p', (direction) => {
    expect(ClientMessageSchema.safeParse(move(1, direction)).success).toBe(false);
  });

  it('refuses a missing payload', () => {
    expect(IntentMoveSchema.safeParse({ type: 'intent.move', intentSeq: 1 }).success).toBe(false);
  });

  it('strips unknown fields instead of refusing them', () => {
    const parsed = IntentMoveSchema.parse({ ...move(3), extra: true, payload: { direction: 'east', run: true } });
    expect(parsed).toEqual({ type: 'intent.move', intentSeq: 3, payload: { direction: 'east' } });
  });
});

describe('intent.chat', () => {
  it('trims the text and defaults the channel to world', () => {
    expect(IntentChatSchema.parse(chat('  hello  '))).toEqual({
      type: 'intent.chat',
      intentSeq: 1,
      payload: { text: 'hello', channel: 'world' },
    });
  });

  it.each(['', ' ', '     ', '\n\t '])('refuses blank text %p', (text) => {
    expect(ClientMessageSchema.safeParse(chat(text)).success).toBe(false);
  });

  it('accepts 280 characters and refuses 281', () => {
    expect(IntentChatSchema.safeParse(chat('a'.repeat(CHAT_MAX_LENGTH))).success).toBe(true);
    expect(IntentChatSchema.safeParse(chat('a'.repeat(281))).success).toBe(false);
    expect(IntentChatSchema.safeParse(chat(` ${'a'.repeat(280)} `)).success).toBe(true);
  });

  it('counts an emoji as one character', () => {
    expect(IntentChatSchema.safeParse(chat('😀'.repeat(280))).success).toBe(true);
    expect(IntentChatSchema.safeParse(chat('😀'.repeat(281))).success).toBe(false);
  });

  it('refuses an unknown channel and a non-string text', () => {
    expect(IntentChatSchema.safeParse(chat('hi', { channel: 'guild' })).success).toBe(false);
    expect(IntentChatSchema.safeParse(chat(42)).success).toBe(false);
  });
});

describe('intent.action', () => {
  const action = (payload: unknown) => ({ type: 'intent.action', intentSeq: 4, payload });

  it.each([
    { action: 'pickup', itemId: 'i1' },
    { action: 'drop', itemId: 'i1' },
    { action: 'give', itemId: 'i1', toCharacterId: 'c2' },
    { action: 'emote', emote: 'wave' },
  ])('accepts %p', (payload) => {
    expect(IntentActionSchema.parse(action(payload)).payload).toEqual(payload);
  });

  it.each([{ action: 'fly' }, { itemId: 'i1' }, { action: 'give', itemId: 'i1' }, { action: 'pickup' }, { action: 'pickup', itemId: '' }, { action: 'emote', emote: '' }])('refuses %p', (payload) => {
    expect(ClientMessageSchema.safeParse(action(payload)).success).toBe(false);
  });

  it('lists every action kind', () => {
    expect([...ACTION_KINDS].sort()).toEqual(['drop', 'emote', 'give', 'pickup']);
  });
});

describe('hello, ping, resync', () => {
  it('accepts hello without resume and with a client version', () => {
    expect(HelloSchema.parse({ type: 'hello', protocolVersion: '1.0.0', clientVersion: '1.3.0' })).toEqual({
      type: 'hello',
      protocolVersion: '1.0.0',
      clientVersion: '1.3.0',
    });
  });

  it('refuses hello without protocolVersion or with a broken resume', () => {
    expect(HelloSchema.safeParse({ type: 'hello' }).success).toBe(false);
    expect(HelloSchema.safeParse({ type: 'hello', protocolVersion: '1.0.0', resume: { token: 't' } }).success).toBe(false);
    expect(HelloSchema.safeParse({ type: 'hello', protocolVersion: '1.0.0', resume: { token: 't', lastSeq: -1 } }).success).toBe(false);
  });

  it('needs a numeric ping ts and a non-negative integer resync lastSeq', () => {
    expect(PingSchema.safeParse({ type: 'ping', ts: '1' }).success).toBe(false);
    expect(ResyncSchema.safeParse({ type: 'resync', lastSeq: 0 }).success).toBe(true);
    expect(ResyncSchema.safeParse({ type: 'resync', lastSeq: 1.5 }).success).toBe(false);
  });
});

describe('ClientMessageSchema', () => {
  it.each([{ type: 'intent.teleport', intentSeq: 1, payload: {} }, { type: 'pong', ts: 1, serverTime: 1 }, {}, { type: 7 }])('refuses unknown or missing type %p', (frame) => {
    expect(ClientMessageSchema.safeParse(frame).success).toBe(false);
  });

  it('lists the client message and intent types', () => {
    expect(CLIENT_MESSAGE_TYPES).toEqual(['hello', 'intent.move', 'intent.chat', 'intent.action', 'ping', 'resync']);
    expect(INTENT_TYPES).toEqual(['intent.move', 'intent.chat', 'intent.action']);
    expect(isIntentType('intent.chat')).toBe(true);
    expect(isIntentType('ping')).toBe(false);
    expect(isClientMessageType('resync')).toBe(true);
    expect(isClientMessageType('event.ack')).toBe(false);
  });

  it('IntentSchema takes intents only', () => {
    expect(IntentSchema.safeParse(move(1)).success).toBe(true);
    expect(IntentSchema.safeParse({ type: 'ping', ts: 1 }).success).toBe(false);
  });
});

describe('traceparent (optional W3C trace context on hello and intents)', () => {
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  it('is accepted on hello and on every intent, and absent is fine', () => {
    expect(HelloSchema.parse({ type: 'hello', protocolVersion: '1.0.0', traceparent: tp }).traceparent).toBe(tp);
    expect(IntentMoveSchema.parse({ ...move(1), traceparent: tp }).traceparent).toBe(tp);
    expect(IntentChatSchema.parse({ type: 'intent.chat', intentSeq: 1, payload: { text: 'hi' }, traceparent: tp }).traceparent).toBe(tp);
    expect(IntentMoveSchema.parse(move(1))).not.toHaveProperty('traceparent');
  });
  it.each(['', 'x', tp.toUpperCase(), tp.replace(/^00/, 'ff'), `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `${tp}-x`, 7])('refuses %p', (bad) => {
    expect(IntentMoveSchema.safeParse({ ...move(1), traceparent: bad }).success).toBe(false);
    expect(HelloSchema.safeParse({ type: 'hello', protocolVersion: '1.0.0', traceparent: bad }).success).toBe(false);
  });
});
