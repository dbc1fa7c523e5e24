import type { LeaseFence, Logger } from '@tilemud/runtime';
import { BatchDecision, BatchIntent, decideSeed, World } from './batch-decision';
import type { EventLog } from './event-log';
import type { EventPublisher } from './event-publisher';
import { lookupFailed, Outcome, resendAnswer, toStored } from './intents';
import { OutcomeCache } from './outcome-cache';

/**
 * What the sequencer knows of the log, kept in memory so a batch is decided without a query: each
 * world it has loaded (state and seq), the last decided intentSeq of characters it has seen, and
 * recent outcomes for answering resends. It follows the log only after a commit (`committed`);
 * when an append failed in a way that leaves it unsure, it is marked `unsure` and reloaded before
 * the next batch. A character's last intentSeq is read from the log the first time a batch names
 * it, and read again after anything that may have let another process decide for it (a world
 * taken or given up, the character arriving through a portal from a world another process holds).
 */
export class WorldMemory {
  private readonly worlds = new Map<string, World>();
  private readonly last = new Map<string, number>();
  private readonly outcomes = new OutcomeCache();
  private stale = false;

  /** Snapshots being stored, per world: one at a time, never holding up a batch. */
  private readonly saving = new Map<string, Promise<void>>();

  constructor(
    private readonly log: EventLog,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    /** A world's state is stored every this many events (0: never). */
    private readonly snapshotEvery = 0,
    /** The lease fence a world's seeding append carries (absent: unfenced). */
    private readonly fence?: (worlds: string[]) => LeaseFence,
  ) {}

  /** Each world's seq as this owner knows it (worlds it has loaded), for the log-head gauge. */
  heads(): Map<string, number> {
    return new Map([...this.worlds].map(([id, w]) => [id, w.seq]));
  }

  /** Memory may be ahead of the log (an append failed after deciding): reloaded before the next batch. */
  unsure(): void {
    this.stale = true;
  }

  /**
   * The last intentSeq of each of these characters (read from the log for those not known), as a
   * map of its own: a world taken or given up meanwhile (`drop`) empties the cache, not what a batch
   * already holds.
   */
  async knowCharacters(characterIds: readonly string[]): Promise<Map<string, number>> {
    const unknown = [...new Set(characterIds.filter((c) => !this.last.has(c)))];
    const read = unknown.length ? await this.log.lastIntentSeqsOf(unknown) : new Map<string, number>();
    const known = new Map<string, number>();
    for (const c of characterIds) {
      const s = this.last.get(c) ?? read.get(c) ?? 0;
      known.set(c, s);
      if (!this.last.has(c)) this.last.set(c, s);
    }
    return known;
  }

  /**
   * A world given up or just taken: its state is read from the log when next needed, and so is
   * every character's last intentSeq (another process may have decided some meanwhile).
   */
  drop(worldId: string): void {
    this.worlds.delete(worldId);
    this.last.clear();
  }

  /** Holding the worlds again: everything is forgotten and read back from the log. */
  async forget(): Promise<void> {
    this.worlds.clear();
    await this.reload();
  }

  /** Reloads what an unsure memory knew, if it is unsure. */
  async ensureFresh(): Promise<void> {
    if (this.stale) await this.reload();
  }

  /**
   * Rebuilds memory from the log: at start, after a pause, and after a failed append left memory
   * unsure. A failed append may in fact have committed (the connection died after COMMIT reached
   * the server): whatever the log holds past what memory knew of a world is published now, so no
   * committed event is left off the stream.
   */
  private async reload(): Promise<void> {
    // Memory is dropped only once the log has answered: a reload that fails keeps what it knew.
    for (const [worldId, w] of this.worlds) await this.publishLanded(worldId, w.seq);
    this.worlds.clear();
    this.outcomes.clear();
    this.last.clear(); // read again per character, as batches name them
    this.stale = false;
  }

