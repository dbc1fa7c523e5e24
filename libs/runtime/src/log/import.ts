import type { Queryable } from './reader';

/**
 * The log's only writer besides the sequencer's append: `ops import` loading an export. Every
 * row it inserts goes through the chain trigger like any append, which computes the row's
 * prev_hash and hash anew from what the log holds; an export carries the hashes its source
 * computed, so an export edited after it was written (or out of order) cannot carry them.
 */

/** The first imported row whose recomputed chain is not the one its export carried. */
export interface ChainDifference {
  worldId: string;
  seq: number;
  /** Which of the row's chain columns differs (`hash` when both do). */
  field: 'hash' | 'prev_hash';
  /** Its value (hex) as the export carried it, and as the log computed it for the row. */
  carried: string | null;
  computed: string | null;
}

/** Inside a transaction: nobody appends to the log until it ends (reads go on). */
export async function lockForImport(db: Queryable): Promise<void> {
  await db.query('LOCK TABLE action_events IN SHARE ROW EXCLUSIVE MODE');
}

/**
 * Inserts whole rows given as JSON text (the lines `LogReader.exportPage` gives), in their order
 * (each world's in seq order), in one statement, and compares each row's chain as the trigger
 * computed it with the one the row carried. `difference`: the first that differs, in world and
 * seq order; the caller must then roll the transaction back (the rows are in it).
 */
export async function importRows(db: Queryable, jsonRows: readonly string[]): Promise<{ inserted: number; difference?: ChainDifference }> {
  const { rows } = await db.query<{ inserted: string; world_id: string | null; seq: string | null; field: ChainDifference['field']; carried: string | null; computed: string | null }>(
    `WITH given AS (SELECT * FROM jsonb_populate_recordset(NULL::action_events, $1::jsonb)),
     ins AS (INSERT INTO action_events SELECT * FROM given RETURNING world_id, seq, prev_hash, hash)
     SELECT (SELECT count(*) FROM ins) AS inserted, d.* FROM (SELECT 1) one LEFT JOIN LATERAL (
       SELECT i.world_id, i.seq, x.field, encode(x.carried, 'hex') AS carried, encode(x.computed, 'hex') AS computed
         FROM ins i JOIN given g ON g.world_id = i.world_id AND g.seq = i.seq
         CROSS JOIN LATERAL (VALUES ('hash', g.hash, i.hash), ('prev_hash', g.prev_hash, i.prev_hash)) x (field, carried, computed)
        WHERE x.carried IS DISTINCT FROM x.computed
        ORDER BY i.world_id, i.seq, x.field LIMIT 1) d ON true`,
    [`[${jsonRows.join(',')}]`],
  );
  const r = rows[0];
  const inserted = Number(r?.inserted ?? 0);
  if (!r?.world_id || r.seq === null) return { inserted };
  return { inserted, difference: { worldId: r.world_id, seq: Number(r.seq), field: r.field, carried: r.carried, computed: r.computed } };
}
