import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { ErrorCode } from '@tilemud/contracts';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { CONFIG, REDIS } from '../tokens';
import { SessionRegistry } from './session-registry';

export interface TicketClaims {
  playerId: string;
  username: string;
  characterId: string;
  roles: string[];
  /** Epoch ms; a logout after it voids the ticket. */
  issuedAt: number;
}

/** Redis cannot be reached: tickets cannot be issued or redeemed. */
export class TicketsUnavailable extends Error {
  readonly code = 'TICKETS_UNAVAILABLE';
}

/** Single-use WebSocket tickets in Redis: GETDEL makes the first use the only one, on any gateway. */
@Injectable()
export class TicketStore {
  private readonly prefix: string;
  readonly ttlSeconds: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) config: GatewayConfig,
    private readonly registry: SessionRegistry,
  ) {
    this.prefix = `${config.REDIS_PREFIX ?? config.NATS_PREFIX}:ticket:`;
    this.ttlSeconds = config.TICKET_TTL_S;
  }

  async issue(claims: Omit<TicketClaims, 'issuedAt'>): Promise<string> {
    const ticket = randomBytes(24).toString('base64url');
    try {
      await this.redis.set(this.prefix + ticket, JSON.stringify({ ...claims, issuedAt: Date.now() }), 'EX', this.ttlSeconds);
    } catch {
      throw new ApiError(ErrorCode.UNAVAILABLE, 'sessions cannot be opened right now; try again shortly');
    }
    return ticket;
  }

  /**
   * The claims, once; undefined for an unknown, used or expired ticket, or one issued before its
   * player logged out. Throws TicketsUnavailable without Redis.
   */
  async redeem(ticket: string): Promise<TicketClaims | undefined> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(ticket)) return undefined;
    try {
      const raw = await this.redis.getdel(this.prefix + ticket);
      if (!raw) return undefined;
      const claims = JSON.parse(raw) as TicketClaims;
      const loggedOut = await this.registry.loggedOutAt(claims.playerId);
      return loggedOut !== undefined && claims.issuedAt <= loggedOut ? undefined : claims;
    } catch (err) {
      throw new TicketsUnavailable((err as Error).message);
    }
  }
}
