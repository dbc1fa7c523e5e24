import type { QueryResult, QueryResultRow } from 'pg';
import type { Handover } from '@tilemud/domain';
import { COLUMNS, EventRecord, LoggedEvent, RAW_COLUMNS, SKIP_SCAN, toCurrent, toRaw } from './rows';

/** What the reader needs of node-postgres: a Pool, a Client, or a client checked out for a transaction. */
export interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

export interface LogReaderOptions {
  /**
   * Events as stored (their own version, and the hash chain) instead of read through the domain's
   * upcasters as today's shape: for export and verification, never for folding by hand.
   */
  raw?: boolean;
}

/** Which events `eventsAfter` reads. */
export interface EventRange {
  /** The last seq read (inclusive). */
  upTo?: number;
  /** At most this many events (the first ones). */
  limit?: number;
  /** Only the events this character made or whose data names it (`characterId`). */
  characterId?: string;
  /** Only events of these types. */
  types?: readonly string[];
}

/** A world's stretch of the log. */
export interface WorldLogSummary {
  worldId: string;
  first: number;
  head: number;
  events: number;
}

/** The first place a world's log does not prove itself: `problem` starts with 'missing', 'chain broken' or 'hash mismatch'. */
export interface LogBreak {
  worldId: string;
  seq: number;
  problem: string;
}

/** How an intent was decided, as kept in the log: for answering its resend the same way. */
export type StoredOutcome = { status: 'applied'; seq: number; handover?: { toWorldId: string } } | { status: 'rejected'; code: string; message: string; details?: Record<string, unknown> };

/**
 * Every read of the event log (`action_events`, and `intent_rejections` for the intents it refused),
 * in one place: the sequencer's recovery, the projector's catch-up, the gateway's replay, snapshot
 * fold and health, the workers' metrics, the admin time travel and the operator command ask it rather than the tables. The
 * sequencer's append stays the only writer. Events come read through the domain's upcasters, in
 * today's shape, whatever version they were written with (unless the reader is raw). Give it a
 * pool, a client, or the client of a transaction when several reads must see the log at one moment.
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
   * A world's events after `afterSeq`, in seq order: up to `upTo` when given, at most `limit` of
   * them when given (the first ones), and only those the filters keep. Without any, the rest of the log.
   */
  async eventsAfter(worldId: string, afterSeq: number, range: EventRange = {}): Promise<LoggedEvent[]> {
    const params: unknown[] = [worldId, afterSeq, range.upTo ?? null, range.limit ?? null];
    let filters = '';
    if (range.characterId) {
      params.push(range.characterId);
      filters += ` AND (character_id = $${params.length}::uuid OR payload->>'characterId' = $${params.length}::text)`;
    }
    if (range.types?.length) {
      params.push(range.types);
      filters += ` AND type = ANY($${params.length}::text[])`;
    }
    const { rows } = await this.db.query<EventRecord>(
      `SELECT ${this.columns} FROM action_events
        WHERE world_id = $1 AND seq > $2 AND ($3::bigint IS NULL OR seq <= $3)${filters} ORDER BY seq LIMIT $4`,
      params,
    );
    return rows.map(this.toLogged);
  }

  /** How many events a world has after `afterSeq` (up to `upTo` when given): a progress bar's total. */
  async count(worldId: string, afterSeq = 0, upTo?: number): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM action_events WHERE world_id = $1 AND seq > $2 AND ($3::bigint IS NULL OR seq <= $3)', [
      worldId,
      afterSeq,
      upTo ?? null,
    ]);
    return Number(rows[0]?.n ?? 0);
  }

  /** The last seq of a world recorded at or before `time` (0: none was). */
  async seqAt(worldId: string, time: Date | string): Promise<number> {
    const { rows } = await this.db.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM action_events WHERE world_id = $1 AND recorded_at <= $2', [worldId, time]);
    return Number(rows[0]?.seq ?? 0);
  }

  /** The last `limit` chat lines of a world at or below `seq`, oldest first. */
  async chatUpTo(worldId: string, seq: number, limit: number): Promise<LoggedEvent[]> {
    const { rows } = await this.db.query<EventRecord>(`SELECT ${this.columns} FROM action_events WHERE world_id = $1 AND seq <= $2 AND type = 'chat.posted' ORDER BY seq DESC LIMIT $3`, [
      worldId,
      seq,
      limit,
    ]);
    return rows.map(this.toLogged).reverse();
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

  /** Every world of the log with its first and last seq and how many events it has (a scan of the log). */
  async summaries(): Promise<WorldLogSummary[]> {
    const { rows } = await this.db.query<{ world_id: string; first: string; head: string; events: string }>(
      'SELECT world_id, min(seq) AS first, max(seq) AS head, count(*) AS events FROM action_events GROUP BY world_id ORDER BY world_id',
    );
    return rows.map((r) => ({ worldId: r.world_id, first: Number(r.first), head: Number(r.head), events: Number(r.events) }));
  }

  /**
   * The first break of each world's log (or of one world's), by the log's own check (migration
   * 009): a missing seq, a broken chain (events removed or reordered) or a hash mismatch (an
   * event changed after it was written). None: every log proves itself.
   */
  async breaks(worldId?: string): Promise<LogBreak[]> {
    const { rows } = await this.db.query<{ world_id: string; seq: string; problem: string }>('SELECT world_id, seq, problem FROM action_events_breaks($1) ORDER BY world_id', [worldId ?? null]);
    return rows.map((r) => ({ worldId: r.world_id, seq: Number(r.seq), problem: r.problem }));
  }

  /**
   * Whole rows of a world after `afterSeq`, at most `limit`, in seq order, each as the JSON text
   * PostgreSQL renders it (every column, the hash chain as `\\x…` hex, times at full precision):
   * an export's lines, which `importRows` (log/import.ts) inserts as they are.
   */
  async exportPage(worldId: string, afterSeq: number, limit: number): Promise<{ seq: number; json: string }[]> {
    const { rows } = await this.db.query<{ at_seq: string; row: string }>(
      // The page is taken first, then rendered: to_jsonb for the page's rows only, whatever the plan.
      `SELECT a.seq AS at_seq, to_jsonb(a)::text AS row FROM (
         SELECT * FROM action_events WHERE world_id = $1 AND seq > $2 ORDER BY seq LIMIT $3) a
        ORDER BY a.seq`,
      [worldId, afterSeq, limit],
    );
    return rows.map((r) => ({ seq: Number(r.at_seq), json: r.row }));
  }

  /**
   * The highest intentSeq decided for each of these characters (0: none), each two index lookups:
   * what a world's owner reads for characters it has not seen decided (they may have been decided
   * in a world another process owns, before a portal brought them here).
   */
  async lastIntentSeqsOf(characterIds: readonly string[]): Promise<Map<string, number>> {
    if (!characterIds.length) return new Map();
    const { rows } = await this.db.query<{ character_id: string; last: string | null }>(
      `SELECT c AS character_id, GREATEST(
         (SELECT max(intent_seq) FROM action_events WHERE character_id = c AND intent_seq IS NOT NULL),
         (SELECT max(intent_seq) FROM intent_rejections WHERE character_id = c)) AS last
         FROM unnest($1::uuid[]) AS c`,
      [characterIds],
    );
    return new Map(rows.map((r) => [r.character_id, Number(r.last ?? 0)]));
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
