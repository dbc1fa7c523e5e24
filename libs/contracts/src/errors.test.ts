import {
  CloseCode,
  ERROR_CATEGORIES,
  ERROR_CODES,
  ERROR_CODE_INFO,
  ErrorBodySchema,
  ErrorCode,
  HELLO_TIMEOUT_MS,
  MAX_FRAME_BYTES,
  RestErrorSchema,
  httpStatusFor,
  isErrorCode,
  makeError,
} from './index';

describe('ErrorCode', () => {
  it('maps every code to itself, in UPPER_SNAKE, with a category and an HTTP status', () => {
    expect(ERROR_CODES.length).toBe(Object.keys(ErrorCode).length);
    for (const [key, value] of Object.entries(ErrorCode)) {
      expect(value).toBe(key);
      expect(value).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(ERROR_CATEGORIES).toContain(ERROR_CODE_INFO[value].category);
      expect(ERROR_CODE_INFO[value].httpStatus).toBeGreaterThanOrEqual(400);
      expect(ERROR_CODE_INFO[value].httpStatus).toBeLessThan(600);
    }
  });

  it('gives the contract statuses and categories', () => {
    expect(ERROR_CODE_INFO.USERNAME_TAKEN).toEqual({ category: 'conflict', httpStatus: 409 });
    expect(ERROR_CODE_INFO.INVALID_CREDENTIALS).toEqual({ category: 'auth', httpStatus: 401 });
    expect(ERROR_CODE_INFO.AUTH_TOKEN_EXPIRED).toEqual({ category: 'auth', httpStatus: 401 });
    expect(ERROR_CODE_INFO.VERSION_MISMATCH).toEqual({ category: 'version', httpStatus: 426 });
    expect(ERROR_CODE_INFO.CAPACITY_EXCEEDED).toEqual({ category: 'capacity', httpStatus: 503 });
    expect(ERROR_CODE_INFO.FORBIDDEN).toEqual({ category: 'forbidden', httpStatus: 403 });
    expect(ERROR_CODE_INFO.RATE_LIMITED).toEqual({ category: 'rate_limited', httpStatus: 429 });
    expect(ERROR_CODE_INFO.UNSUPPORTED_MEDIA_TYPE).toEqual({ category: 'validation', httpStatus: 415 });
    expect(httpStatusFor(ErrorCode.NOT_FOUND)).toBe(404);
    expect(httpStatusFor(ErrorCode.VALIDATION_FAILED)).toBe(400);
    expect(httpStatusFor(ErrorCode.INTERNAL)).toBe(500);
    for (const code of ['MOVE_BLOCKED', 'ITEM_NOT_FOUND', 'NOT_ADJACENT', 'INVENTORY_FULL', 'ACTION_ATOMIC_ROLLBACK'] as const) {
      expect(ERROR_CODE_INFO[code].category).toBe('domain');
    }
  });

  it('recognises known codes only', () => {
    expect(isErrorCode('MOVE_BLOCKED')).toBe(true);
    expect(isErrorCode('NOPE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe('makeError', () => {
  it('fills in the default category and a non-retryable flag', () => {
    expect(makeError(ErrorCode.MOVE_BLOCKED, 'a wall')).toEqual({
      code: 'MOVE_BLOCKED',
      category: 'domain',
      message: 'a wall',
      retryable: false,
    });
  });

  it('marks rate_limited and unavailable as retryable', () => {
    expect(makeError(ErrorCode.RATE_LIMITED, 'slow down').retryable).toBe(true);
    expect(makeError(ErrorCode.UNAVAILABLE, 'postgres down').retryable).toBe(true);
    expect(makeError(ErrorCode.CAPACITY_EXCEEDED, 'full').retryable).toBe(false);
    expect(makeError(ErrorCode.INTERNAL, 'oops').retryable).toBe(false);
  });

  it('takes overrides and extras', () => {
    const err = makeError(ErrorCode.RATE_LIMITED, 'chat: 5 messages per 10 s', {
      retryAfterMs: 1799.2,
      details: { limit: 5 },
    });
    expect(err).toEqual({
      code: 'RATE_LIMITED',
      category: 'rate_limited',
      message: 'chat: 5 messages per 10 s',
      retryable: true,
      retryAfterMs: 1800,
      details: { limit: 5 },
    });
    expect(makeError(ErrorCode.CAPACITY_EXCEEDED, 'full', { retryable: true }).retryable).toBe(true);
    expect(makeError(ErrorCode.UNAVAILABLE, 'x', { retryable: false }).retryable).toBe(false);
    expect(makeError(ErrorCode.INTERNAL, 'x', { category: 'unavailable' })).toMatchObject({
      category: 'unavailable',
      retryable: true,
    });
  });

  it('produces bodies the schema accepts', () => {
    for (const code of ERROR_CODES) {
      expect(ErrorBodySchema.safeParse(makeError(code, 'm')).success).toBe(true);
    }
    expect(RestErrorSchema.safeParse({ error: makeError(ErrorCode.FORBIDDEN, 'not yours') }).success).toBe(true);
  });
});

describe('ErrorBodySchema', () => {
  it('parses the contract example', () => {
    const example = {
      code: 'RATE_LIMITED',
      category: 'rate_limited',
      message: 'chat: 5 messages per 10 s',
      retryable: true,
      retryAfterMs: 1800,
      details: {},
    };
    expect(ErrorBodySchema.parse(example)).toEqual(example);
  });

  it('accepts a code it does not know, but not a category it does not know', () => {
    const base = { message: 'm', retryable: false };
    expect(ErrorBodySchema.safeParse({ ...base, code: 'SOME_FUTURE_CODE', category: 'domain' }).success).toBe(true);
    expect(ErrorBodySchema.safeParse({ ...base, code: 'X', category: 'weird' }).success).toBe(false);
    expect(ErrorBodySchema.safeParse({ ...base, code: 'lower_case', category: 'domain' }).success).toBe(false);
    expect(ErrorBodySchema.safeParse({ code: 'X', category: 'domain', message: 'm' }).success).toBe(false);
    expect(ErrorBodySchema.safeParse({ ...base, code: 'X', category: 'domain', retryAfterMs: -1 }).success).toBe(false);
  });
});

describe('close codes', () => {
  it('match the contract table', () => {
    expect(CloseCode).toEqual({
      NORMAL: 1000,
      GOING_AWAY: 1001,
      MESSAGE_TOO_BIG: 1009,
      HELLO_REQUIRED: 4400,
      BAD_TICKET: 4401,
      IDLE_TIMEOUT: 4408,
      REPLACED: 4409,
      VERSION_MISMATCH: 4426,
      TOO_MANY_INVALID: 4429,
      UNAVAILABLE: 4503,
    });
    expect(MAX_FRAME_BYTES).toBe(16384);
    expect(HELLO_TIMEOUT_MS).toBe(5000);
  });
});
