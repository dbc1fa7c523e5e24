import { decodeServerMessage, ServerMessageSchema, type ClientMessageInput, type ServerMessage } from '@tilemud/contracts';

/** What the connection needs of a socket; the browser's WebSocket is one, a test double another. */
export interface GameSocket {
  send(message: ClientMessageInput): void;
  close(code?: number, reason?: string): void;
}

export interface SocketHandlers {
  onOpen(): void;
  onMessage(message: ServerMessage): void;
  /** `opened`: whether the socket was ever open (false: it could not be opened at all). */
  onClose(code: number, reason: string, opened: boolean): void;
  /** A frame that is not a valid server message (kept for the diagnostics overlay). */
  onInvalid?(detail: string): void;
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => GameSocket;

/** The browser's WebSocket behind the GameSocket adapter, speaking the contract's codec. */
export const browserSocket: SocketFactory = (url, h) => {
  const ws = new WebSocket(url);
  let opened = false;
  let closed = false;
  ws.onopen = () => {
    opened = true;
    h.onOpen();
  };
  ws.onmessage = (ev: MessageEvent) => {
    if (closed || typeof ev.data !== 'string') return;
    const message = decode(ev.data);
    if (typeof message === 'string') h.onInvalid?.(message);
    else h.onMessage(message);
  };
  ws.onclose = (ev: CloseEvent) => {
    if (closed) return;
    closed = true;
    h.onClose(ev.code, ev.reason, opened);
  };
  return {
    send(message) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    },
    close(code = 1000, reason = '') {
      if (closed) return;
      closed = true;
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close(code, reason);
      } catch {
        ws.close();
      }
      h.onClose(code, reason, opened);
    },
  };
};

/** A server message, or why the frame was not one. Never throws. */
export function decode(text: string): ServerMessage | string {
  const r = decodeServerMessage(text);
  if (r.ok) return r.message;
  if (r.reason === 'invalid' && r.type === 'event.ack') {
    // Tolerant reader: a duplicate that carries an error but no originalStatus (the server's
    // INTENT_SEQ_STALE answer) is still a refusal, and dropping it would leave the intent in
    // flight for ever.
    const data = JSON.parse(text) as Record<string, unknown>;
    if (data.status === 'duplicate' && data.error && data.originalStatus === undefined) {
      const again = ServerMessageSchema.safeParse({ ...data, originalStatus: 'rejected' });
      if (again.success) return again.data;
    }
  }
  return r.reason === 'unknown_type' ? `unknown message type ${r.type}` : `invalid ${r.type ?? 'frame'}: ${r.issues?.[0]?.path ?? ''} ${r.issues?.[0]?.message ?? r.reason}`;
}
