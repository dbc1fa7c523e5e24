import type { Pool } from 'pg';
import { EVENT_VERSIONS, getWorld, Handover, StateAt } from '@tilemud/domain';
import { FoldedState, LeaseFence, LoggedEvent, LogReader, stateAt, StoredOutcome, WorldSnapshots } from '@tilemud/runtime';
import { recordAppended } from './sequencer-metrics';

/** An event the sequencer decided: a row of the log (the W3C traceparent of the span that decided it is kept in memory only, for publishing). */
export interface EventRow extends LoggedEvent {
  traceparent?: string;
}

export interface RejectionRow {
  characterId: string;
  intentSeq: number;
  worldId: string;
  code: string;
  message: string;
  details: Record<string, unknown> | null;
  recordedAt: string;
}

export type { StoredOutcome };

/** Events read per query while folding a world at load. */
const FOLD_PAGE = 10_000;

/**
 * The PostgreSQL side of the sequencer: the append (its only writer), the world snapshots it
 * stores, and what it reads back, through the log's one reader (libs/runtime/src/log/reader.ts).
 */
export class EventLog {
  private readonly reader: LogReader;
  private readonly snapshots: WorldSnapshots;

  constructor(private readonly pool: Pool) {
    this.reader = new LogReader(pool);
    this.snapshots = new WorldSnapshots(pool);
  }

  /**
   * The whole batch in ONE statement: in autocommit it is one transaction (all of it is durable, or
   * none of it), and it costs one round trip instead of BEGIN, two INSERTs and COMMIT. `fence`: the
   * world leases it is written under, checked in that same transaction (`world_lease_fence`,
   * migration 011): a world whose lease this process no longer holds fails the whole append with
   * SQLSTATE TMLEA (`isLeaseLost`), and nothing of it is stored.
   */
  async append(events: EventRow[], rejections: RejectionRow[], fence?: LeaseFence): Promise<void> {
    if (events.length === 0 && rejections.length === 0) return;
    await this.pool.query(
      `WITH fence AS (SELECT world_lease_fence($18, $19, $20::text[], $21::bigint[]) AS ok),
       ev AS (
         INSERT INTO action_events (world_id, seq, character_id, intent_seq, event_index, type, payload, recorded_at, trace_id, version)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::bigint[], $5::smallint[], $6::text[], $7::jsonb[], $8::timestamptz[], $9::text[], $17::smallint[])
          WHERE (SELECT ok FROM fence)
         RETURNING 1),
       rj AS (
         INSERT INTO intent_rejections (character_id, intent_seq, world_id, code, message, details, recorded_at)
         SELECT * FROM unnest($10::uuid[], $11::bigint[], $12::text[], $13::text[], $14::text[], $15::jsonb[], $16::timestamptz[])
          WHERE (SELECT ok FROM fence)
         ON CONFLICT DO NOTHING
         RETURNING 1)
       SELECT (SELECT ok FROM fence) AS fenced, (SELECT count(*) FROM ev) AS events, (SELECT count(*) FROM rj) AS rejections`,
      [
        events.map((e) => e.worldId),
        events.map((e) => e.seq),
        events.map((e) => e.characterId),
        events.map((e) => e.intentSeq),
        events.map((e) => e.eventIndex),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.payload)),
        events.map((e) => e.recordedAt),
        events.map((e) => e.traceId),
        rejections.map((r) => r.characterId),
        rejections.map((r) => r.intentSeq),
        rejections.map((r) => r.worldId),
        rejections.map((r) => r.code),
        rejections.map((r) => r.message),
        rejections.map((r) => (r.details ? JSON.stringify(r.details) : null)),
        rejections.map((r) => r.recordedAt),
        // Written in today's shape: the version the domain writes each type with.
        events.map((e) => e.version ?? (EVENT_VERSIONS as Record<string, number | undefined>)[e.type] ?? 1),
        fence?.role ?? null,
        fence?.holder ?? null,
        fence?.worlds ?? null,
        fence?.epochs ?? null,
      ],
    );
    recordAppended(events);
  }

  /**
   * A world's state at its head: its newest stored snapshot and the log after it folded on, a page
   * at a time (`stateAt`, the same fold the operator command and time travel use): a start costs
   * the events since the snapshot, not the log's length. `fromSnapshot` 0: none.
   */
  async loadWorld(worldId: string): Promise<FoldedState | undefined> {
    const map = getWorld(worldId);
    if (!map) return undefined;
    return stateAt(this.pool, map, await this.reader.head(worldId), { page: FOLD_PAGE });
  }

  /** Stores a world's state at its seq (a second time: a no-op). */
  saveSnapshot(worldId: string, at: StateAt): Promise<void> {
    return this.snapshots.save(worldId, at);
  }

  /** The highest intentSeq each of these characters has had decided (applied or rejected; 0: none). */
  lastIntentSeqsOf(characterIds: readonly string[]): Promise<Map<string, number>> {
    return this.reader.lastIntentSeqsOf(characterIds);
  }

  /** The original outcome of an intent, for answering its resend. */
  outcome(characterId: string, intentSeq: number): Promise<StoredOutcome | undefined> {
    return this.reader.outcome(characterId, intentSeq);
  }

  eventsAfter(worldId: string, afterSeq: number, limit = 5000): Promise<EventRow[]> {
    return this.reader.eventsAfter(worldId, afterSeq, { limit });
  }

  /** Departures (the recorded first half of a portal crossing) whose arrival is not in the log. */
  pendingHandovers(olderThanMs: number): Promise<Handover[]> {
    return this.reader.pendingDepartures(olderThanMs);
  }

  worldsInLog(): Promise<string[]> {
    return this.reader.worlds();
  }
}
