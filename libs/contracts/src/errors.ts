import { z } from 'zod';

/** Every error belongs to one category; clients branch on the category, log the code. */
export const ERROR_CATEGORIES = [
  'validation',
  'auth',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'domain', // refused by the game's rules
  'version',
  'capacity',
  'unavailable',
  'internal',
] as const;
export const ErrorCategorySchema = z.enum(ERROR_CATEGORIES);
export type ErrorCategory = z.infer<typeof ErrorCategorySchema>;

/** Stable UPPER_SNAKE error codes. Add codes freely; never rename or reuse one. */
export const ErrorCode = {
  // malformed frames and bodies
  INVALID_JSON: 'INVALID_JSON',
  UNKNOWN_MESSAGE_TYPE: 'UNKNOWN_MESSAGE_TYPE',
  SCHEMA_VALIDATION_FAILED: 'SCHEMA_VALIDATION_FAILED',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  HELLO_REQUIRED: 'HELLO_REQUIRED',
  HELLO_TIMEOUT: 'HELLO_TIMEOUT',
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** A REST body that is not `application/json` (e.g. a form post). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  CHAT_EMPTY: 'CHAT_EMPTY',
  CHAT_TOO_LONG: 'CHAT_TOO_LONG',
  UNKNOWN_ACTION: 'UNKNOWN_ACTION',
  // auth and access
  AUTH_INVALID_TOKEN: 'AUTH_INVALID_TOKEN',
  AUTH_TOKEN_EXPIRED: 'AUTH_TOKEN_EXPIRED',
  AUTH_INVALID_TICKET: 'AUTH_INVALID_TICKET',
  /**
   * A refresh token that was already exchanged came back: it was copied. Its whole family (every
   * token descended from the same sign-in) is revoked; sign in again.
   */
  AUTH_REFRESH_REUSED: 'AUTH_REFRESH_REUSED',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  /** `POST /api/auth/upgrade` by a player that is already a registered account. */
  NOT_A_GUEST: 'NOT_A_GUEST',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  WORLD_NOT_FOUND: 'WORLD_NOT_FOUND',
  SESSION_NOT_FOUND: 'SESSION_NOT_FOUND',
  WORLD_FULL: 'WORLD_FULL',
  INTENT_SEQ_STALE: 'INTENT_SEQ_STALE',
  // flow control and operations
  RATE_LIMITED: 'RATE_LIMITED',
  VERSION_MISMATCH: 'VERSION_MISMATCH',
  CAPACITY_EXCEEDED: 'CAPACITY_EXCEEDED',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
  // game rules
  MOVE_BLOCKED: 'MOVE_BLOCKED',
  MOVE_OUT_OF_BOUNDS: 'MOVE_OUT_OF_BOUNDS',
  MOVE_INTO_WALL: 'MOVE_INTO_WALL',
  MOVE_INTO_WATER: 'MOVE_INTO_WATER',
  TILE_OCCUPIED: 'TILE_OCCUPIED',
  NOT_IN_WORLD: 'NOT_IN_WORLD',
  ALREADY_IN_WORLD: 'ALREADY_IN_WORLD',
  ITEM_NOT_FOUND: 'ITEM_NOT_FOUND',
  NOT_ADJACENT: 'NOT_ADJACENT',
  INVENTORY_FULL: 'INVENTORY_FULL',
  ACTION_ATOMIC_ROLLBACK: 'ACTION_ATOMIC_ROLLBACK',
  UNKNOWN_EMOTE: 'UNKNOWN_EMOTE',
  TARGET_NOT_FOUND: 'TARGET_NOT_FOUND',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorCodeInfo {
  category: ErrorCategory;
  /** HTTP status when the error is a REST answer. */
  httpStatus: number;
}

const info = (category: ErrorCategory, httpStatus: number): ErrorCodeInfo => ({ category, httpStatus });
const validation = info('validation', 400);
const auth = info('auth', 401);
// Game-rule refusals rarely reach REST; 422 says "well-formed, but not allowed now".
const domain = info('domain', 422);

/** Default category and HTTP status of every code (a `Record`, so a new code must be listed). */
export const ERROR_CODE_INFO: Readonly<Record<ErrorCode, ErrorCodeInfo>> = {
  INVALID_JSON: validation,
  UNKNOWN_MESSAGE_TYPE: validation,
  SCHEMA_VALIDATION_FAILED: validation,
  VALIDATION_FAILED: validation,
  HELLO_REQUIRED: validation,
  HELLO_TIMEOUT: info('validation', 408),
  FRAME_TOO_LARGE: info('validation', 413),
  UNSUPPORTED_MEDIA_TYPE: info('validation', 415),
  CHAT_EMPTY: validation,
  CHAT_TOO_LONG: validation,
  UNKNOWN_ACTION: validation,
  AUTH_INVALID_TOKEN: auth,
  AUTH_TOKEN_EXPIRED: auth,
  AUTH_INVALID_TICKET: auth,
  AUTH_REFRESH_REUSED: auth,
  INVALID_CREDENTIALS: auth,
  USERNAME_TAKEN: info('conflict', 409),
  NOT_A_GUEST: info('conflict', 409),
  FORBIDDEN: info('forbidden', 403),
  NOT_FOUND: info('not_found', 404),
  WORLD_NOT_FOUND: info('not_found', 404),
  SESSION_NOT_FOUND: info('not_found', 404),
  WORLD_FULL: info('domain', 409),
  INTENT_SEQ_STALE: info('conflict', 409),
  RATE_LIMITED: info('rate_limited', 429),
  VERSION_MISMATCH: info('version', 426),
  CAPACITY_EXCEEDED: info('capacity', 503),
  UNAVAILABLE: info('unavailable', 503),
  INTERNAL: info('internal', 500),
  MOVE_BLOCKED: domain,
  MOVE_OUT_OF_BOUNDS: domain,
  MOVE_INTO_WALL: domain,
  MOVE_INTO_WATER: domain,
  TILE_OCCUPIED: domain,
  NOT_IN_WORLD: domain,
  ALREADY_IN_WORLD: domain,
  ITEM_NOT_FOUND: domain,
  NOT_ADJACENT: domain,
  INVENTORY_FULL: domain,
  ACTION_ATOMIC_ROLLBACK: domain,
  UNKNOWN_EMOTE: domain,
  TARGET_NOT_FOUND: domain,
};

export const ERROR_CODES = Object.keys(ERROR_CODE_INFO) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODE_INFO, value);
}

