// Every SQL query the operator command makes on the event log (action_events), in one file: the
// log's one reader in libs/runtime replaces it when it lands. `db` is a pg Client (or Pool).
// Seqs come back as numbers (bigint text from pg), times as ISO strings.

/** A row as the apps see it (the EventRow of apps/sequencer/src/event-log.ts). */
export function toEvent(r) {
  return {
    worldId: r.world_id,
    seq: Number(r.seq),
    characterId: r.character_id ?? null,
    intentSeq: r.intent_seq === null || r.intent_seq === undefined ? null : Number(r.intent_seq),
    eventIndex: Number(r.event_index),
    type: r.type,
    payload: r.payload,
    recordedAt: new Date(r.recorded_at).toISOString(),
    traceId: r.trace_id ?? null,
  };
}

const COLUMNS = 'world_id, seq, character_id, intent_seq, event_index, type, payload, recorded_at, trace_id';

/** Every world with events: its first and last seq and how many it has. */
export async function worldHeads(db) {
  const { rows } = await db.query(
    'SELECT world_id, min(seq)::text AS first, max(seq)::text AS head, count(*)::text AS events FROM action_events GROUP BY world_id ORDER BY world_id',
  );
  return rows.map((r) => ({ worldId: r.world_id, first: Number(r.first), head: Number(r.head), events: Number(r.events) }));
}

/** The world's last seq (0: no events). */
export async function head(db, worldId) {
  const { rows } = await db.query('SELECT coalesce(max(seq), 0)::text AS head FROM action_events WHERE world_id = $1', [worldId]);
  return Number(rows[0].head);
}

/** The first seq that breaks 1, 2, 3…: `{ missing }` is the seq that should be there, `found` what is. */
export async function firstGap(db, worldId) {
  const { rows } = await db.query(
    `SELECT s.prev::text AS prev_seq, s.seq::text AS found_seq FROM (
       SELECT seq, coalesce(lag(seq) OVER (ORDER BY seq), 0) AS prev FROM action_events WHERE world_id = $1) s
      WHERE s.seq <> s.prev + 1 ORDER BY s.seq LIMIT 1`,
    [worldId],
  );
  return rows[0] ? { missing: Number(rows[0].prev_seq) + 1, found: Number(rows[0].found_seq) } : undefined;
}

/**
 * Events of a world after `after` up to `to` (inclusive), in seq order, at most `limit`.
 * `characterId`: the events it made or that name it in their data; `types`: only these types.
 */
export async function readEvents(db, { worldId, after = 0, to = Number.MAX_SAFE_INTEGER, characterId, types, limit = 1000 }) {
  const where = ['world_id = $1', 'seq > $2', 'seq <= $3'];
  const params = [worldId, after, to];
  if (characterId) {
    params.push(characterId);
    where.push(`(character_id = $${params.length}::uuid OR payload->>'characterId' = $${params.length}::text)`);
  }
  if (types?.length) {
    params.push(types);
    where.push(`type = ANY($${params.length}::text[])`);
  }
  params.push(limit);
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM action_events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${params.length}`, params);
  return rows.map(toEvent);
}

/** How many events `readEvents` would give without a limit (for a progress bar's total). */
export async function countEvents(db, { worldId, after = 0, to = Number.MAX_SAFE_INTEGER }) {
  const { rows } = await db.query('SELECT count(*)::text AS n FROM action_events WHERE world_id = $1 AND seq > $2 AND seq <= $3', [worldId, after, to]);
  return Number(rows[0].n);
}

/** The last seq recorded at or before `time` (0: none). */
export async function seqAtTime(db, worldId, time) {
  const { rows } = await db.query('SELECT coalesce(max(seq), 0)::text AS seq FROM action_events WHERE world_id = $1 AND recorded_at <= $2', [worldId, time]);
  return Number(rows[0].seq);
}

/** When the event at `seq` was recorded (undefined: no such event). */
export async function recordedAt(db, worldId, seq) {
  const { rows } = await db.query('SELECT recorded_at FROM action_events WHERE world_id = $1 AND seq = $2', [worldId, seq]);
  return rows[0] ? new Date(rows[0].recorded_at).toISOString() : undefined;
}

/** The last `limit` chat lines at or below `seq`, oldest first. */
export async function chatUpTo(db, worldId, seq, limit) {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM action_events WHERE world_id = $1 AND seq <= $2 AND type = 'chat.posted' ORDER BY seq DESC LIMIT $3`,
    [worldId, seq, limit],
  );
  return rows.map(toEvent).reverse();
}

/** The log table's columns, in table order: an export carries every one of them. */
export async function logColumns(db) {
  const { rows } = await db.query(
    `SELECT attname FROM pg_attribute WHERE attrelid = 'action_events'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
  );
  return rows.map((r) => r.attname);
}

/** Whole rows as JSON text (every column, timestamps at full precision), in seq order. */
export async function exportRows(db, worldId, after, limit) {
  const { rows } = await db.query(
    // The page is taken first, then rendered: to_jsonb for the page's rows only, whatever the plan.
    `SELECT a.seq::text AS at_seq, to_jsonb(a)::text AS row FROM (
       SELECT * FROM action_events WHERE world_id = $1 AND seq > $2 ORDER BY seq LIMIT $3) a
      ORDER BY a.seq`,
    [worldId, after, limit],
  );
  return rows.map((r) => ({ seq: Number(r.at_seq), json: r.row }));
}

/** Inside a transaction: nobody appends to the log until it ends (reads go on). */
export async function lockForImport(db) {
  await db.query('LOCK TABLE action_events IN SHARE ROW EXCLUSIVE MODE');
}

/** Inserts whole rows given as JSON text (as exportRows gives them): one statement. */
export async function insertRows(db, jsonRows) {
  const { rowCount } = await db.query('INSERT INTO action_events SELECT * FROM jsonb_populate_recordset(NULL::action_events, $1::jsonb)', [
    `[${jsonRows.join(',')}]`,
  ]);
  return rowCount;
}

/** Whether the world has any event. */
export async function hasEvents(db, worldId) {
  const { rowCount } = await db.query('SELECT 1 FROM action_events WHERE world_id = $1 LIMIT 1', [worldId]);
  return rowCount > 0;
}
