import {
  BootstrapRequestSchema,
  ClientMessageSchema,
  decodeClientMessage,
  ErrorCode,
  findIllFormed,
  findIllFormedDeep,
  IdSchema,
  LoginRequestSchema,
  stripBidiControls,
  RegisterRequestSchema,
  wellFormedString,
} from './index';

// Written as escapes on purpose: these are the strings JSON.parse makes of `"\ud800"` and friends.
const LONE_HIGH = '\ud800';
const LONE_LOW = '\udc00';
const NUL = '\u0000';

describe('findIllFormed', () => {
  it.each([
    ['hi \ud800', 3, 'U+D800', 'lone_surrogate'],
    ['\udc00 hi', 0, 'U+DC00', 'lone_surrogate'],
    ['\udc00\ud800', 0, 'U+DC00', 'lone_surrogate'], // the wrong order is not a pair
    ['ab\ud83d', 2, 'U+D83D', 'lone_surrogate'], // a high surrogate cut off at the end
    ['a\u0000b', 1, 'U+0000', 'nul'],
    ['bell\u0007', 4, 'U+0007', 'control'],
    ['del\u007f', 3, 'U+007F', 'control'],
    ['esc\u001b[31m', 3, 'U+001B', 'control'],
  ])('finds %j at %i (%s, %s)', (s, index, codePoint, reason) => {
    expect(findIllFormed(s)).toEqual({ index, codePoint, reason });
  });

  it.each(['', 'hello', 'héllo wörld', '😀 emoji pairs', '中文', 'a\u00a0b', '\ufeffbom', 'x'.repeat(1000)])('accepts %j', (s) => {
    expect(findIllFormed(s)).toBeUndefined();
    expect(findIllFormed(s, 'text')).toBeUndefined();
  });

  it('allows tab and line breaks in text, not in a line', () => {
    for (const s of ['a\tb', 'a\nb', 'a\r\nb']) {
      expect(findIllFormed(s, 'text')).toBeUndefined();
      expect(findIllFormed(s, 'line')).toMatchObject({ reason: 'control' });
    }
  });

  it('refuses C1 controls in a line but lets them through in text (they store fine)', () => {
    expect(findIllFormed('a\u0085', 'line')).toMatchObject({ reason: 'control', codePoint: 'U+0085' });
    expect(findIllFormed('a\u0085', 'text')).toBeUndefined();
  });

  it('refuses NUL and lone surrogates in text too', () => {
    expect(findIllFormed(`a${NUL}`, 'text')).toMatchObject({ reason: 'nul' });
    expect(findIllFormed(`a${LONE_HIGH}`, 'text')).toMatchObject({ reason: 'lone_surrogate' });
  });
});

describe('findIllFormedDeep', () => {
  it('finds a bad string anywhere, keys included, with its path', () => {
    expect(findIllFormedDeep({ a: [1, 'ok', { b: `x${NUL}` }] })).toMatchObject({ path: 'a.2.b', reason: 'nul' });
    expect(findIllFormedDeep({ a: { [`k${LONE_LOW}`]: 1 } })).toMatchObject({ path: 'a.(key)', reason: 'lone_surrogate' });
    expect(findIllFormedDeep({ a: [1, true, null, 'fine\nline'], b: 2 })).toBeUndefined();
  });
});

describe('wellFormedString', () => {
  it('puts the refusal first and stops the length checks', () => {
    const r = wellFormedString('line').min(5).safeParse(NUL);
    expect(r.success).toBe(false);
    expect(r.error!.issues).toHaveLength(1);
    expect(r.error!.issues[0]!.message).toBe('contains a NUL character (U+0000) at index 0');
  });

  it('keeps the chained checks for well-formed strings', () => {
    expect(IdSchema.safeParse('').success).toBe(false);
    expect(IdSchema.safeParse('x'.repeat(129)).success).toBe(false);
    expect(IdSchema.safeParse('item-1').success).toBe(true);
  });
});

