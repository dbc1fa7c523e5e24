// Test doubles for the connection: manual time, scripted sockets, a canned REST API.
import type { BootstrapResponse, ClientMessageInput, ServerMessage, Snapshot } from '@tilemud/contracts';
import type { Api } from '../api/endpoints';
import { HttpError, NetworkError } from '../api/http';
import type { Clock } from '../net/clock';
import type { GameSocket, SocketHandlers } from '../net/socket';
import { ME, snapshot } from './fixtures';

export class FakeClock implements Clock {
  t = 1_000_000;
  private timers: Array<{ id: number; at: number; fn: () => void }> = [];
  private nextId = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ id, at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  /** Moves time on, running due timers in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.t = due.at;
      due.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
  get pending(): number[] {
    return this.timers.map((t) => t.at - this.t);
  }
}

export const flush = () => new Promise<void>((r) => setTimeout(r, 0));

export class FakeSocket implements GameSocket {
  sent: ClientMessageInput[] = [];
  closed = false;
  opened = false;
  constructor(
    readonly url: string,
    private readonly h: SocketHandlers,
  ) {}
  send(m: ClientMessageInput) {
    this.sent.push(m);
  }
  close(code = 1000, reason = '') {
    if (this.closed) return;
    this.closed = true;
    this.h.onClose(code, reason, this.opened);
  }
  open() {
    this.opened = true;
    this.h.onOpen();
  }
  receive(m: ServerMessage) {
    this.h.onMessage(m);
  }
  /** The server (or the network) ends the socket. */
  drop(code = 1006, reason = '') {
    if (this.closed) return;
    this.closed = true;
    this.h.onClose(code, reason, this.opened);
  }
  ofType<T extends ClientMessageInput['type']>(type: T) {
    return this.sent.filter((m) => m.type === type) as Extract<ClientMessageInput, { type: T }>[];
  }
}

export function bootResponse(): BootstrapResponse {
  return {
    serverVersion: '0.1.0',
    protocolVersion: '1.0.0',
    player: { id: 'p1', username: 'Me' },
    character: { id: ME, name: 'Me', worldId: 'w', x: 1, y: 1, facing: 'south', inventory: [] },
    world: { id: 'w', name: 'Test', width: 7, height: 5, seq: 10 },
    ws: { path: '/ws', ticket: 'ticket-0', expiresIn: 60 },
  };
}

/** A scripted API: every call is logged; `fail` makes the next calls of a kind throw. */
export class FakeApi implements Api {
  calls: string[] = [];
  tickets = 0;
  failTicket: Error | null = null;
  failBootstrap: Error | null = null;
  snapshotBody: Snapshot = snapshot(10);
  snapshotEtag = '"10"';
  guest = async () => ({ accessToken: 't', tokenType: 'Bearer' as const, expiresIn: 900, player: { id: 'p1', username: 'Me' } });
  login = this.guest;
  register = this.guest;
  refresh: Api['refresh'] = this.guest;
  upgrade: Api['upgrade'] = this.guest;
  logout = async () => undefined;
  bootstrap = async () => {
    this.calls.push('bootstrap');
    if (this.failBootstrap) throw this.failBootstrap;
    return bootResponse();
  };
  ticket = async () => {
    this.calls.push('ticket');
    if (this.failTicket) throw this.failTicket;
    return { ticket: `ticket-${++this.tickets}`, expiresIn: 60 };
  };
  health = async () => ({ status: 'ok' as const, serverVersion: '0.1.0', dependencies: { postgres: up, redis: up, nats: up } });
  snapshot = async (_token: string, _world: string, etag?: string) => {
    this.calls.push(`snapshot ${etag ?? '-'}`);
    if (etag === this.snapshotEtag) return { notModified: true as const };
    return { notModified: false as const, snapshot: this.snapshotBody, etag: this.snapshotEtag };
  };
}
const up = { status: 'up' as const, latencyMs: 1 };

export const networkDown = () => new NetworkError(new TypeError('fetch failed'));
export const httpError = (status: number, code: string, details?: Record<string, unknown>) =>
  new HttpError(status, { code, category: status === 426 ? 'version' : 'auth', message: code, retryable: false, ...(details ? { details } : {}) });

/** In-memory localStorage. */
export class MemoryStorage {
  map = new Map<string, string>();
  getItem = (k: string) => this.map.get(k) ?? null;
  setItem = (k: string, v: string) => void this.map.set(k, v);
}
