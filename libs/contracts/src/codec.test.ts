import { ErrorCode, decodeClientMessage, decodeServerMessage } from './index';

const frame = (value: unknown) => JSON.stringify(value);

describe('decodeClientMessage', () => {
  it('returns the parsed message', () => {
    expect(decodeClientMessage(frame({ type: 'intent.chat', intentSeq: 2, payload: { text: ' hi ' } }))).toEqual({
      ok: true,
      message: { type: 'intent.chat', intentSeq: 2, payload: { text: 'hi', channel: 'world' } },
    });
  });

  it.each([
    ['{not json', ErrorCode.INVALID_JSON, undefined],
    ['[]', ErrorCode.SCHEMA_VALIDATION_FAILED, undefined],
    [frame({ intentSeq: 3 }), ErrorCode.SCHEMA_VALIDATION_FAILED, undefined],
    [frame({ type: 'intent.teleport', intentSeq: 4 }), ErrorCode.UNKNOWN_MESSAGE_TYPE, 4],
    [frame({ type: 'intent.move', intentSeq: 5, payload: { direction: 'up' } }), ErrorCode.SCHEMA_VALIDATION_FAILED, 5],
    [frame({ type: 'intent.move', intentSeq: 0, payload: { direction: 'up' } }), ErrorCode.SCHEMA_VALIDATION_FAILED, undefined],
    [frame({ type: 'intent.chat', intentSeq: 6, payload: { text: '   ' } }), ErrorCode.CHAT_EMPTY, 6],
    [frame({ type: 'intent.chat', intentSeq: 7, payload: { text: 'x'.repeat(281) } }), ErrorCode.CHAT_TOO_LONG, 7],
    [frame({ type: 'intent.chat', intentSeq: 8, payload: { text: 5 } }), ErrorCode.SCHEMA_VALIDATION_FAILED, 8],
    [frame({ type: 'intent.action', intentSeq: 9, payload: { action: 'fly' } }), ErrorCode.UNKNOWN_ACTION, 9],
    [frame({ type: 'intent.action', intentSeq: 10, payload: { action: 'give', itemId: 'i' } }), ErrorCode.SCHEMA_VALIDATION_FAILED, 10],
  ])('%s → %s', (text, code, intentSeq) => {
    const result = decodeClientMessage(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.category).toBe('validation');
    expect(result.error.retryable).toBe(false);
    expect(result.intentSeq).toBe(intentSeq);
  });

  it('reports where a frame failed its schema', () => {
    const result = decodeClientMessage(frame({ type: 'intent.move', intentSeq: 1, payload: { direction: 'up' } }));
    if (result.ok) throw new Error('expected a failure');
    expect(result.error.details).toEqual({ issues: [expect.objectContaining({ path: 'payload.direction' })] });
    expect(result.error.message).toContain('payload.direction');
  });
});

describe('decodeServerMessage', () => {
  it('parses a known message', () => {
    expect(decodeServerMessage(frame({ type: 'pong', ts: 1, serverTime: 2 }))).toEqual({
      ok: true,
      message: { type: 'pong', ts: 1, serverTime: 2 },
    });
  });

  it('tells unknown types, invalid JSON and invalid messages apart', () => {
    expect(decodeServerMessage('nope')).toEqual({ ok: false, reason: 'invalid_json' });
    expect(decodeServerMessage(frame({ type: 'event.future' }))).toEqual({ ok: false, reason: 'unknown_type', type: 'event.future' });
    expect(decodeServerMessage(frame({ ts: 1 }))).toEqual({ ok: false, reason: 'invalid' });
    expect(decodeServerMessage(frame({ type: 'pong', ts: 1 }))).toMatchObject({
      ok: false,
      reason: 'invalid',
      type: 'pong',
      issues: [{ path: 'serverTime' }],
    });
  });
});
