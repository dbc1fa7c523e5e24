import { useEffect, useState, useSyncExternalStore } from 'react';
import { createApi, type Api } from '../api/endpoints';
import { session } from '../auth';
import { realClock } from '../net/clock';
import { Connection } from '../net/connection';
import { browserSocket } from '../net/socket';
import type { ConnectionView } from '../net/status';

export const api: Api = createApi(undefined, session);

function wsUrl(path: string, ticket: string): string {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('ticket', ticket);
  return url.toString();
}

function localStore(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const idle: ConnectionView = {
  status: { kind: 'connecting' },
  boot: null,
  game: null,
  diag: { rttMs: null, reconnects: 0, invalidFrames: 0, lastInvalid: null, lastClose: null, polledAt: null, pollError: null },
  link: { state: 'ok' },
};
const noop = () => () => undefined;

/**
 * The one owner of the game's connection: made when a token is given, closed by the cleanup.
 * Returns what the connection shows (its status union, the game state) and the connection
 * itself for sending intents.
 */
export function useConnection(token: string): { view: ConnectionView; connection: Connection | null } {
  const [connection, setConnection] = useState<Connection | null>(null);
  useEffect(() => {
    const c = new Connection({
      api,
      token,
      socketFactory: browserSocket,
      wsUrl,
      clock: realClock,
      random: Math.random,
      storage: localStore(),
      aoi: !/[?&]aoi=off\b/.test(window.location.search + window.location.hash),
    });
    setConnection(c);
    c.start();
    const online = () => c.reconnectNow();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      c.dispose();
    };
  }, [token]);
  const view = useSyncExternalStore(connection?.subscribe ?? noop, connection?.getView ?? (() => idle));
  return { view, connection };
}
