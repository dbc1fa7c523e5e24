import { CloseCode, type BootstrapResponse, type SessionTerminationReason } from '@tilemud/contracts';
import { HttpError } from '../api/http';
import type { LinkHealth } from './link';
import type { GameState } from '../store/state';
import { CLIENT_VERSION } from '../version';

/** What the connection is doing, always shown to the player. */
export type ConnectionStatus =
  | { kind: 'connecting' }
  | { kind: 'live' }
  /** Lost; attempt `attempt` starts at `retryAt` (local ms). `capacity`: the server is full. */
  | { kind: 'reconnecting'; attempt: number; retryAt: number; reason: string; capacity?: boolean }
  /** The socket cannot be opened at all: snapshots are polled over REST meanwhile. */
  | { kind: 'offline'; attempt: number; retryAt: number; reason: string }
  /** The server no longer accepts this client: nothing to do but load a newer one. */
  | { kind: 'update_required'; clientVersion: string; minClientVersion?: string; serverVersion?: string }
  /** The session ended and will not come back by itself. */
  | { kind: 'ended'; reason: SessionTerminationReason | 'signed_out' };

export function isTerminal(status: ConnectionStatus): boolean {
  return status.kind === 'update_required' || status.kind === 'ended';
}

export interface Diagnostics {
  rttMs: number | null;
  /** Reconnect attempts since the page was opened. */
  reconnects: number;
  invalidFrames: number;
  lastInvalid: string | null;
  lastClose: { code: number; reason: string } | null;
  polledAt: number | null;
  pollError: string | null;
}

/** Everything the UI reads from the connection, as one immutable value. */
export interface ConnectionView {
  status: ConnectionStatus;
  boot: BootstrapResponse | null;
  game: GameState | null;
  diag: Diagnostics;
  /** While live: whether the socket is answering (see link.ts). */
  link: LinkHealth;
}

export function describeClose(code: number, reason: string): string {
  const known: Record<number, string> = {
    1000: 'closed',
    1001: 'server restarting',
    1006: 'connection lost',
    4400: 'handshake timed out',
    4401: 'ticket refused',
    4429: 'too many invalid messages',
    4503: 'server busy or unavailable',
  };
  return known[code] ?? (reason || `closed (${code})`);
}

/** Why a try failed and when to try again: a full server says how long to wait, or the backoff decides. */
export interface RetryPlan {
  reason: string;
  capacity?: boolean;
  retryAfterMs?: number;
}

export function retryPlan(err: unknown): RetryPlan {
  if (err instanceof HttpError && err.code === 'CAPACITY_EXCEEDED') {
    return { reason: 'the server is full', capacity: true, ...(err.body?.retryAfterMs !== undefined ? { retryAfterMs: err.body.retryAfterMs } : {}) };
  }
  return { reason: (err as Error).message };
}

/** The status a close code ends the session in (update required, replaced, idle), or null to retry. */
export function closeStatus(code: number): ConnectionStatus | null {
  if (code === CloseCode.VERSION_MISMATCH) return { kind: 'update_required', clientVersion: CLIENT_VERSION };
  if (code === CloseCode.REPLACED) return { kind: 'ended', reason: 'replaced' };
  if (code === CloseCode.IDLE_TIMEOUT) return { kind: 'ended', reason: 'idle_timeout' };
  return null;
}

/** A socket closed 4503 because the server is at capacity (not because a dependency is down). */
export function capacityClose(code: number, reason: string, refusedWith: string | undefined): boolean {
  return code === CloseCode.UNAVAILABLE && (reason === 'at capacity' || refusedWith === 'CAPACITY_EXCEEDED');
}

/** The status a failed bootstrap or ticket request ends in, or null when it is worth retrying. */
export function failureStatus(err: unknown): ConnectionStatus | null {
  if (!(err instanceof HttpError)) return null;
  if (err.status === 426) {
    const d = err.body?.details ?? {};
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return { kind: 'update_required', clientVersion: CLIENT_VERSION, minClientVersion: str(d.minClientVersion), serverVersion: str(d.serverVersion) };
  }
  if (err.status === 401) return { kind: 'ended', reason: 'signed_out' };
  return null;
}
