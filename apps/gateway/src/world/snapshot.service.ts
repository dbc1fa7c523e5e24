import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Character, ChatMessage, Snapshot, WorldSummary } from '@tilemud/contracts';
import { SNAPSHOT_CHAT_LIMIT } from '@tilemud/contracts';
import { getWorld } from '@tilemud/domain';
import { withTransaction } from '@tilemud/runtime';
import { PG_POOL } from '../tokens';

const PROJECTION = 'world_read_model';

/** Reads a world from the read model, consistently (one repeatable-read transaction) at one seq. */
@Injectable()
export class SnapshotService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async seq(worldId: string): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string }>('SELECT seq FROM projection_checkpoints WHERE projection = $1 AND world_id = $2', [PROJECTION, worldId]);
    return rows[0] ? Number(rows[0].seq) : 0;
  }

  async summary(worldId: string): Promise<WorldSummary | undefined> {
    const map = getWorld(worldId);
    if (!map) return undefined;
    return { id: map.id, name: map.name, width: map.width, height: map.height, seq: await this.seq(worldId) };
  }

  /** Waits (briefly) until the read model has reached `seq`, so nobody is shown state older than their own ack. */
  async waitFor(worldId: string, seq: number, timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      if ((await this.seq(worldId)) >= seq) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Waits until the read model shows the character online in `worldId`; its seq there, or undefined. */
  async arrival(characterId: string, worldId: string, timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const { rows } = await this.pool.query<{ last_seq: string }>(
        'SELECT last_seq FROM rm_characters WHERE id = $1 AND world_id = $2 AND online',
        [characterId, worldId],
      );
      if (rows[0]) return Number(rows[0].last_seq);
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async load(worldId: string): Promise<{ seq: number; snapshot: Snapshot } | undefined> {
    const map = getWorld(worldId);
    if (!map) return undefined;
    return withTransaction(
      this.pool,
      async (c) => {
        const cp = await c.query<{ seq: string }>('SELECT seq FROM projection_checkpoints WHERE projection = $1 AND world_id = $2', [PROJECTION, worldId]);
        const seq = cp.rows[0] ? Number(cp.rows[0].seq) : 0;
        const chars = await c.query(
          'SELECT id, name, world_id, x, y, facing, inventory FROM rm_characters WHERE world_id = $1 AND online ORDER BY id',
          [worldId],
        );
        const chat = await c.query('SELECT message_id, character_id, name, text, at FROM rm_chat WHERE world_id = $1 ORDER BY seq DESC LIMIT $2', [
          worldId,
          SNAPSHOT_CHAT_LIMIT,
        ]);
        const items = await c.query('SELECT id, kind, x, y FROM rm_items WHERE world_id = $1 ORDER BY id', [worldId]);
        const characters: Character[] = chars.rows.map((r) => ({
          id: r.id,
          name: r.name,
          worldId: r.world_id,
          x: r.x,
          y: r.y,
          facing: r.facing,
          inventory: r.inventory,
        }));
        const messages: ChatMessage[] = chat.rows.reverse().map((r) => ({
          id: r.message_id,
          from: { id: r.character_id, name: r.name },
          text: r.text,
          at: new Date(r.at).toISOString(),
        }));
        const world = { id: map.id, name: map.name, width: map.width, height: map.height, seq, tiles: [...map.tiles], portals: [...map.portals] };
        return { seq, snapshot: { world, characters, items: items.rows, chat: messages } };
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }
}
