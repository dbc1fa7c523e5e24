import type { SessionSocket } from './session-socket';

/**
 * Pure. What the bytes already queued on a socket (written by us, not yet taken by the kernel:
 * the client is not reading) allow. Under `slowBytes` all is well; from there deltas are merged
 * and wait for the socket to drain (DeltaDelivery); beyond `budget` the client has fallen so far
 * behind, or sends so much it never reads the answers to, that holding more for it would let one
 * socket grow the gateway without bound: it is closed.
 */
export type SendState = 'ok' | 'backed_up' | 'over_budget';

export function sendState(queued: number, slowBytes: number, budget: number): SendState {
  if (queued > budget) return 'over_budget';
  return queued >= slowBytes ? 'backed_up' : 'ok';
}

/**
 * Every frame a session writes besides the world's shared delta frames: acks, errors, pongs,
 * notices, snapshots and replays. A frame is written only while the socket is within its send
 * budget; the first one asked for beyond it closes the socket instead (once), so what one socket
 * holds is at most the budget plus the largest single write (a snapshot, a replay).
 */
export class Outbox {
  private overflowed = false;

  constructor(
    private readonly socket: Pick<SessionSocket, 'isOpen' | 'bufferedAmount' | 'send'>,
    private readonly slowBytes: number,
    private readonly budget: number,
    /** Told once, with the bytes queued, when a write would go beyond the budget. */
    private readonly onOverBudget: (queued: number) => void,
  ) {}

  get state(): SendState {
    return sendState(this.socket.bufferedAmount, this.slowBytes, this.budget);
  }

  /** Writes the message unless the socket is closed or over its budget; true when written. */
  send(msg: unknown): boolean {
    if (!this.socket.isOpen || this.overflowed) return false;
    if (this.state === 'over_budget') {
      this.overflowed = true;
      this.onOverBudget(this.socket.bufferedAmount);
      return false;
    }
    this.socket.send(JSON.stringify(msg));
    return true;
  }
}
