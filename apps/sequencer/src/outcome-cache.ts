import type { StoredOutcome } from './event-log';

/**
 * Recent intent outcomes, so most resends are answered without a query. Bounded by two generations:
 * writes go to the young one; when it is full it becomes the old one and the oldest half goes whole.
 * Why not one Map evicting its first key per write: a Map's deleted entries stay at the front of its
 * table until it is rebuilt, so `keys().next()` walked over up to ~100k of them on every write (the
 * sequencer's top frame of its own in the saturation profile, docs/performance.md).
 */
export class OutcomeCache {
  private young = new Map<string, StoredOutcome>();
  private old = new Map<string, StoredOutcome>();
  /** At most `capacity` outcomes are kept, at least the latest `capacity / 2`. */
  constructor(private readonly capacity = 100_000) {}

  get(characterId: string, intentSeq: number): StoredOutcome | undefined {
    const key = `${characterId}:${intentSeq}`;
    return this.young.get(key) ?? this.old.get(key);
  }

  set(characterId: string, intentSeq: number, outcome: StoredOutcome): void {
    this.young.set(`${characterId}:${intentSeq}`, outcome);
    if (this.young.size < Math.max(1, Math.floor(this.capacity / 2))) return;
    this.old = this.young;
    this.young = new Map();
  }

  /** How many outcomes are held (both generations; a key in both counts twice, harmless). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
