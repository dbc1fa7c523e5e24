import WebSocket from 'ws';
import type { GatewayMetrics } from '../system/gateway-metrics';
import type { EncodedFrame } from './fanout.service';
import type { SessionSocket, SocketEvents } from './session-socket';
import { sendPrebuilt } from './ws-frame';

/** How long a closing socket has to finish the close handshake before it is cut (its unsent bytes freed). */
const CLOSE_GRACE_MS = 2000;

/** A `ws` socket as a SessionSocket. */
export class WsSocket implements SessionSocket {
  constructor(private readonly ws: WebSocket) {}

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  sendShared(frame: EncodedFrame): boolean {
    return sendPrebuilt(this.ws, frame.wire, frame.payload);
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState !== WebSocket.OPEN && this.ws.readyState !== WebSocket.CONNECTING) return;
    this.ws.close(code, reason);
    // A client that does not read never sees the close frame (it waits behind what is unsent), and
    // ws would hold the socket and its unsent bytes for 30 s: cut it sooner.
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  terminate(): void {
    this.ws.terminate();
  }

  ping(): void {
    this.ws.ping();
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }
}

/** Hands a `ws` socket's events to its session, counting closes and the frames ws itself refused. */
export function listen(ws: WebSocket, to: SocketEvents, metrics: Pick<GatewayMetrics, 'connectionClosed' | 'invalidFrame'>): void {
  ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => to.frame(isBinary ? null : text(data)));
  ws.on('close', (code: number) => {
    metrics.connectionClosed(code);
    to.closed();
  });
  // Oversize frames (1009) and resets end in 'close'; a frame too large or not UTF-8 is counted.
  ws.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') metrics.invalidFrame('too_large');
    if (err.code === 'WS_ERR_INVALID_UTF8') metrics.invalidFrame('utf8');
  });
  ws.on('pong', () => to.pong());
}

/** A text frame's payload: one Buffer under ws's default binaryType ('nodebuffer'); the other shapes for completeness. */
function text(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString();
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString();
}
