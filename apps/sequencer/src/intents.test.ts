import { isMultiStep, resendAnswer, screen, toCommand, unstorable } from './intents';

const CHARACTER = '6f1c2a3e-8d4b-4b7a-9c1e-2f3a4b5c6d7e';
const player = (intent: unknown, extra: Record<string, unknown> = {}) => ({
  kind: 'player',
  worldId: 'lobby',
  characterId: CHARACTER,
  intentSeq: 7,
  intent,
  gatewayId: 'gw-1',
  sessionId: 's-1',
  receivedAt: 1,
  ...extra,
});
const chat = (text: string) => ({ type: 'chat', text, channel: 'world' });

describe('screen: what the sequencer takes from the intents stream', () => {
  it('admits a well-formed intent', () => {
    expect(screen(player(chat('hello 😀')))).toMatchObject({ ok: true, env: { intentSeq: 7 } });
  });

  it.each([
    ['a lone surrogate in chat text', player(chat('hi \ud800')), 'intent.text', 'U+D800'],
    ['NUL in an emote', player({ type: 'action', payload: { action: 'emote', emote: 'wave\u0000' } }), 'intent.payload.emote', 'U+0000'],
    ['a lone low surrogate in an item id', player({ type: 'action', payload: { action: 'pickup', itemId: '\udc00' } }), 'intent.payload.itemId', 'U+DC00'],
    ['NUL in a payload key', player({ type: 'action', payload: { action: 'pickup', 'item\u0000': 'x' } }), 'intent.payload.(key)', 'U+0000'],
  ])('refuses alone, for good, %s', (_what, envelope, path, codePoint) => {
    const s = screen(envelope);
    expect(s).toMatchObject({
      ok: false,
      env: { characterId: CHARACTER, intentSeq: 7, gatewayId: 'gw-1' },
      error: { code: 'SCHEMA_VALIDATION_FAILED', category: 'validation', retryable: false, details: { path, codePoint } },
    });
  });

  it('terminates what cannot be answered: a poisoned address, a poisoned hand-over, a malformed envelope', () => {
    expect(screen(player(chat('hi \ud800'), { gatewayId: 'gw\u0000' }))).toEqual({ ok: false, why: expect.stringContaining('unanswerable') as string });
    expect(screen(player(chat('ok'), { sessionId: 's\udc00' }))).toEqual({ ok: false, why: expect.stringContaining('unanswerable') as string });
    expect(screen({ kind: 'player', worldId: 'lobby' })).toEqual({ ok: false, why: expect.stringContaining('not an intent envelope') as string });
    expect(screen('nope')).toMatchObject({ ok: false, why: expect.any(String) as string });
  });

  it('refuses an intent the log would not store as VALIDATION_FAILED, never retryable', () => {
    expect(unstorable('22P05')).toEqual({
      code: 'VALIDATION_FAILED',
      category: 'validation',
      message: expect.any(String) as string,
      retryable: false,
      details: { cause: 'LOG_REFUSED', sqlstate: '22P05' },
    });
  });
});

describe('toCommand: what the log may store', () => {
  it('removes bidirectional controls from chat text and names, whoever put the envelope on the bus', () => {
    const env = (o: Record<string, unknown>) => screen(o);
    const c = env(player(chat('\u202Eevil\u2066 \u200Fok\u061C')));
    if (!c.ok) throw new Error('refused');
    expect(toCommand(c.env, 'T')).toMatchObject({ type: 'chat', text: 'evil ok' });
    const e = env({ kind: 'system', op: 'enter', worldId: 'lobby', characterId: CHARACTER, name: 'bob\u202Eyb', sessionId: 's-1', home: true, gatewayId: 'gw-1', requestId: 'r-1' });
    if (!e.ok) throw new Error(`refused ${JSON.stringify(e)}`);
    expect(toCommand(e.env, 'T')).toMatchObject({ type: 'enter', name: 'bobyb' });
  });
});

describe('resendAnswer: a resend gets its original outcome', () => {
  it('applied: duplicate with the original seq (and the world it went to)', () => {
    expect(resendAnswer({ status: 'applied', seq: 9, handover: { toWorldId: 'there' } })).toEqual({ status: 'duplicate', seq: 9, originalStatus: 'applied', handover: { toWorldId: 'there' } });
  });

  it('rejected: duplicate with the original error, never retryable; unknown: stale', () => {
    expect(resendAnswer({ status: 'rejected', code: 'VALIDATION_FAILED', message: 'm', details: { cause: 'LOG_REFUSED' } })).toEqual({
      status: 'duplicate',
      originalStatus: 'rejected',
      error: { code: 'VALIDATION_FAILED', category: 'validation', message: 'm', retryable: false, details: { cause: 'LOG_REFUSED' } },
    });
    expect(resendAnswer(undefined)).toMatchObject({ status: 'duplicate', originalStatus: 'rejected', error: { code: 'INTENT_SEQ_STALE', category: 'conflict' } });
  });
});

describe('isMultiStep: as the action registry says', () => {
  it('a give is, a pickup or a move is not', () => {
    const env = (intent: unknown) => {
      const s = screen(player(intent));
      if (!s.ok) throw new Error('refused');
      return s.env;
    };
    expect(isMultiStep(env({ type: 'action', payload: { action: 'give', itemId: 'k', toCharacterId: 'b' } }))).toBe(true);
    expect(isMultiStep(env({ type: 'action', payload: { action: 'pickup', itemId: 'k' } }))).toBe(false);
    expect(isMultiStep(env({ type: 'move', direction: 'east' }))).toBe(false);
  });
});