describe('every string a client sends is checked', () => {
  const poisons = [LONE_HIGH, LONE_LOW, NUL];
  const frames = (p: string) => [
    { type: 'intent.chat', intentSeq: 1, payload: { text: `hi ${p}` } },
    { type: 'intent.action', intentSeq: 1, payload: { action: 'pickup', itemId: `item${p}` } },
    { type: 'intent.action', intentSeq: 1, payload: { action: 'drop', itemId: `item${p}` } },
    { type: 'intent.action', intentSeq: 1, payload: { action: 'give', itemId: 'i1', toCharacterId: `c${p}` } },
    { type: 'intent.action', intentSeq: 1, payload: { action: 'emote', emote: `wave${p}` } },
    { type: 'hello', protocolVersion: `1.0.0${p}` },
    { type: 'hello', protocolVersion: '1.0.0', clientVersion: `1.0.0${p}` },
    { type: 'hello', protocolVersion: '1.0.0', resume: { token: `tok${p}`, lastSeq: 0 } },
  ];

  it.each(poisons)('refuses %j in every client message field', (p) => {
    for (const f of frames(p)) {
      const r = ClientMessageSchema.safeParse(f);
      expect(r.success).toBe(false);
    }
  });

  it.each(poisons)('decodes a frame holding %j to SCHEMA_VALIDATION_FAILED, even in chat text', (p) => {
    for (const f of frames(p)) {
      const result = decodeClientMessage(JSON.stringify(f));
      if (result.ok) throw new Error(`accepted ${JSON.stringify(f)}`);
      expect(result.error).toMatchObject({ code: ErrorCode.SCHEMA_VALIDATION_FAILED, category: 'validation', retryable: false });
      expect(result.error.message).toMatch(/U\+(D800|DC00|0000)/);
    }
  });

  it('decodes a raw frame with the escape written out (as a hostile client sends it)', () => {
    const result = decodeClientMessage('{"type":"intent.chat","intentSeq":3,"payload":{"text":"hi \\ud800"}}');
    expect(result).toMatchObject({ ok: false, intentSeq: 3, error: { code: 'SCHEMA_VALIDATION_FAILED', details: { issues: [{ path: 'payload.text' }] } } });
  });

  it('still accepts chat with emoji and line breaks', () => {
    expect(decodeClientMessage(JSON.stringify({ type: 'intent.chat', intentSeq: 1, payload: { text: 'hi 😀\nthere' } }))).toMatchObject({ ok: true });
  });

  it.each(poisons)('refuses %j in REST bodies', (p) => {
    expect(RegisterRequestSchema.safeParse({ username: `abc${p}`, password: 'long enough' }).success).toBe(false);
    expect(RegisterRequestSchema.safeParse({ username: 'abcd', password: `long enough${p}` }).success).toBe(false);
    expect(LoginRequestSchema.safeParse({ username: `abc${p}`, password: 'x' }).success).toBe(false);
    expect(BootstrapRequestSchema.safeParse({ clientVersion: `1.0.0${p}` }).success).toBe(false);
  });
});

describe('bidirectional controls', () => {
  const ALL = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];

  it.each(ALL.map((c) => [`U+${c.charCodeAt(0).toString(16).toUpperCase()}`, c]))('removes %s', (_name, c) => {
    expect(stripBidiControls(`a${c}b${c}`)).toBe('ab');
  });

  it('keeps right-to-left letters, emoji, line breaks and neighbouring format characters', () => {
    const kept = 'שלום مرحبا 😀\n\u200D\u200B\u2060\u202F';
    expect(stripBidiControls(kept)).toBe(kept);
  });

  it('takes them out of chat at the door: "evil" arrives as written, and only-controls is empty', () => {
    const sent = decodeClientMessage(JSON.stringify({ type: 'intent.chat', intentSeq: 1, payload: { text: ' \u202Eevil\u202C ' } }));
    expect(sent).toMatchObject({ ok: true, message: { payload: { text: 'evil' } } });
    const empty = decodeClientMessage(JSON.stringify({ type: 'intent.chat', intentSeq: 2, payload: { text: '\u202E\u2066' } }));
    expect(empty).toMatchObject({ ok: false, intentSeq: 2, error: { code: ErrorCode.CHAT_EMPTY } });
  });
});
