import type { QueryResult, QueryResultRow } from 'pg';
import { EVENT_VERSIONS, type Handover, upcast } from '@tilemud/domain';
import type { EventEnvelope } from '../wire';

/** What the reader needs of node-postgres: a Pool, a Client, or a client checked out for a transaction. */
export interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** One row of `action_events`, as every reader of the log sees it. */
export interface LoggedEvent {
  worldId: string;
  seq: number;
  characterId: string | null;
  /** The player intent it answers (null for system intents and handovers). */
  intentSeq: number | null;
  /** Its place among the events of one intent (0 first). */
  eventIndex: number;
  type: string;
  payload: Record<string, unknown>;
  /**
   * The schema version of `payload` as returned: today's (EVENT_VERSIONS) for a reader that upcasts,
   * the stored one for a raw reader. Absent on an event not yet appended: today's.
   */
  version?: number;
  /** ISO 8601. */
  recordedAt: string;
  /** The trace id of the intent that decided it. */
  traceId: string | null;
  /** Raw readers only: the hash chain (hex), as stored. */
  prevHash?: string | null;
  hash?: string | null;
}

export interface LogReaderOptions {
  /**
   * Events as stored (their own version, and the hash chain) instead of read through the domain's
   * upcasters as today's shape: for export and verification, never for folding by hand.
   */
  raw?: boolean;
}

/** How an intent was decided, as kept in the log: for answering its resend the same way. */
export type StoredOutcome =
  | { status: 'applied'; seq: number; handover?: { toWorldId: string } }
  | { status: 'rejected'; code: string; message: string; details?: Record<string, unknown> };

const COLUMNS = 'world_id, seq, character_id, intent_seq, event_index, type, payload, version, recorded_at, trace_id';
/** A raw reader's columns: the hash chain too (decoding it costs a third of a read). */
const RAW_COLUMNS = `${COLUMNS}, prev_hash, hash`;

/**
 * Every read of the event log (`action_events`, and `intent_rejections` for the intents it refused),
 * in one place: the sequencer's recovery, the projector's catch-up, the gateway's replay, snapshot
 * fold and health, the workers' metrics and the operator CLI ask it rather than the tables. The
 * sequencer's append stays the only writer. Events come read through the domain's upcasters, in
 * today's shape, whatever version they were written with (unless the reader is raw). Give it a pool, a client, or the client of a
 * transaction when several reads must see the log at one moment.
 */
export class LogReader {
  private readonly toLogged: (r: EventRecord) => LoggedEvent;
  private readonly columns: string;

  constructor(
    private readonly db: Queryable,
    options: LogReaderOptions = {},
  ) {
    this.toLogged = options.raw ? toRaw : toCurrent;
    this.columns = options.raw ? RAW_COLUMNS : COLUMNS;
  }

  /**
   * A world's events after `afterSeq`, in seq order: up to `upTo` when given, and at most `limit`
   * of them when given (the first ones). Without either, the rest of the log.
   */
  async eventsAfter(worldId: string, afterSeq: number, range: { upTo?: number; limit?: number } = {}): Promise<LoggedEvent[]> {
    const { rows } = await this.db.query<EventRecord>(
      `SELECT ${this.columns} FROM action_events
        WHERE world_id = $1 AND seq > $2 AND ($3::bigint IS NULL OR seq <= $3) ORDER BY seq LIMIT $4`,
      [worldId, afterSeq, range.upTo ?? null, range.limit ?? null],
    );
    return rows.map(this.toLogged);
  }

  /** A world's events at these seqs (those the log holds), in seq order. */
  async eventsAt(worldId: string, seqs: readonly number[]): Promise<LoggedEvent[]> {
    const { rows } = await this.db.query<EventRecord>(`SELECT ${this.columns} FROM action_events WHERE world_id = $1 AND seq = ANY($2::bigint[]) ORDER BY seq`, [worldId, seqs]);
    return rows.map(this.toLogged);
  }

  /** A world's last seq (0 while its log is empty): every ack of it so far is at or below. */
  async head(worldId: string): Promise<number> {
    const { rows } = await this.db.query<{ head: string | null }>('SELECT max(seq) AS head FROM action_events WHERE world_id = $1', [worldId]);
    return Number(rows[0]?.head ?? 0);
  }

  /**
   * Each world's last seq: of every world in the log, or of the worlds named (0 for one the log
   * has nothing of). One index probe per world however long the log: a skip scan over the
   * primary key (world_id, seq) finds the worlds.
   */
  async heads(worldIds?: readonly string[]): Promise<Map<string, number>> {
    const worlds = worldIds ? 'SELECT unnest($1::text[]) AS world_id' : `SELECT world_id FROM (${SKIP_SCAN}) w WHERE world_id IS NOT NULL`;
    const { rows } = await this.db.query<{ world_id: string; head: string | null }>(
      `SELECT w.world_id, (SELECT max(e.seq) FROM action_events e WHERE e.world_id = w.world_id) AS head FROM (${worlds}) w`,
      worldIds ? [worldIds] : [],
    );
    return new Map(rows.map((r) => [r.world_id, Number(r.head ?? 0)]));
  }

