/** Where a value survives a reload (localStorage in the browser). */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * The character's intentSeq counter: increasing for the life of the character, across
 * reconnects and reloads, so the server can tell a resent intent from a new one.
 *
 * A browser that has never played this character starts at the current time in milliseconds
 * rather than at 1: the server remembers the last intentSeq it accepted, and a second device of
 * the same player starting low would see every intent answered as a duplicate. A player cannot
 * send intents faster than a clock ticks milliseconds, so a later start is always above.
 */
export class IntentSeqCounter {
  private last: number;

  constructor(
    private readonly characterId: string,
    private readonly storage: KeyValue | null,
    now: number,
  ) {
    const stored = Number(this.read() ?? NaN);
    this.last = Number.isSafeInteger(stored) && stored > 0 ? stored : Math.max(0, Math.floor(now) - 1);
  }

  private get key(): string {
    return `tilemud.intentSeq.${this.characterId}`;
  }

  private read(): string | null {
    try {
      return this.storage?.getItem(this.key) ?? null;
    } catch {
      return null; // storage disabled: memory only
    }
  }

  /** The last intentSeq handed out. */
  get current(): number {
    return this.last;
  }

  /** The next intentSeq, saved before it is used. */
  next(): number {
    const stored = Number(this.read() ?? 0);
    // Another tab of the same character may have moved it on.
    this.last = Math.max(this.last, Number.isSafeInteger(stored) ? stored : 0) + 1;
    try {
      this.storage?.setItem(this.key, String(this.last));
    } catch {
      /* memory only */
    }
    return this.last;
  }
}
