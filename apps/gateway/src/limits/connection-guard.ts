import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, makeError } from '@tilemud/contracts';
import { AddressSlots, addressKey } from './address-slots';

export interface ConnectionGuardOptions {
  /** Concurrent connections per client address (0: no cap). */
  maxPerAddress: number;
  /** A connection whose first request (or upgrade) has not arrived by then is cut. */
  firstRequestTimeoutMs: number;
  /** Addresses not counted: trusted proxies, which carry many clients. */
  exempt(addr: string): boolean;
  /** Told each time a connection is refused (to be logged, throttled). */
  onRefused(key: string): void;
}

/** How long a refused connection may take to read its 429 and go before it is cut. */
const REFUSED_LINGER_MS = 2000;

/**
 * Guards the HTTP server's door, before Node's HTTP parser sees a connection:
 * - a connection from an address that holds `maxPerAddress` already is answered at once with a
 *   429 `RATE_LIMITED` in the contract's error shape (nothing of its request is read) and closed;
 * - a connection that has not completed its first request's headers (or its WebSocket upgrade)
 *   within `firstRequestTimeoutMs` is cut. Node's own headersTimeout answers such a connection
 *   408 a little sooner; this timer is the guarantee, whatever Node's checks miss.
 * It works by taking the server's 'connection' listeners (Node's HTTP parser, Nest's tracking)
 * and calling them only for connections it admits.
 */
export function guardConnections(server: Server, o: ConnectionGuardOptions): AddressSlots {
  const slots = new AddressSlots(o.maxPerAddress);
  const admit = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  const firstRequest = new WeakMap<Socket, NodeJS.Timeout>();
  const started = (socket: Socket) => {
    clearTimeout(firstRequest.get(socket));
    firstRequest.delete(socket);
  };
  server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress;
    if (!addr) return void socket.destroy(); // already gone
    const key = addressKey(addr);
    const counted = o.maxPerAddress > 0 && !o.exempt(addr);
    if (counted && !slots.take(key)) {
      o.onRefused(key);
      return refuse(socket, o.maxPerAddress);
    }
    const timer = setTimeout(() => socket.destroy(), o.firstRequestTimeoutMs).unref();
    firstRequest.set(socket, timer);
    socket.once('close', () => {
      clearTimeout(timer);
      if (counted) slots.release(key);
    });
    for (const listener of admit) listener.call(server, socket);
  });
  server.prependListener('request', (req) => started(req.socket));
  server.prependListener('upgrade', (req) => started(req.socket));
  return slots;
}

function refuse(socket: Socket, max: number): void {
  const body = JSON.stringify({
    error: makeError(ErrorCode.RATE_LIMITED, `too many connections from this address (at most ${max} at once)`, { retryAfterMs: 1000, details: { limit: 'connections' } }),
  });
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n${body}`);
  // Read and drop what the client sends: closing with its request unread would reset the
  // connection, and the client might lose the answer.
  socket.resume();
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}
