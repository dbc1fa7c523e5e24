import type { Pool } from 'pg';

/**
 * The gateway's only reads of the event log (action_events) for the operator's time travel: each
 * one bounded by a LIMIT. A single log reader is being built in libs/runtime; these two are what it
 * replaces here.
 */

/** One stored event, as the log holds it. */
export interface LogRow {
  seq: number;
  type: string;
  characterId: string | null;
  /** The event's schema version (1 for events stored before versions were). */
  version: number;
  payload: unknown;
  recordedAt: Date;
}

/** The world's last logged seq, 0 when nothing is logged (the primary key's index: no scan). */
export async function logHead(pool: Pool, worldId: string): Promise<number> {
  const { rows } = await pool.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM action_events WHERE world_id = $1', [worldId]);
  return rows[0]?.seq ? Number(rows[0].seq) : 0;
}

/** The world's events of seqs `from`..`to`, oldest first, at most `limit` of them. */
export async function readLog(pool: Pool, worldId: string, from: number, to: number, limit: number): Promise<LogRow[]> {
  const { rows } = await pool.query<{ seq: string; type: string; character_id: string | null; version: number; payload: unknown; recorded_at: Date }>(
    `SELECT seq, type, character_id, version, payload, recorded_at FROM action_events
      WHERE world_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq LIMIT $4`,
    [worldId, from, to, limit],
  );
  return rows.map((r) => ({ seq: Number(r.seq), type: r.type, characterId: r.character_id, version: r.version, payload: r.payload, recordedAt: r.recorded_at }));
}
