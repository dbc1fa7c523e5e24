import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../tokens';

export interface PlayerRow {
  id: string;
  username: string;
  kind: 'guest' | 'registered';
  roles: string[];
}

/** Names guests are drawn from; nobody registers one. */
export const GUEST_PREFIX = 'guest_';

@Injectable()
export class PlayersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A guest gets a fresh player with a generated name; a collision just draws another. */
  async createGuest(): Promise<PlayerRow> {
    for (let attempt = 0; ; attempt++) {
      const username = `${GUEST_PREFIX}${randomBytes(4).toString('hex')}`;
      const row = await this.insert(username, username, 'guest', null);
      if (row) return row;
      if (attempt > 5) throw new Error('could not draw a free guest name');
    }
  }

  /** A registered player, or undefined when its canonical name (canonical-username.ts) is taken. */
  async register(username: string, canonical: string, passwordHash: string): Promise<PlayerRow | undefined> {
    return this.insert(username, canonical, 'registered', passwordHash);
  }

  private async insert(username: string, canonical: string, kind: PlayerRow['kind'], passwordHash: string | null): Promise<PlayerRow | undefined> {
    // ON CONFLICT without a target covers both unique indexes (the name as typed, and its canonical form).
    const { rows } = await this.pool.query<PlayerRow>(
      `INSERT INTO players (id, username, username_canonical, kind, password_hash) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING id, username, kind, roles`,
      [randomUUID(), username, canonical, kind, passwordHash],
    );
    return rows[0];
  }

  /**
   * The guest `id` becomes a registered account under this name: same id, so same character.
   * `taken` when the name (or its canonical form) is; undefined when `id` is no guest (any more).
   */
  async upgradeGuest(id: string, username: string, canonical: string, passwordHash: string): Promise<PlayerRow | 'taken' | undefined> {
    try {
      const { rows } = await this.pool.query<PlayerRow>(
        `UPDATE players SET username = $2, username_canonical = $3, kind = 'registered', password_hash = $4
         WHERE id = $1 AND kind = 'guest' RETURNING id, username, kind, roles`,
        [id, username, canonical, passwordHash],
      );
      return rows[0];
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return 'taken';
      throw err;
    }
  }

  /** A registered player and its password hash, by canonical name. */
  async forLogin(canonical: string): Promise<(PlayerRow & { passwordHash: string }) | undefined> {
    const { rows } = await this.pool.query<PlayerRow & { passwordHash: string }>(
      `SELECT id, username, kind, roles, password_hash AS "passwordHash" FROM players
       WHERE username_canonical = $1 AND kind = 'registered' AND password_hash IS NOT NULL`,
      [canonical],
    );
    return rows[0];
  }

  async byId(id: string): Promise<PlayerRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const { rows } = await this.pool.query<PlayerRow>('SELECT id, username, kind, roles FROM players WHERE id = $1', [id]);
    return rows[0];
  }
}
