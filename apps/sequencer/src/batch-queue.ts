/**
 * The intents in hand, taken in batches of at most `maxBatch`, one batch at a time: a batch never
 * waits to fill, and the next is taken when the one before has been answered. Closed (shutdown),
 * it takes no further batch; what is still queued is given back by the owner (`takeQueued`).
 */
export class BatchQueue<T extends object> {
  private readonly queue: T[] = [];
  private readonly received = new WeakMap<T, number>();
  /** The keys of the items queued (not yet taken into a batch), when items have keys (`keyOf`). */
  private readonly queuedKeys = new Set<unknown>();
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
    /**
     * An item's identity (the sequencer: the intent's stream sequence and store time). An item whose key is
     * already queued is a second delivery of it (JetStream redelivers what waited past its
     * ack_wait): it is not queued again (`push` answers false). Without it, every item is queued.
     */
    private readonly keyOf?: (item: T) => unknown,
  ) {}

  /** Queues an item; false (not queued) when one with its key is queued already. */
  push(item: T): boolean {
    if (this.keyOf) {
      const key = this.keyOf(item);
      if (this.queuedKeys.has(key)) return false;
      this.queuedKeys.add(key);
    }
    this.received.set(item, performance.now());
    this.queue.push(item);
    this.kick();
    return true;
  }

  /** Items queued and not yet taken into a batch. */
  get length(): number {
    return this.queue.length;
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
    // One pass, in queue order: it runs when a world is dropped, often with a long queue (under
    // overload), and splicing item by item made that quadratic (13 s for 200,000 here: the event
    // loop held past the world leases' TTL, and every world was dropped and taken again).
    const taken: T[] = [];
    const kept: T[] = [];
    for (const item of this.queue) (!which || which(item) ? taken : kept).push(item);
    this.queue.length = 0;
    for (const item of kept) this.queue.push(item);
    this.forgetKeys(taken);
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

  private forgetKeys(items: readonly T[]): void {
    if (this.keyOf) for (const item of items) this.queuedKeys.delete(this.keyOf(item));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length && !this.shut) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.forgetKeys(batch);
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
