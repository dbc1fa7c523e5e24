import type { Api } from '../api/endpoints';
import type { Clock } from './clock';
import type { KeyValue } from './intent-seq';
import type { SocketFactory } from './socket';

export interface ConnectionOptions {
  api: Api;
  /** Bearer access token from sign-in. */
  token: string;
  socketFactory: SocketFactory;
  /** Absolute WebSocket URL for a path and ticket. */
  wsUrl(path: string, ticket: string): string;
  clock: Clock;
  random(): number;
  storage: KeyValue | null;
  /** Application ping interval (round-trip time, dead-socket detection). */
  pingIntervalMs?: number;
  /** Snapshot polling interval while the socket cannot be opened. */
  pollIntervalMs?: number;
  /** Sockets in a row that never opened (while REST answers) before polling starts. */
  openFailuresBeforePolling?: number;
  /** How long to wait for the full snapshot a resync asks for before asking again. */
  resyncTimeoutMs?: number;
  /** false: ask the server for every change of the world, not only the area of interest (`#…?aoi=off`, debugging). */
  aoi?: boolean;
}
