import type { PoolClient } from 'pg';
import type { WorldEvent } from '@tilemud/domain';
import { assertNever } from '@tilemud/domain';
import type { EventEnvelope } from '@tilemud/runtime';

export const PROJECTION = 'world_read_model';
export const CHAT_KEEP = 50;

/**
 * Applies one event to the read-model tables. Every value written comes from the event itself
 * (never now() or a random id), so replaying the log rebuilds the same rows byte for byte.
 */
export async function applyEvent(c: PoolClient, e: EventEnvelope): Promise<void> {
  const event = { type: e.type, data: e.data } as WorldEvent;
  switch (event.type) {
    case 'character.entered': {
      const d = event.data;
      await c.query(
        `INSERT INTO rm_characters (id, name, world_id, x, y, facing, online, inventory, last_seq, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, true, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET name = $2, world_id = $3, x = $4, y = $5, facing = $6, online = true,
           inventory = $7, last_seq = $8, updated_at = $9`,
        [d.characterId, d.name, e.worldId, d.x, d.y, d.facing, JSON.stringify(d.inventory), e.seq, e.recordedAt],
      );
      return;
    }
    case 'character.session_changed':
      return;
    case 'character.moved': {
      const d = event.data;
      await c.query('UPDATE rm_characters SET x = $2, y = $3, facing = $4, last_seq = $5, updated_at = $6 WHERE id = $1', [
        d.characterId,
        d.x,
        d.y,
        d.facing,
        e.seq,
        e.recordedAt,
      ]);
      return;
    }
    case 'character.left':
      await c.query('UPDATE rm_characters SET online = false, last_seq = $2, updated_at = $3 WHERE id = $1', [event.data.characterId, e.seq, e.recordedAt]);
      return;
    case 'chat.posted': {
      const d = event.data;
      await c.query('INSERT INTO rm_chat (world_id, seq, message_id, character_id, name, text, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        e.worldId,
        e.seq,
        d.messageId,
        d.characterId,
        d.name,
        d.text,
        d.at,
      ]);
      await c.query(
        `DELETE FROM rm_chat WHERE world_id = $1 AND seq < (
           SELECT min(seq) FROM (SELECT seq FROM rm_chat WHERE world_id = $1 ORDER BY seq DESC LIMIT ${CHAT_KEEP}) keep)`,
        [e.worldId],
      );
      return;
    }
    default:
      assertNever(event);
  }
}

/** Advances the world's seq and this projection's checkpoint, in the same transaction as the rows. */
export async function advance(c: PoolClient, worldId: string, seq: number, at: string): Promise<void> {
  await c.query(
    `INSERT INTO rm_worlds (world_id, seq, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (world_id) DO UPDATE SET seq = $2, updated_at = $3`,
    [worldId, seq, at],
  );
  await c.query(
    `INSERT INTO projection_checkpoints (projection, world_id, seq) VALUES ($1, $2, $3)
     ON CONFLICT (projection, world_id) DO UPDATE SET seq = $3`,
    [PROJECTION, worldId, seq],
  );
}

/** Drops every read-model row and checkpoint; the next catch-up rebuilds them from the log. */
export async function resetReadModels(c: PoolClient): Promise<void> {
  await c.query('TRUNCATE rm_characters, rm_worlds, rm_chat');
  await c.query('DELETE FROM projection_checkpoints WHERE projection = $1', [PROJECTION]);
}
