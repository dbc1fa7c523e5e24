/** Contract defaults a client may rely on; the server may be configured otherwise. */

/** Path of the WebSocket endpoint unless bootstrap's `ws.path` says otherwise. */
export const DEFAULT_WS_PATH = '/ws';

/** A ticket is single-use and lives at most this long. */
export const MAX_TICKET_TTL_SECONDS = 90;

/** Chat text bounds, in characters (Unicode code points) after trimming. */
export const CHAT_MIN_LENGTH = 1;
export const CHAT_MAX_LENGTH = 280;

/** A full snapshot carries at most this many of the latest chat messages. */
export const SNAPSHOT_CHAT_LIMIT = 50;

/** Default session idle timeout: no intent for this long ends the session. */
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** Default per-character intent rate limits; beyond them `RATE_LIMITED`. */
export const DEFAULT_RATE_LIMITS = {
  chat: { limit: 5, windowMs: 10_000 },
  move: { limit: 20, windowMs: 1_000 },
  action: { limit: 10, windowMs: 1_000 },
} as const satisfies Record<string, RateLimit>;

/** Default limits at the door (per username or per client address); beyond them 429 `RATE_LIMITED`. */
export const DEFAULT_DOOR_LIMITS = {
  /** Failed logins per username. */
  loginUser: { limit: 5, windowMs: 5 * 60_000 },
  /** Failed logins per client address. */
  loginAddress: { limit: 20, windowMs: 5 * 60_000 },
  /** Guest players created per client address. */
  guestAddress: { limit: 30, windowMs: 60_000 },
  /** Accounts registered per client address. */
  registerAddress: { limit: 30, windowMs: 60_000 },
} as const satisfies Record<string, RateLimit>;

export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 24;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
