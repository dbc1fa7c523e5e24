import type { BootstrapResponse, SessionTerminationReason } from '@tilemud/contracts';
import { HttpError } from '../api/http';
import type { GameState } from '../store/state';
import { CLIENT_VERSION } from '../version';

/** What the connection is doing, always shown to the player. */
export type ConnectionStatus =
  | { kind: 'connecting' }
  | { kind: 'live' }
  /** Lost; attempt `attempt` starts at `retryAt` (local ms). */
  | { kind: 'reconnecting'; attempt: number; retryAt: number; reason: string }
  /** The socket cannot be opened at all: snapshots are polled over REST meanwhile. */
  | { kind: 'offline'; attempt: number; retryAt: number; reason: string }
  /** The server no longer accepts this client: nothing to do but load a newer one. */
  | { kind: 'update_required'; clientVersion: string; minClientVersion?: string; serverVersion?: string }
  /** The session ended and will not come back by itself. */
  | { kind: 'ended'; reason: SessionTerminationReason | 'signed_out' };

export type ConnectionStatusKind = ConnectionStatus['kind'];

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
