/** WebSocket close codes the gateway uses; 4xxx mirror the HTTP status they resemble. */
export const CloseCode = {
  /** Normal closure (after `event.session_terminated` for logout, for example). */
  NORMAL: 1000,
  /** Server shutting down. */
  GOING_AWAY: 1001,
  /** A frame was larger than MAX_FRAME_BYTES. */
  MESSAGE_TOO_BIG: 1009,
  /** No valid `hello` within HELLO_TIMEOUT_MS. */
  HELLO_REQUIRED: 4400,
  /** Bad, reused or expired ticket. */
  BAD_TICKET: 4401,
  /** No intent for the idle timeout. */
  IDLE_TIMEOUT: 4408,
  /** Replaced by a newer session of the same player. */
  REPLACED: 4409,
  /** Client too old or of another protocol MAJOR: update required. */
  VERSION_MISMATCH: 4426,
  /** Too many invalid or rate-limited frames. */
  TOO_MANY_INVALID: 4429,
  /** At capacity or a required dependency is unavailable. */
  UNAVAILABLE: 4503,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Largest accepted text frame, in UTF-8 bytes; larger closes with 1009. */
export const MAX_FRAME_BYTES = 16 * 1024;

/** The first client frame must be a valid `hello` within this time, or close 4400. */
export const HELLO_TIMEOUT_MS = 5000;
