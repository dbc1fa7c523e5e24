import type { Pool } from 'pg';
import { foldLog, getWorld, Handover, WorldState } from '@tilemud/domain';
import { recordAppended } from './sequencer-metrics';

export interface EventRow {
  worldId: string;
  seq: number;
  characterId: string | null;
  intentSeq: number | null;
  eventIndex: number;
  type: string;
  payload: Record<string, unknown>;
  recordedAt: string;
  traceId: string | null;
  /** The W3C traceparent of the span that decided it (kept in memory only, for publishing). */
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

export type StoredOutcome =
  | { status: 'applied'; seq: number; handover?: { toWorldId: string } }
  | { status: 'rejected'; code: string; message: string; details?: Record<string, unknown> };

/** The PostgreSQL side of the sequencer: the append-only log and what is read back from it. */
export class EventLog {
  constructor(private readonly pool: Pool) {}

  /**
   * The whole batch in ONE statement: in autocommit it is one transaction (all of it is durable, or
   * none of it), and it costs one round trip instead of BEGIN, two INSERTs and COMMIT.
   */
  async append(events: EventRow[], rejections: RejectionRow[]): Promise<void> {
    if (events.length === 0 && rejections.length === 0) return;
    await this.pool.query(
      `WITH ev AS (
         INSERT INTO action_events (world_id, seq, character_id, intent_seq, event_index, type, payload, recorded_at, trace_id)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::bigint[], $5::smallint[], $6::text[], $7::jsonb[], $8::timestamptz[], $9::text[])
         RETURNING 1),
       rj AS (
         INSERT INTO intent_rejections (character_id, intent_seq, world_id, code, message, details, recorded_at)
         SELECT * FROM unnest($10::uuid[], $11::bigint[], $12::text[], $13::text[], $14::text[], $15::jsonb[], $16::timestamptz[])
         ON CONFLICT DO NOTHING
         RETURNING 1)
       SELECT (SELECT count(*) FROM ev) AS events, (SELECT count(*) FROM rj) AS rejections`,
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
      ],
    );
    recordAppended(events);
  }

  /** Folds a world's whole log into its state. */
  async loadWorld(worldId: string): Promise<{ state: WorldState; seq: number } | undefined> {
    const map = getWorld(worldId);
    if (!map) return undefined;
    const { rows } = await this.pool.query<{ seq: string; type: string; payload: Record<string, unknown> }>(
      'SELECT seq, type, payload FROM action_events WHERE world_id = $1 ORDER BY seq',
      [worldId],
    );
    return foldLog(map, rows.map((r) => ({ seq: Number(r.seq), type: r.type, payload: r.payload })));
  }

  /** The highest intentSeq each character has had decided (applied or rejected). */
  async lastIntentSeqs(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ character_id: string; last: string }>(
      `SELECT character_id, max(intent_seq) AS last FROM (
         SELECT character_id, intent_seq FROM action_events WHERE intent_seq IS NOT NULL
         UNION ALL SELECT character_id, intent_seq FROM intent_rejections) o
       GROUP BY character_id`,
    );
    return new Map(rows.map((r) => [r.character_id, Number(r.last)]));
  }

  /** The original outcome of an intent, for answering its resend. */
  async outcome(characterId: string, intentSeq: number): Promise<StoredOutcome | undefined> {
    // The intent's last event: its seq is the ack's, and a departure there means a portal crossing.
    const applied = await this.pool.query<{ seq: string; type: string; to: string | null }>(
      `SELECT seq, type, payload->>'toWorldId' AS to FROM action_events WHERE character_id = $1 AND intent_seq = $2
        ORDER BY event_index DESC LIMIT 1`,
      [characterId, intentSeq],
    );
    const last = applied.rows[0];
    if (last) {
      const seq = Number(last.seq);
      return last.type === 'character.departed' && last.to ? { status: 'applied', seq, handover: { toWorldId: last.to } } : { status: 'applied', seq };
    }
    const rejected = await this.pool.query<{ code: string; message: string; details: Record<string, unknown> | null }>(
      'SELECT code, message, details FROM intent_rejections WHERE character_id = $1 AND intent_seq = $2',
      [characterId, intentSeq],
    );
    const r = rejected.rows[0];
    if (!r) return undefined;
    return r.details ? { status: 'rejected', code: r.code, message: r.message, details: r.details } : { status: 'rejected', code: r.code, message: r.message };
  }

  async eventsAfter(worldId: string, afterSeq: number, limit = 5000): Promise<EventRow[]> {
    const { rows } = await this.pool.query(
      `SELECT world_id, seq, character_id, intent_seq, event_index, type, payload, recorded_at, trace_id
         FROM action_events WHERE world_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [worldId, afterSeq, limit],
    );
    return rows.map(rowToEvent);
  }

  /** Departures (the recorded first half of a portal crossing) whose arrival is not in the log. */
  async pendingHandovers(olderThanMs: number): Promise<Handover[]> {
    const { rows } = await this.pool.query<{ payload: Handover }>(
      `SELECT d.payload FROM action_events d
        WHERE d.type = 'character.departed' AND d.recorded_at < now() - make_interval(secs => $1::float8 / 1000)
          AND NOT EXISTS (
            SELECT 1 FROM action_events a
             WHERE a.type = 'character.arrived' AND a.world_id = d.payload->>'toWorldId'
               AND a.character_id = d.character_id AND a.payload->>'handoverId' = d.payload->>'handoverId')
        ORDER BY d.recorded_at`,
      [olderThanMs],
    );
    return rows.map((r) => r.payload);
  }

  async worldsInLog(): Promise<string[]> {
    const { rows } = await this.pool.query<{ world_id: string }>('SELECT DISTINCT world_id FROM action_events');
    return rows.map((r) => r.world_id);
  }
}

export function rowToEvent(r: Record<string, unknown>): EventRow {
  return {
    worldId: r.world_id as string,
    seq: Number(r.seq),
    characterId: (r.character_id as string | null) ?? null,
    intentSeq: r.intent_seq === null ? null : Number(r.intent_seq),
    eventIndex: Number(r.event_index),
    type: r.type as string,
    payload: r.payload as Record<string, unknown>,
    recordedAt: new Date(r.recorded_at as string).toISOString(),
    traceId: (r.trace_id as string | null) ?? null,
  };
}
