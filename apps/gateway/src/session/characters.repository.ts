import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Character } from '@tilemud/contracts';
import { DEFAULT_WORLD_ID, getWorld } from '@tilemud/domain';
import { PG_POOL } from '../tokens';

export interface CharacterIdentity {
  id: string;
  playerId: string;
  name: string;
  homeWorldId: string;
}

/** A player's character: its identity row, and its state as the read model last saw it. */
@Injectable()
export class CharactersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The player's character, created on first call (one per player). */
  async ensureFor(playerId: string, name: string): Promise<CharacterIdentity> {
    await this.pool.query(`INSERT INTO characters (id, player_id, name, home_world_id) VALUES ($1, $2, $3, $4) ON CONFLICT (player_id) DO NOTHING`, [randomUUID(), playerId, name, DEFAULT_WORLD_ID]);
    const { rows } = await this.pool.query('SELECT id, player_id AS "playerId", name, home_world_id AS "homeWorldId" FROM characters WHERE player_id = $1', [playerId]);
    return rows[0] as CharacterIdentity;
  }

  async byId(id: string): Promise<CharacterIdentity | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const { rows } = await this.pool.query('SELECT id, player_id AS "playerId", name, home_world_id AS "homeWorldId" FROM characters WHERE id = $1', [id]);
    return rows[0] as CharacterIdentity | undefined;
  }

  /** The character as a client sees it: from the read model, or at its home spawn before its first entry. */
  async view(c: CharacterIdentity): Promise<Character> {
    const { rows } = await this.pool.query('SELECT world_id, x, y, facing, inventory FROM rm_characters WHERE id = $1', [c.id]);
    const r = rows[0] as { world_id: string; x: number; y: number; facing: Character['facing']; inventory: Character['inventory'] } | undefined;
    if (r) return { id: c.id, name: c.name, worldId: r.world_id, x: r.x, y: r.y, facing: r.facing, inventory: r.inventory };
    const spawn = getWorld(c.homeWorldId)!.spawns[0]!;
    return { id: c.id, name: c.name, worldId: c.homeWorldId, x: spawn.x, y: spawn.y, facing: 'south', inventory: [] };
  }
}
