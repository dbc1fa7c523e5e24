import type { GameStore } from '../store/store';
import type { Clock } from './clock';

/** Asks for a full snapshot when the store saw a gap, and asks again if none comes in time. */
export class Resync {
  private timer: unknown = null;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly store: () => GameStore | null,
    /** Sends the resync if the socket is live; false when it is not. */
    private readonly trySend: (lastSeq: number) => boolean,
  ) {}

  ifGap(): void {
    const store = this.store();
    const gap = store?.getState().gap;
    if (!store || !gap || gap.requested || !this.trySend(gap.lastSeq)) return;
    store.dispatch({ type: 'resync.sent' });
    this.stop();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      store.dispatch({ type: 'resync.retry' });
      this.ifGap();
    }, this.timeoutMs);
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
