import type { Pool } from 'pg';
import type { Change } from '@tilemud/contracts';
import { eventToChanges, WorldEvent } from '@tilemud/domain';
import { DeltaFrame, envelopeOf, EventEnvelope, Logger, LogReader, withTransaction } from '@tilemud/runtime';
import { checkAgainstLog, Verdict } from './log-check';
import { CharacterRow, foldEvents, PROJECTION, READ_MODEL_LOCK } from './read-model';
import { claimCheckpoint, loadCharacters, writeBatch } from './read-model-store';
import { recordApplied } from './projector-metrics';

export type { DeltaFrame };

export type DeltaSink = (frame: DeltaFrame) => void;

/**
 * Folds events into the read models in seq order, one transaction per batch with the checkpoint,
 * then hands each world's batch to the gateways as one state delta. What is applied always comes
 * from the PostgreSQL log, so the stream losing, repeating or corrupting messages changes nothing.
 */
export class Projector {
  /** The checkpoint of each world this process projects (holds the lease of); no other world is touched. */
  private readonly checkpoints = new Map<string, number>();
  /**
   * A step failed: its commit may have landed all the same (the connection died after COMMIT
   * reached the server), leaving the checkpoints in memory behind the database, and applying those
   * events again would insert their chat lines twice; or another process applied a world meanwhile
   * (CheckpointMovedError). The next step reads the checkpoints first.
   */
  private stale = false;
  /** The step in hand: steps run one at a time (batches, catch-up pages, checkpoint reads). */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly log: LogReader;

  constructor(
    private readonly pool: Pool,
    private readonly sink: DeltaSink,
    private readonly logger: Logger,
  ) {
    this.log = new LogReader(pool);
  }

  /** Takes a world up: from now on its events are projected, from its checkpoint as stored. */
  async loadCheckpoint(worldId: string): Promise<void> {
    await this.serial(async () => {
      const { rows } = await this.pool.query<{ seq: string }>('SELECT seq FROM projection_checkpoints WHERE projection = $1 AND world_id = $2', [PROJECTION, worldId]);
      this.checkpoints.set(worldId, Number(rows[0]?.seq ?? 0));
    });
  }

  /**
   * Gives a world up: no step started from now on touches it (its events get the verdict `later`,
   * to be offered again to whichever process takes it), and this resolves once the step in hand,
   * which may be applying it, is over.
   */
  async forget(worldId: string): Promise<void> {
    this.checkpoints.delete(worldId);
    await this.tail;
  }

  holds(worldId: string): boolean {
    return this.checkpoints.has(worldId);
  }

  checkpoint(worldId: string): number {
    return this.checkpoints.get(worldId) ?? 0;
  }

  /** Applies everything the log has past the world's checkpoint (when the world is taken up), a page per transaction. */
  async catchUpWorld(worldId: string): Promise<number> {
    let total = 0;
    for (;;) {
      const applied = await this.serial(async () => {
        if (!this.holds(worldId)) return 0;
        const from = this.checkpoint(worldId);
        const events = await this.fromLog(worldId, from, from + FILL_LIMIT, FILL_LIMIT);
        if (events.length) await this.commit([{ worldId, from, events }]);
        return events.length;
      });
      if (!applied) return total;
      total += applied;
    }
  }

  /**
   * Projects what the stream delivered (any worlds, any order, repeats allowed). The stream only
   * says how far to go: what is applied is the log's events from the checkpoint on, read in the
   * same step, and each delivered event is compared with the log's at its seq. One that disagrees,
   * or that the log does not hold, is never applied: its verdict says to park it. Returns one
   * verdict per event, in order.
   */
  async project(incoming: EventEnvelope[]): Promise<Verdict[]> {
    return this.serial(async () => {
      const verdicts = new Array<Verdict>(incoming.length);
      const byWorld = new Map<string, number[]>();
      incoming.forEach((e, i) => {
        // A world this process does not hold (given up while its events waited here): offered again, to its holder.
        if (!this.holds(e.worldId)) return void (verdicts[i] = { kind: 'later' });
        const list = byWorld.get(e.worldId);
        if (list) list.push(i);
        else byWorld.set(e.worldId, [i]);
      });
      // Read now: a world given up while this step reads the log is still applied from where it was.
      const froms = new Map([...byWorld.keys()].map((w) => [w, this.checkpoint(w)]));
      const plan: Plan = [];
      for (const [worldId, indexes] of byWorld) {
        const arrived = indexes.map((i) => incoming[i]!);
        const { log, coveredTo, fresh, from } = await this.readLog(
          worldId,
          froms.get(worldId)!,
          arrived.map((e) => e.seq),
        );
        checkAgainstLog(arrived, log, coveredTo).forEach((v, k) => (verdicts[indexes[k]!] = v));
        if (fresh.length) plan.push({ worldId, from, events: fresh });
      }
      await this.commit(plan);
      return verdicts;
    });
  }