  /** The worlds the log holds events of, in id order (the same skip scan). */
  async worlds(): Promise<string[]> {
    const { rows } = await this.db.query<{ world_id: string | null }>(SKIP_SCAN);
    return rows.flatMap((r) => (r.world_id === null ? [] : [r.world_id]));
  }

  /** The highest intentSeq decided of each character (applied or rejected). */
  async lastIntentSeqs(): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ character_id: string; last: string }>(
      `SELECT character_id, max(intent_seq) AS last FROM (
         SELECT character_id, intent_seq FROM action_events WHERE intent_seq IS NOT NULL
         UNION ALL SELECT character_id, intent_seq FROM intent_rejections) o
       GROUP BY character_id`,
    );
    return new Map(rows.map((r) => [r.character_id, Number(r.last)]));
  }

  /** How one intent of a character was decided, or undefined when the log does not know it. */
  async outcome(characterId: string, intentSeq: number): Promise<StoredOutcome | undefined> {
    // The intent's last event: its seq is the ack's, and a departure there means a portal crossing.
    const applied = await this.db.query<{ seq: string; type: string; to: string | null }>(
      `SELECT seq, type, payload->>'toWorldId' AS to FROM action_events WHERE character_id = $1 AND intent_seq = $2
        ORDER BY event_index DESC LIMIT 1`,
      [characterId, intentSeq],
    );
    const last = applied.rows[0];
    if (last) {
      const seq = Number(last.seq);
      return last.type === 'character.departed' && last.to ? { status: 'applied', seq, handover: { toWorldId: last.to } } : { status: 'applied', seq };
    }
    const rejected = await this.db.query<{ code: string; message: string; details: Record<string, unknown> | null }>(
      'SELECT code, message, details FROM intent_rejections WHERE character_id = $1 AND intent_seq = $2',
      [characterId, intentSeq],
    );
    const r = rejected.rows[0];
    if (!r) return undefined;
    return r.details ? { status: 'rejected', code: r.code, message: r.message, details: r.details } : { status: 'rejected', code: r.code, message: r.message };
  }

  /** Departures (the recorded first half of a portal crossing) older than this whose arrival is not in the log. */
  async pendingDepartures(olderThanMs: number): Promise<Handover[]> {
    const { rows } = await this.db.query<{ payload: Handover }>(
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
}

/** A logged event as the EVENTS stream carries it. */
export function envelopeOf(e: LoggedEvent): EventEnvelope {
  return { worldId: e.worldId, seq: e.seq, type: e.type, data: e.payload, characterId: e.characterId, intentSeq: e.intentSeq, recordedAt: e.recordedAt };
}

/** Each world id of the log once, in order: one index probe per world instead of a scan of every event. */
const SKIP_SCAN = `WITH RECURSIVE w AS (
    (SELECT world_id FROM action_events ORDER BY world_id LIMIT 1)
    UNION ALL
    SELECT (SELECT e.world_id FROM action_events e WHERE e.world_id > w.world_id ORDER BY e.world_id LIMIT 1) FROM w WHERE w.world_id IS NOT NULL)
  SELECT world_id FROM w`;

interface EventRecord {
  world_id: string;
  seq: string;
  character_id: string | null;
  intent_seq: string | null;
  event_index: number;
  type: string;
  payload: Record<string, unknown>;
  version: number;
  recorded_at: Date;
  trace_id: string | null;
  prev_hash?: Buffer | null;
  hash?: Buffer | null;
}

function toRaw(r: EventRecord): LoggedEvent {
  return {
    worldId: r.world_id,
    seq: Number(r.seq),
    characterId: r.character_id,
    intentSeq: r.intent_seq === null ? null : Number(r.intent_seq),
    eventIndex: Number(r.event_index),
    type: r.type,
    payload: r.payload,
    version: Number(r.version),
    recordedAt: new Date(r.recorded_at).toISOString(),
    traceId: r.trace_id,
    prevHash: r.prev_hash ? r.prev_hash.toString('hex') : null,
    hash: r.hash ? r.hash.toString('hex') : null,
  };
}

/** Today's shape of a stored event. A type the domain does not know is passed on as stored. */
function toCurrent(r: EventRecord): LoggedEvent {
  const { prevHash: _p, hash: _h, ...e } = toRaw(r);
  const current = (EVENT_VERSIONS as Record<string, number | undefined>)[e.type];
  if (current === undefined || e.version === current) return e;
  return { ...e, payload: upcast(e.type, e.version ?? 1, e.payload).data as Record<string, unknown>, version: current };
}
