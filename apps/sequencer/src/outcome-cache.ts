import type { StoredOutcome } from './event-log';

/** Recent intent outcomes, so most resends are answered without a query. Bounded, oldest out first. */
export class OutcomeCache {
  private readonly map = new Map<string, StoredOutcome>();
  constructor(private readonly capacity = 100_000) {}

  get(characterId: string, intentSeq: number): StoredOutcome | undefined {
    return this.map.get(`${characterId}:${intentSeq}`);
  }

  set(characterId: string, intentSeq: number, outcome: StoredOutcome): void {
    this.map.set(`${characterId}:${intentSeq}`, outcome);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  clear(): void {
    this.map.clear();
  }
}