  /**
   * The log's events at the seqs that arrived: those at or below the checkpoint one by one (only to
   * compare), and the run from the checkpoint up to the newest arrival (to apply), at most
   * FILL_LIMIT of them per batch.
   */
  private async readLog(worldId: string, from: number, seqs: number[]): Promise<{ log: Map<number, EventEnvelope>; coveredTo: number; fresh: EventEnvelope[]; from: number }> {
    const log = new Map<number, EventEnvelope>();
    const old = seqs.filter((s) => s <= from);
    if (old.length) for (const e of await this.atSeqs(worldId, old)) log.set(e.seq, e);
    const last = Math.max(...seqs);
    if (last <= from) return { log, coveredTo: from, fresh: [], from };
    const limit = Math.min(last - from, FILL_LIMIT);
    const fresh = await this.fromLog(worldId, from, last, limit);
    if (fresh.some((e, i) => e.seq !== from + i + 1)) throw new Error(`world ${worldId}: the log has a hole after seq ${from}`);
    for (const e of fresh) log.set(e.seq, e);
    return { log, coveredTo: fresh.length < limit ? last : fresh[fresh.length - 1]!.seq, fresh, from };
  }

  /** One step at a time; after a failed one, the next reads the checkpoints of the worlds held first. */
  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      if (this.stale) await this.reloadCheckpoints();
      try {
        return await step();
      } catch (err) {
        this.stale = true;
        throw err;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async reloadCheckpoints(): Promise<void> {
    const worlds = [...this.checkpoints.keys()];
    const { rows } = await this.pool.query<{ world_id: string; seq: string }>('SELECT world_id, seq FROM projection_checkpoints WHERE projection = $1 AND world_id = ANY($2)', [PROJECTION, worlds]);
    // Replaced only once read: a failed read must not leave the projector believing it is at 0.
    const read = new Map(rows.map((r) => [r.world_id, Number(r.seq)]));
    for (const w of worlds) if (this.checkpoints.has(w)) this.checkpoints.set(w, read.get(w) ?? 0);
    this.stale = false;
  }

  /** Writes each world's run of log events with its checkpoint, all in one transaction, then sends the deltas. */
  private async commit(unordered: Plan): Promise<void> {
    if (!unordered.length) return;
    // Worlds in one order in every process: two batches never wait on each other's checkpoint rows both ways.
    const plan = [...unordered].sort((a, b) => (a.worldId < b.worldId ? -1 : a.worldId > b.worldId ? 1 : 0));
    // synchronous_commit off: the read model is disposable and its checkpoint commits with it, so a
    // crash may lose the last transactions, never half of one, and they are replayed from the log.
    // Its commits then skip the fsync wait and stay off the queue the sequencer's durable ones wait in.
    // The swap lock comes first, before any row is read or locked: a rebuild's swap (which holds it
    // exclusive) and a batch never interleave, and cannot deadlock on the rows.
    await withTransaction(
      this.pool,
      async (c) => {
        // Each world's checkpoint first: a process that no longer holds a world is refused before it touches a row.
        for (const p of plan) await claimCheckpoint(c, p.worldId, p.from, p.events[p.events.length - 1]!.seq);
        // Every character the batch touches, locked at once (see loadCharacters); each world's fold then sees the previous one's rows.
        const ids = [...new Set(plan.flatMap((p) => p.events.map((e) => e.data.characterId)).filter((id): id is string => typeof id === 'string'))];
        const known = new Map<string, CharacterRow>((await loadCharacters(c, ids)).map((r) => [r.id, r]));
        for (const p of plan) {
          const last = p.events[p.events.length - 1]!;
          const rows = foldEvents((id) => known.get(id), p.events);
          await writeBatch(c, p.worldId, rows, last.seq, last.recordedAt);
          for (const r of rows.characters) known.set(r.id, r);
        }
      },
      `BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_advisory_xact_lock_shared(${READ_MODEL_LOCK})`,
    );
    for (const p of plan) {
      const last = p.events[p.events.length - 1]!.seq;
      // Given up meanwhile (see forget): its holder reads the checkpoint from the table.
      if (this.checkpoints.has(p.worldId)) this.checkpoints.set(p.worldId, last);
      recordApplied(p.worldId, p.events.length);
      // The domain's changes are the contract's (it types a few fields more loosely, e.g. facing as a string).
      const changes = p.events.flatMap((e) => eventToChanges(e.worldId, { type: e.type, data: e.data } as WorldEvent)) as Change[];
      this.sink({ type: 'event.state_delta', worldId: p.worldId, seq: last, prevSeq: p.from, full: false, changes });
    }
  }

  private async fromLog(worldId: string, afterSeq: number, upTo: number, limit: number): Promise<EventEnvelope[]> {
    return (await this.log.eventsAfter(worldId, afterSeq, { upTo, limit })).map(envelopeOf);
  }

  private async atSeqs(worldId: string, seqs: number[]): Promise<EventEnvelope[]> {
    return (await this.log.eventsAt(worldId, seqs)).map(envelopeOf);
  }
}

type Plan = Array<{ worldId: string; from: number; events: EventEnvelope[] }>;

/** Most log events one batch applies; a stream far ahead of the checkpoint is caught up in steps. */
const FILL_LIMIT = 10_000;
