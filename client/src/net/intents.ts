import { ChatTextSchema, type Intent } from '@tilemud/contracts';
import type { GameStore } from '../store/store';
import type { Clock } from './clock';
import type { IntentSeqCounter } from './intent-seq';
import { newTraceparent } from './trace';

/** An intent as the UI makes it; the intentSeq is given here. */
export type IntentBody = { [K in Intent['type']]: Omit<Extract<Intent, { type: K }>, 'intentSeq'> }[Intent['type']];

/** At most one move per 80 ms (12.5/s), under the server's 20 moves per second. */
export const MOVE_MIN_INTERVAL_MS = 80;
/** Moves without an ack beyond which another is not sent yet (the walker holds it and tries again). */
const MAX_MOVES_IN_FLIGHT = 5;

/**
 * Numbers intents and puts them on the wire. Moves and actions need a live socket (a step
 * taken blind during an outage would land seconds later); chat is queued and sent on reconnect.
 */
export class Intents {
  counter: IntentSeqCounter | null = null;
  private lastMoveAt = -Infinity;
  private holdTimer: unknown = null;

  constructor(
    private readonly clock: Clock,
    private readonly store: () => GameStore | null,
    /** Sends if the socket is live; false when it is not. */
    private readonly trySend: (intent: Intent) => boolean,
  ) {}

  send(body: IntentBody, live: boolean): boolean {
    const store = this.store();
    if (!store || !this.counter) return false;
    if (body.type === 'intent.move') {
      const now = this.clock.now();
      const unacked = store.getState().pending.filter((p) => p.intent.type === 'intent.move' && p.appliedSeq === undefined).length;
      if (!live || now - this.lastMoveAt < MOVE_MIN_INTERVAL_MS || unacked >= MAX_MOVES_IN_FLIGHT) return false;
      this.lastMoveAt = now;
    } else if (body.type === 'intent.action') {
      if (!live) return false;
    } else {
      const text = ChatTextSchema.safeParse(body.payload.text);
      if (!text.success) {
        store.dispatch({ type: 'notice', kind: 'error', text: text.error.issues[0]?.message ?? 'invalid message' });
        return false;
      }
      body = { ...body, payload: { ...body.payload, text: text.data } };
    }
    const traceparent = newTraceparent();
    const intent = { ...body, intentSeq: this.counter.next(), ...(traceparent ? { traceparent } : {}) };
    store.dispatch({ type: 'intent.queued', intent });
    if (this.trySend(intent)) store.dispatch({ type: 'intent.sent', intentSeq: intent.intentSeq, at: this.clock.now() });
    return true;
  }

  /** Sends what waits to be sent, and comes back when a rate-limit hold ends. */
  sendWaiting(): void {
    this.stop();
    const next = this.flush();
    if (next !== null) this.holdTimer = this.clock.setTimeout(() => this.sendWaiting(), next - this.clock.now());
  }

  stop(): void {
    if (this.holdTimer !== null) this.clock.clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }

  /**
   * Everything without an ack that is not on the wire, oldest first, under its own intentSeq
   * (after a handshake; when a rate-limit hold ends). Returns the earliest hold still running.
   */
  private flush(): number | null {
    const store = this.store();
    if (!store) return null;
    const now = this.clock.now();
    let nextHold: number | null = null;
    for (const p of store.getState().pending) {
      if (p.appliedSeq !== undefined || p.sent) continue;
      if (p.holdUntil !== undefined && p.holdUntil > now) {
        nextHold = Math.min(nextHold ?? Infinity, p.holdUntil);
        continue;
      }
      let intent = p.intent;
      if (p.renumber && this.counter) {
        intent = { ...intent, intentSeq: this.counter.next() };
        store.dispatch({ type: 'intent.renumbered', from: p.intent.intentSeq, to: intent.intentSeq });
      }
      if (!this.trySend(intent)) return nextHold;
      store.dispatch({ type: 'intent.sent', intentSeq: intent.intentSeq, at: now });
    }
    return nextHold;
  }
}
