import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { GatewayConfig } from '../config';
import { CONFIG, REDIS } from '../tokens';

/** What a resume token stands for: whose session it was, and the world its client was shown. */
export interface ResumeRecord {
  playerId: string;
  characterId: string;
  sessionId: string;
  worldId: string;
}

/** How many presence beats a live session's token outlives its last refresh (as presence entries do). */
const LIVE_BEATS = 3;

/**
 * Resume tokens, in Redis so that any gateway can honour one: `<prefix>:resume:<playerId>:<token>`
 * (keyed by player too, so a token presented by someone else finds nothing and spends nothing). A token
 * is issued at each handshake (so rotated), refreshed with the presence heartbeat while its
 * session lives, given RESUME_WINDOW_MS once its socket drops, and taken with GETDEL: single use,
 * and of two gateways racing for it only one wins. A gateway that dies without saying goodbye
 * leaves its tokens valid for the window plus a few beats.
 */
@Injectable()
export class ResumeStore {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {
    this.prefix = `${config.REDIS_PREFIX ?? config.NATS_PREFIX}:resume:`;
  }

  private get liveTtlMs(): number {
    return this.config.RESUME_WINDOW_MS + LIVE_BEATS * this.config.PRESENCE_INTERVAL_MS;
  }

  /** A new token for a live session. Without Redis the token is still given, and will not resume. */
  async issue(rec: ResumeRecord): Promise<string> {
    const token = randomUUID();
    if (this.config.RESUME_WINDOW_MS > 0) await this.redis.set(this.key(rec.playerId, token), JSON.stringify(rec), 'PX', this.liveTtlMs).catch(() => undefined);
    return token;
  }

  /** Keeps live sessions' tokens valid (and their worlds current); called with each presence beat. */
  async refresh(live: Array<{ token: string; rec: ResumeRecord }>): Promise<void> {
    if (!live.length || this.config.RESUME_WINDOW_MS === 0) return;
    const multi = this.redis.multi();
    for (const l of live) multi.set(this.key(l.rec.playerId, l.token), JSON.stringify(l.rec), 'PX', this.liveTtlMs, 'XX');
    await multi.exec();
  }

  /** The socket dropped: the token stays valid for the resume window from now. */
  async linger(token: string, rec: ResumeRecord): Promise<void> {
    if (this.config.RESUME_WINDOW_MS === 0) return this.revoke(rec.playerId, token);
    await this.redis.set(this.key(rec.playerId, token), JSON.stringify(rec), 'PX', this.config.RESUME_WINDOW_MS, 'XX').catch(() => undefined);
  }

  /** Takes the token (once): its record, or undefined when unknown, used or expired. Throws without Redis. */
  async claim(playerId: string, token: string): Promise<ResumeRecord | undefined> {
    const v = (await this.redis.call('GETDEL', this.key(playerId, token))) as string | null;
    if (!v) return undefined;
    try {
      return JSON.parse(v) as ResumeRecord;
    } catch {
      return undefined;
    }
  }

  /** The session ended for good (logout, replaced): its token resumes nothing. */
  async revoke(playerId: string, token: string): Promise<void> {
    await this.redis.del(this.key(playerId, token)).catch(() => undefined);
  }

  private key(playerId: string, token: string): string {
    return `${this.prefix}${playerId}:${token}`;
  }
}
