// The connection under test, with a scripted API, fake sockets and manual time.
import { Connection, type ConnectionOptions } from '../net/connection';
import { FakeApi, FakeClock, FakeSocket, MemoryStorage } from './fakes';
import { full, handshake } from './fixtures';

export function setupConnection(extra: Partial<ConnectionOptions> = {}) {
  const clock = new FakeClock();
  const api = new FakeApi();
  const sockets: FakeSocket[] = [];
  const storage = new MemoryStorage();
  const conn = new Connection({
    api,
    token: 'tok',
    socketFactory: (url, h) => {
      const s = new FakeSocket(url, h);
      sockets.push(s);
      return s;
    },
    wsUrl: (path, ticket) => `ws://test${path}?ticket=${ticket}`,
    clock,
    random: () => 0.5, // no jitter: delays are exactly 1 s, 2 s, 4 s …
    storage,
    ...extra,
  });
  const last = () => sockets[sockets.length - 1]!;
  /** Opens the latest socket and plays the server's side of a join. */
  const join = (seq = 10, resumed = false) => {
    last().open();
    last().receive(handshake(resumed));
    if (!resumed) last().receive(full(seq));
  };
  return { clock, api, sockets, storage, conn, last, join, status: () => conn.getView().status, game: () => conn.getView().game! };
}