/** Categories a client may retry after waiting (`retryAfterMs` when given). */
export const RETRYABLE_CATEGORIES: readonly ErrorCategory[] = ['rate_limited', 'unavailable'];

export function httpStatusFor(code: ErrorCode): number {
  return ERROR_CODE_INFO[code].httpStatus;
}

/**
 * The one error shape, on REST (`{error}`) and WebSocket (`error` field).
 * `code` is any UPPER_SNAKE string, not just the known ones, so a client keeps
 * working when the server adds codes.
 */
export const ErrorBodySchema = z.object({
  code: z.string().regex(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/, 'expected an UPPER_SNAKE code'),
  category: ErrorCategorySchema,
  /** For people; never holds a token, password or stack trace. */
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().int().nonnegative().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** REST error answer, sent with `ERROR_CODE_INFO[code].httpStatus`. */
export const RestErrorSchema = z.object({ error: ErrorBodySchema });
export type RestError = z.infer<typeof RestErrorSchema>;

export interface MakeErrorExtra {
  category?: ErrorCategory;
  retryable?: boolean;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
}

/** Builds an ErrorBody with the code's default category and retryability. */
export function makeError(code: ErrorCode, message: string, extra: MakeErrorExtra = {}): ErrorBody {
  const category = extra.category ?? ERROR_CODE_INFO[code].category;
  const body: ErrorBody = {
    code,
    category,
    message,
    retryable: extra.retryable ?? RETRYABLE_CATEGORIES.includes(category),
  };
  if (extra.retryAfterMs !== undefined) body.retryAfterMs = Math.max(0, Math.ceil(extra.retryAfterMs));
  if (extra.details !== undefined) body.details = extra.details;
  return body;
}
