import type { Pool } from 'pg';
import type { Change } from '@tilemud/contracts';
import { eventToChanges, WorldEvent } from '@tilemud/domain';
import { DeltaFrame, envelopeOf, EventEnvelope, Logger, LogReader, withTransaction } from '@tilemud/runtime';
import { checkAgainstLog, Verdict } from './log-check';
import { CharacterRow, foldEvents, loadCharacters, PROJECTION, READ_MODEL_LOCK, writeBatch } from './read-model';
import { recordApplied } from './projector-metrics';

export type { DeltaFrame };

export type DeltaSink = (frame: DeltaFrame) => void;

/**
 * Folds events into the read models in seq order, one transaction per batch with the checkpoint,
 * then hands each world's batch to the gateways as one state delta. What is applied always comes
 * from the PostgreSQL log, so the stream losing, repeating or corrupting messages changes nothing.
 */
export class Projector {
  private readonly checkpoints = new Map<string, number>();
  /**
   * A batch failed: its commit may have landed all the same (the connection died after COMMIT
   * reached the server), leaving the checkpoints in memory behind the database, and applying those
   * events again would insert their chat lines twice. The next batch reads the checkpoints first.
   */
  private stale = false;
  private readonly log: LogReader;

  constructor(
    private readonly pool: Pool,
    private readonly sink: DeltaSink,
    private readonly logger: Logger,
  ) {
    this.log = new LogReader(pool);
  }

  async loadCheckpoints(): Promise<void> {
    const { rows } = await this.pool.query<{ world_id: string; seq: string }>('SELECT world_id, seq FROM projection_checkpoints WHERE projection = $1', [PROJECTION]);
    // Replaced only once read: a failed read must not leave the projector believing it is at 0.
    this.checkpoints.clear();
    for (const r of rows) this.checkpoints.set(r.world_id, Number(r.seq));
    this.stale = false;
  }

  checkpoint(worldId: string): number {
    return this.checkpoints.get(worldId) ?? 0;
  }

  /** Applies everything the log has past the checkpoints (at start, and after a reset). */
  async catchUp(): Promise<number> {
    let total = 0;
    for (const worldId of await this.log.worlds()) {
      for (;;) {
        const from = this.checkpoint(worldId);
        const events = await this.fromLog(worldId, from, from + FILL_LIMIT, FILL_LIMIT);
        if (!events.length) break;
        await this.guarded(() => this.commit([{ worldId, from, events }]));
        total += events.length;
      }
    }
    return total;
  }

  /**
   * Projects what the stream delivered (any worlds, any order, repeats allowed). The stream only
   * says how far to go: what is applied is the log's events from the checkpoint on, read in the
   * same step, and each delivered event is compared with the log's at its seq. One that disagrees,
   * or that the log does not hold, is never applied: its verdict says to park it. Returns one
   * verdict per event, in order.
   */
  async project(incoming: EventEnvelope[]): Promise<Verdict[]> {
    return this.guarded(async () => {
      const verdicts = new Array<Verdict>(incoming.length);
      const byWorld = new Map<string, number[]>();
      incoming.forEach((e, i) => {
        const list = byWorld.get(e.worldId);
        if (list) list.push(i);
        else byWorld.set(e.worldId, [i]);
      });
      const plan: Plan = [];
      for (const [worldId, indexes] of byWorld) {
        const arrived = indexes.map((i) => incoming[i]!);
        const { log, coveredTo, fresh, from } = await this.readLog(
          worldId,
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
  private async readLog(worldId: string, seqs: number[]): Promise<{ log: Map<number, EventEnvelope>; coveredTo: number; fresh: EventEnvelope[]; from: number }> {
    const from = this.checkpoint(worldId);
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

  /** A failed step may have committed all the same: the next one reads the checkpoints first. */
  private async guarded<T>(step: () => Promise<T>): Promise<T> {
    if (this.stale) await this.loadCheckpoints();
    try {
      return await step();
    } catch (err) {
      this.stale = true;
      throw err;
    }
  }

  /** Writes each world's run of log events with its checkpoint, all in one transaction, then sends the deltas. */
  private async commit(plan: Plan): Promise<void> {
    if (!plan.length) return;
    // synchronous_commit off: the read model is disposable and its checkpoint commits with it, so a
    // crash may lose the last transactions, never half of one, and they are replayed from the log.
    // Its commits then skip the fsync wait and stay off the queue the sequencer's durable ones wait in.
    // The swap lock comes first, before any row is read or locked: a rebuild's swap (which holds it
    // exclusive) and a batch never interleave, and cannot deadlock on the rows.
    await withTransaction(
      this.pool,
      async (c) => {
        for (const p of plan) {
          const ids = [...new Set(p.events.map((e) => e.data.characterId).filter((id): id is string => typeof id === 'string'))];
          const known = new Map<string, CharacterRow>((await loadCharacters(c, ids)).map((r) => [r.id, r]));
          const last = p.events[p.events.length - 1]!;
          await writeBatch(
            c,
            p.worldId,
            foldEvents((id) => known.get(id), p.events),
            last.seq,
            last.recordedAt,
          );
        }
      },
      `BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_advisory_xact_lock_shared(${READ_MODEL_LOCK})`,
    );
    for (const p of plan) {
      const last = p.events[p.events.length - 1]!.seq;
      this.checkpoints.set(p.worldId, last);
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
