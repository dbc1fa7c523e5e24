import type { EncodedFrame } from './fanout.service';

/**
 * What a session needs of its socket, and all it may do with it (as tldraw's sync server keeps
 * its room logic behind a socket adapter): the session is driven by a fake one in unit tests, by
 * `WsSocket` (ws-socket.ts) in the gateway.
 */
export interface SessionSocket {
  /** Frames can be written (the socket is open, not closing). */
  readonly isOpen: boolean;
  /** Bytes written and not yet taken by the kernel (the client is slow to read). */
  readonly bufferedAmount: number;
  send(text: string): void;
  /** A world's delta frame, encoded once for all its sessions; false when the socket is not open. */
  sendShared(frame: EncodedFrame): boolean;
  /** Starts the close handshake with the contract's code (once: later calls do nothing). */
  close(code: number, reason: string): void;
  /** Cuts the socket at once (a peer that stopped answering pings). */
  terminate(): void;
  /** A WebSocket ping frame; the peer's pong comes back through SocketEvents.pong. */
  ping(): void;
  /** Stops and restarts reading client frames (TCP then slows the client down). */
  pause(): void;
  resume(): void;
}

/** What a socket tells its session. */
export interface SocketEvents {
  /** A client frame: its text, or null for a binary frame (the contract has none). */
  frame(text: string | null): void;
  pong(): void;
  /** The socket is gone (closed by either side, or cut). */
  closed(): void;
}
