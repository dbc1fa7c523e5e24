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

@Injectable()
export class PlayersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A guest gets a fresh player with a generated name; a collision just draws another. */
  async createGuest(): Promise<PlayerRow> {
    for (let attempt = 0; ; attempt++) {
      const username = `guest_${randomBytes(4).toString('hex')}`;
      const { rows } = await this.pool.query<PlayerRow>(
        `INSERT INTO players (id, username, kind) VALUES ($1, $2, 'guest')
         ON CONFLICT (username) DO NOTHING RETURNING id, username, kind, roles`,
        [randomUUID(), username],
      );
      if (rows[0]) return rows[0];
      if (attempt > 5) throw new Error('could not draw a free guest name');
    }
  }

  async byId(id: string): Promise<PlayerRow | undefined> {
    const { rows } = await this.pool.query<PlayerRow>('SELECT id, username, kind, roles FROM players WHERE id = $1', [id]);
    return rows[0];
  }
}