  private async publishLanded(worldId: string, knownSeq: number): Promise<void> {
    for (let after = knownSeq; ;) {
      const rows = await this.log.eventsAfter(worldId, after);
      if (!rows.length) return;
      this.logger.warn({ worldId, fromSeq: rows[0]!.seq, events: rows.length }, 'a failed append had committed; publishing its events');
      this.publisher.enqueue(rows);
      after = rows[rows.length - 1]!.seq;
    }
  }

  /** The worlds a batch names, in order of first mention; a world that does not exist is left out. */
  async load(worldIds: readonly string[]): Promise<Map<string, World>> {
    const out = new Map<string, World>();
    for (const id of worldIds) {
      if (out.has(id)) continue;
      const w = await this.world(id);
      if (w) out.set(id, w);
    }
    return out;
  }

  /** A world's state, folded from its log; a world whose log is empty is seeded first. */
  private async world(worldId: string): Promise<World | undefined> {
    let w = this.worlds.get(worldId);
    if (w) return w;
    const started = performance.now();
    const loaded = await this.log.loadWorld(worldId);
    if (!loaded) return undefined;
    const { fromSnapshot, folded, ...at } = loaded;
    w = at;
    this.logger.info({ worldId, seq: w.seq, fromSnapshot, folded, ms: Math.round(performance.now() - started) }, 'world loaded');
    // A long fold now is a long fold at every start until the next snapshot: store one at once.
    if (this.snapshotEvery && folded >= this.snapshotEvery) this.snapshot(worldId, w);
    const seed = decideSeed(worldId, w, new Date().toISOString());
    if (seed) {
      await this.log.append(seed.rows, [], this.fence?.([worldId]));
      this.publisher.enqueue(seed.rows);
      w = seed.world;
    }
    this.worlds.set(worldId, w);
    return w;
  }

  /** The batch committed: memory follows the log, and its players' outcomes are kept for resends. */
  committed(d: BatchDecision, intents: readonly BatchIntent[]): void {
    for (const [id, w] of d.worlds) {
      const before = this.worlds.get(id)?.seq ?? 0;
      if (this.snapshotEvery && Math.floor(w.seq / this.snapshotEvery) > Math.floor(before / this.snapshotEvery)) this.snapshot(id, w);
      this.worlds.set(id, w);
    }
    for (const [c, s] of d.lastIntentSeq) this.last.set(c, s);
    // Arrived through a portal: its intents before were decided in another world, perhaps by another process.
    for (const { env } of intents) if (env.kind === 'handover') this.last.delete(env.characterId);
    intents.forEach(({ env }, i) => {
      const outcome = d.verdicts[i]!.outcome;
      if (env.kind === 'player' && outcome) this.outcomes.set(env.characterId, env.intentSeq, toStored(outcome));
    });
  }

  /**
   * Stores a world's state in the background (states are never mutated, so this one stays as it
   * is). One save per world at a time; one asked for meanwhile is skipped (the next multiple takes
   * it). A failure is logged: snapshots are a cache of the log, never needed for correctness.
   */
  private snapshot(worldId: string, w: World): void {
    if (this.saving.has(worldId)) return;
    const saving = this.log
      .saveSnapshot(worldId, w)
      .then(() => this.logger.debug({ worldId, seq: w.seq }, 'world snapshot stored'))
      .catch((err: Error) => this.logger.warn({ worldId, seq: w.seq, err: err.message }, 'world snapshot not stored'))
      .finally(() => this.saving.delete(worldId));
    this.saving.set(worldId, saving);
  }

  /**
   * The answer to a resend, from recent outcomes or the log. It never throws: the batch's other
   * intents are acked already; a lookup that fails is answered retryable and the next resend anew.
   */
  async resend(characterId: string, intentSeq: number): Promise<Outcome> {
    try {
      return resendAnswer(this.outcomes.get(characterId, intentSeq) ?? (await this.log.outcome(characterId, intentSeq)));
    } catch {
      return lookupFailed;
    }
  }
}
