/**
 * The intents in hand, taken in batches of at most `maxBatch`, one batch at a time: a batch never
 * waits to fill, and the next is taken when the one before has been answered. Closed (shutdown),
 * it takes no further batch; what is still queued is given back by the owner (`takeQueued`).
 */
export class BatchQueue<T extends object> {
  private readonly queue: T[] = [];
  private readonly received = new WeakMap<T, number>();
  private draining = false;
  /** When the first intent of the batch in hand was received (undefined: no batch). */
  private batchSince?: number;
  private drained: Array<() => void> = [];
  /** The batch being processed, settled (never rejecting) when it is done. */
  private current?: Promise<void>;
  private shut = false;

  constructor(
    private readonly maxBatch: number,
    private readonly process: (batch: T[]) => Promise<void>,
  ) {}

  push(item: T): void {
    this.received.set(item, performance.now());
    this.queue.push(item);
    this.kick();
  }

  /** Takes the next batch now, unless one is under way (after a pause, the queue may hold some). */
  kick(): void {
    if (this.queue.length && !this.draining) void this.drain();
  }

  /** The batch in hand is the last. */
  close(): void {
    this.shut = true;
  }

  get closed(): boolean {
    return this.shut;
  }

  /** Removes and returns what was received but not yet taken into a batch (those `which` picks, or all). */
  takeQueued(which?: (item: T) => boolean): T[] {
    if (!which) return this.queue.splice(0);
    const taken: T[] = [];
    for (let i = this.queue.length - 1; i >= 0; i--) if (which(this.queue[i]!)) taken.unshift(...this.queue.splice(i, 1));
    return taken;
  }

  /** When an item was received (performance.now()). */
  receivedAt(item: T): number | undefined {
    return this.received.get(item);
  }

  /** Resolves when no batch is under way. */
  idle(): Promise<void> {
    return this.draining ? new Promise((r) => this.drained.push(r)) : Promise.resolve();
  }

  /** Resolves when the batch under way now (if any) has been processed, whatever follows it. */
  settled(): Promise<void> {
    return this.current?.catch(() => undefined) ?? Promise.resolve();
  }

  /** How long the oldest item in hand (in a batch or queued) has waited. */
  waitingMs(now = performance.now()): number {
    const first = this.batchSince ?? (this.queue[0] && this.received.get(this.queue[0]));
    return first === undefined ? 0 : now - first;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length && !this.shut) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.batchSince = this.received.get(batch[0]!);
        this.current = this.process(batch).finally(() => (this.current = undefined));
        await this.current;
      }
    } finally {
      this.batchSince = undefined;
      this.draining = false;
      this.drained.splice(0).forEach((r) => r());
    }
  }
}
