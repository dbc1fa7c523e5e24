import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { GatewayConfig } from '../config';
import { CONFIG, REDIS } from '../tokens';

export interface LiveSession {
  sessionId: string;
  gatewayId: string;
}

// Set the key unless it holds another session: a session replaced meanwhile must not take it back.
const REFRESH_LUA = `
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type Scripts = {
  tilemudSessionRefresh(key: string, value: string, ttlMs: number): Promise<number>;
  tilemudSessionRelease(key: string, value: string): Promise<number>;
};

/**
 * Which session is a player's live one, across every gateway: `<prefix>:session:<playerId>` holds
 * `<sessionId> <gatewayId>`, kept alive by the presence heartbeat (so a crashed gateway's entry
 * lapses). And when the player last logged out, which refuses older tokens and tickets.
 */
@Injectable()
export class SessionRegistry {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {
    this.prefix = `${config.REDIS_PREFIX ?? config.NATS_PREFIX}:`;
    const r = redis as unknown as Partial<Scripts>;
    if (!r.tilemudSessionRefresh) redis.defineCommand('tilemudSessionRefresh', { numberOfKeys: 1, lua: REFRESH_LUA });
    if (!r.tilemudSessionRelease) redis.defineCommand('tilemudSessionRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
  }

  private get ttlMs(): number {
    return this.config.PRESENCE_INTERVAL_MS * 3;
  }

  /** Makes `s` the player's live session; returns the one it replaces, if any. */
  async claim(playerId: string, s: LiveSession): Promise<LiveSession | undefined> {
    const prev = (await this.redis.call('SET', this.key(playerId), encode(s), 'PX', String(this.ttlMs), 'GET')) as string | null;
    return prev ? decode(prev) : undefined;
  }

  /** Keeps the claim alive; false when another session has taken it. */
  async refresh(playerId: string, s: LiveSession): Promise<boolean> {
    return (await (this.redis as unknown as Scripts).tilemudSessionRefresh(this.key(playerId), encode(s), this.ttlMs)) === 1;
  }

  async release(playerId: string, s: LiveSession): Promise<void> {
    await (this.redis as unknown as Scripts).tilemudSessionRelease(this.key(playerId), encode(s));
  }

  async current(playerId: string): Promise<LiveSession | undefined> {
    const v = await this.redis.get(this.key(playerId));
    return v ? decode(v) : undefined;
  }

  /** Tokens and tickets issued up to now are refused from here on (for as long as any could live). */
  async markLoggedOut(playerId: string, at: number): Promise<void> {
    const ttl = Math.max(this.config.ACCESS_TOKEN_TTL_S, this.config.TICKET_TTL_S) + 5;
    await this.redis.set(`${this.prefix}logout:${playerId}`, String(at), 'EX', ttl);
  }

  /** When the player last logged out (epoch ms), if within a token's lifetime. */
  async loggedOutAt(playerId: string): Promise<number | undefined> {
    const v = await this.redis.get(`${this.prefix}logout:${playerId}`);
    return v ? Number(v) : undefined;
  }

  private key(playerId: string): string {
    return `${this.prefix}session:${playerId}`;
  }
}

const encode = (s: LiveSession) => `${s.sessionId} ${s.gatewayId}`;
function decode(v: string): LiveSession {
  const [sessionId = '', gatewayId = ''] = v.split(' ');
  return { sessionId, gatewayId };
}
