import type { Queryable } from './reader';

/** The log table's columns, in table order: an export carries every one, an import needs the same. */
export async function logColumns(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ attname: string }>(`SELECT attname FROM pg_attribute WHERE attrelid = 'action_events'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`);
  return rows.map((r) => r.attname);
}

/** What the log's triggers enforce now (a disabled trigger enforces nothing). */
export interface LogGuards {
  /** An UPDATE of an event is refused. */
  update: boolean;
  /** A DELETE of an event is refused. */
  delete: boolean;
  /** A TRUNCATE of the log is refused. */
  truncate: boolean;
  /** Every insert is hashed into its world's chain (action_events_chain). */
  chain: boolean;
}

// pg_trigger.tgtype bits (PostgreSQL's include/catalog/pg_trigger.h).
const BEFORE = 2;
const INSERT = 4;
const DELETE = 8;
const UPDATE = 16;
const TRUNCATE = 32;

/**
 * The enabled triggers of `action_events` and what they do: the append-only guard (migrations 001
 * and 009) refusing UPDATE, DELETE and TRUNCATE, and the chain trigger hashing every insert.
 */
export async function logGuards(db: Queryable): Promise<LogGuards> {
  const { rows } = await db.query<{ tgtype: number; fn: string }>(
    `SELECT t.tgtype, p.proname AS fn FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE t.tgrelid = 'action_events'::regclass AND NOT t.tgisinternal AND t.tgenabled <> 'D'`,
  );
  const refusing = rows.filter((r) => r.fn === 'action_events_append_only' && r.tgtype & BEFORE);
  const refuses = (bit: number) => refusing.some((r) => r.tgtype & bit);
  return {
    update: refuses(UPDATE),
    delete: refuses(DELETE),
    truncate: refuses(TRUNCATE),
    chain: rows.some((r) => r.fn === 'action_events_chain' && r.tgtype & BEFORE && r.tgtype & INSERT),
  };
}
