import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { GatewayConfig } from '../config';
import { CONFIG, PG_POOL } from '../tokens';
import type { PlayerRow } from './players.repository';
import { hashRefreshToken, judgeRefresh, newRefreshToken, RefreshVerdict, StoredRefresh } from './refresh-policy';

export interface IssuedRefresh {
  token: string;
  /** Seconds. */
  expiresIn: number;
}

export type Exchange = { kind: 'rotate'; player: PlayerRow; next: IssuedRefresh } | { kind: 'reused'; playerId: string } | Extract<RefreshVerdict, { kind: 'invalid' }>;

type Row = StoredRefresh & PlayerRow & { now: number };

/** Refresh tokens in PostgreSQL (006_refresh_tokens.sql), by hash; the policy is refresh-policy.ts. */
@Injectable()
export class RefreshTokensRepository {
  readonly ttlSeconds: number;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) config: GatewayConfig,
  ) {
    this.ttlSeconds = config.REFRESH_TOKEN_TTL_S;
  }

  /** The first token of a new family: a sign-in. */
  async start(playerId: string): Promise<IssuedRefresh> {
    return this.insert(this.pool, playerId, randomUUID());
  }

  private async insert(q: Pool | PoolClient, playerId: string, familyId: string): Promise<IssuedRefresh> {
    const token = newRefreshToken();
    await q.query('DELETE FROM refresh_tokens WHERE player_id = $1 AND expires_at < now()', [playerId]);
    await q.query(
      `INSERT INTO refresh_tokens (token_hash, family_id, player_id, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [hashRefreshToken(token), familyId, playerId, this.ttlSeconds],
    );
    return { token, expiresIn: this.ttlSeconds };
  }

  /**
   * Spends `token` for its successor, or revokes its family when it was spent before. The row is
   * locked, so of two exchanges of one token the second sees it spent: a copy raced the holder.
   * Times are the database's, the clock `expires_at` was set by.
   */
  async exchange(token: string): Promise<Exchange> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<Row>(
        `SELECT r.family_id AS "familyId", r.player_id AS "playerId",
                (extract(epoch FROM r.expires_at) * 1000)::float8 AS "expiresAt",
                (extract(epoch FROM r.used_at) * 1000)::float8 AS "usedAt",
                (extract(epoch FROM r.revoked_at) * 1000)::float8 AS "revokedAt",
                (extract(epoch FROM now()) * 1000)::float8 AS now,
                p.id, p.username, p.kind, p.roles
         FROM refresh_tokens r JOIN players p ON p.id = r.player_id
         WHERE r.token_hash = $1 FOR UPDATE OF r`,
        [hashRefreshToken(token)],
      );
      const row = rows[0];
      const verdict = judgeRefresh(row, row?.now ?? Date.now());
      let out: Exchange;
      if (verdict.kind === 'rotate') {
        await client.query('UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1', [hashRefreshToken(token)]);
        const next = await this.insert(client, row!.playerId, row!.familyId);
        out = { kind: 'rotate', player: { id: row!.id, username: row!.username, kind: row!.kind, roles: row!.roles }, next };
      } else if (verdict.kind === 'reused') {
        await client.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [row!.familyId]);
        out = { kind: 'reused', playerId: row!.playerId };
      } else out = verdict;
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Every token of the player, of every family: a logout signs out everywhere. */
  async revokePlayer(playerId: string): Promise<void> {
    await this.pool.query('UPDATE refresh_tokens SET revoked_at = now() WHERE player_id = $1 AND revoked_at IS NULL', [playerId]);
  }
}
