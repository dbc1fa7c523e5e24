import type WebSocket from 'ws';

/**
 * A complete, unmasked WebSocket text frame (RFC 6455 §5.2) around a payload, built once so the
 * same bytes can be written to every socket of a world: one write per client, no per-client
 * framing or copying.
 */
export function textFrame(payload: Buffer): Buffer {
  const len = payload.length;
  const headerLen = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLen + len);
  frame[0] = 0x81; // FIN + text
  if (len < 126) frame[1] = len;
  else if (len < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  payload.copy(frame, headerLen);
  return frame;
}

interface WsInternals {
  _socket?: { write(b: Buffer): boolean; writable: boolean };
  _sender?: { _queue?: unknown[]; _deflating?: boolean };
}

/**
 * Writes a prebuilt frame straight to the socket when that is exactly what `ws.send` would do:
 * the socket is open, no extension (compression) was negotiated and ws has nothing queued.
 * Otherwise sends the payload through ws. Returns false when the socket is not open.
 */
export function sendPrebuilt(ws: WebSocket, frame: Buffer, payload: Buffer): boolean {
  if (ws.readyState !== 1) return false;
  const internals = ws as unknown as WsInternals;
  const socket = internals._socket;
  const sender = internals._sender;
  if (socket?.writable && ws.extensions === '' && sender && !sender._deflating && (sender._queue?.length ?? 0) === 0) {
    socket.write(frame);
  } else {
    ws.send(payload, { binary: false });
  }
  return true;
}
