import type { PoolClient } from 'pg';
import { BatchRows, CHAT_KEEP, CharacterRow, ItemRow, PROJECTION } from './read-model';

/**
 * A world's checkpoint was not where this batch started from: another projector process applied
 * that world meanwhile (this one lost the world's lease, or has not noticed yet that it did). The
 * batch's transaction is rolled back, so a world's events are never applied twice.
 */
export class CheckpointMovedError extends Error {
  readonly code = 'CHECKPOINT_MOVED';
  constructor(
    readonly worldId: string,
    readonly expected: number,
  ) {
    super(`world ${worldId}: the read model's checkpoint is no longer at seq ${expected} (another projector applied it)`);
    this.name = 'CheckpointMovedError';
  }
}

/**
 * Moves a world's checkpoint from `fromSeq` (0: none yet) to `seq`, or throws
 * `CheckpointMovedError` (and the caller's transaction rolls back): compare-and-set, the first
 * statement of a batch's transaction. Two processes that both believe they hold a world (a lease
 * lost but not yet noticed) serialise here on the checkpoint's row, before either touches a read
 * model row, and the later one's batch is refused: no world's events are applied twice.
 */
export async function claimCheckpoint(c: PoolClient, worldId: string, fromSeq: number, seq: number): Promise<void> {
  const { rowCount } = fromSeq
    ? await c.query('UPDATE projection_checkpoints SET seq = $4 WHERE projection = $1 AND world_id = $2 AND seq = $3', [PROJECTION, worldId, fromSeq, seq])
    : await c.query(
        `INSERT INTO projection_checkpoints AS p (projection, world_id, seq) VALUES ($1, $2, $3)
         ON CONFLICT (projection, world_id) DO UPDATE SET seq = EXCLUDED.seq WHERE p.seq = 0`,
        [PROJECTION, worldId, seq],
      );
  if (rowCount !== 1) throw new CheckpointMovedError(worldId, fromSeq);
}

/**
 * Writes one world's batch (its checkpoint claimed first, see `claimCheckpoint`): one statement,
 * plus the chat trim. A character's row is only overwritten by a row of a later hand-over epoch,
 * or of the same epoch and world: a departure from one world and the arrival in the next are
 * projected by different processes in either order, and a row inserted by the other between this
 * batch's read and its write (no row to lock then, see `loadCharacters`) is not overwritten by an
 * older world's. Rows go in id order, as they were locked.
 */
export async function writeBatch(c: PoolClient, worldId: string, rows: BatchRows, seq: number, at: string): Promise<void> {
  const ch = [...rows.characters].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const chat = rows.chat;
  const placed = [...rows.items.values()].filter((i): i is ItemRow => i !== null);
  const removed = [...rows.items.entries()].filter(([, i]) => i === null).map(([id]) => id);
  await c.query(
    `WITH up AS (
       INSERT INTO rm_characters AS r (id, name, world_id, x, y, facing, online, inventory, last_seq, updated_at, epoch, away)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::boolean[], $8::jsonb[], $9::bigint[], $10::timestamptz[], $21::int[], $27::boolean[])
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, world_id = EXCLUDED.world_id, x = EXCLUDED.x, y = EXCLUDED.y,
         facing = EXCLUDED.facing, online = EXCLUDED.online, inventory = EXCLUDED.inventory, last_seq = EXCLUDED.last_seq,
         updated_at = EXCLUDED.updated_at, epoch = EXCLUDED.epoch, away = EXCLUDED.away
         WHERE r.epoch < EXCLUDED.epoch OR (r.epoch = EXCLUDED.epoch AND r.world_id = EXCLUDED.world_id)
       RETURNING 1),
     gone AS (
       DELETE FROM rm_items WHERE world_id = $18 AND id = ANY($22::text[])
       RETURNING 1),
     placed AS (
       INSERT INTO rm_items (world_id, id, kind, x, y)
       SELECT $18, * FROM unnest($23::text[], $24::text[], $25::int[], $26::int[])
       ON CONFLICT (world_id, id) DO UPDATE SET kind = EXCLUDED.kind, x = EXCLUDED.x, y = EXCLUDED.y
       RETURNING 1),
     msg AS (
       INSERT INTO rm_chat (world_id, seq, message_id, character_id, name, text, at)
       SELECT * FROM unnest($11::text[], $12::bigint[], $13::text[], $14::uuid[], $15::text[], $16::text[], $17::timestamptz[])
       RETURNING 1)
     INSERT INTO rm_worlds (world_id, seq, updated_at) VALUES ($18, $19, $20)
     ON CONFLICT (world_id) DO UPDATE SET seq = EXCLUDED.seq, updated_at = EXCLUDED.updated_at`,
    [
      ch.map((r) => r.id),
      ch.map((r) => r.name),
      ch.map((r) => r.world_id),
      ch.map((r) => r.x),
      ch.map((r) => r.y),
      ch.map((r) => r.facing),
      ch.map((r) => r.online),
      ch.map((r) => JSON.stringify(r.inventory)),
      ch.map((r) => r.last_seq),
      ch.map((r) => r.updated_at),
      chat.map((r) => r.world_id),
      chat.map((r) => r.seq),
      chat.map((r) => r.message_id),
      chat.map((r) => r.character_id),
      chat.map((r) => r.name),
      chat.map((r) => r.text),
      chat.map((r) => r.at),
      worldId,
      seq,
      at,
      ch.map((r) => r.epoch),
      removed,
      placed.map((i) => i.id),
      placed.map((i) => i.kind),
      placed.map((i) => i.x),
      placed.map((i) => i.y),
      ch.map((r) => r.away),
    ],
  );
  if (chat.length) {
    await c.query(
      `DELETE FROM rm_chat WHERE world_id = $1 AND seq < (
         SELECT min(seq) FROM (SELECT seq FROM rm_chat WHERE world_id = $1 ORDER BY seq DESC LIMIT ${CHAT_KEEP}) keep)`,
      [worldId],
    );
  }
}

/**
 * Rows of these characters as stored now, locked until the transaction ends (in id order, so two
 * batches never lock the same rows in opposite orders): a batch of another world, in another
 * process, that touches the same character (a portal crossing) waits, and this batch folds the
 * row as it really is, not as it was before the other committed.
 */
export async function loadCharacters(c: PoolClient, ids: string[]): Promise<CharacterRow[]> {
  if (!ids.length) return [];
  const sql = `SELECT id, name, world_id, x, y, facing, online, away, inventory, last_seq::int AS last_seq, updated_at, epoch
                 FROM rm_characters WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`;
  const { rows } = await c.query<Omit<CharacterRow, 'updated_at'> & { updated_at: Date }>(sql, [ids]);
  return rows.map((r) => ({ ...r, updated_at: r.updated_at.toISOString() }));
}
