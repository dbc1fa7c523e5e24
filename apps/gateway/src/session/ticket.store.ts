import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { GatewayConfig } from '../config';
import { CONFIG, REDIS } from '../tokens';

export interface TicketClaims {
  playerId: string;
  username: string;
  characterId: string;
  roles: string[];
}

/** Single-use WebSocket tickets in Redis: GETDEL makes the first use the only one, on any gateway. */
@Injectable()
export class TicketStore {
  private readonly prefix: string;
  readonly ttlSeconds: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) config: GatewayConfig,
  ) {
    this.prefix = `${config.REDIS_PREFIX ?? config.NATS_PREFIX}:ticket:`;
    this.ttlSeconds = config.TICKET_TTL_S;
  }

  async issue(claims: TicketClaims): Promise<string> {
    const ticket = randomBytes(24).toString('base64url');
    await this.redis.set(this.prefix + ticket, JSON.stringify(claims), 'EX', this.ttlSeconds);
    return ticket;
  }

  /** The claims, once; undefined for an unknown, used or expired ticket. */
  async redeem(ticket: string): Promise<TicketClaims | undefined> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(ticket)) return undefined;
    const raw = await this.redis.getdel(this.prefix + ticket);
    return raw ? (JSON.parse(raw) as TicketClaims) : undefined;
  }
}
