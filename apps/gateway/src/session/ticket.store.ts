import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { KeyRingService } from '../auth/key-ring.service';
import type { GatewayConfig } from '../config';
import { CONFIG, REDIS } from '../tokens';
import { SessionRegistry } from './session-registry';

export interface TicketClaims {
  playerId: string;
  /** The name the character goes by in the world: its row's (a guest turned account keeps its guest_ name). */
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

/** A ticket signed by the gateway (issued while Redis was down): `s1.<claims>.<hmac>`. */
const SIGNED = /^s1\.([A-Za-z0-9_-]{16,2048})\.([A-Za-z0-9_-]{43})$/;

/**
 * Single-use WebSocket tickets in Redis: GETDEL makes the first use the only one, on any gateway.
 * While Redis is down a ticket is signed instead (HMAC-SHA256 keyed from the signing key of the
 * key ring, key-ring.ts, so every gateway sharing the keys can check it, and a rotated-out key's
 * tickets still pass while it is accepted) and its single use is kept by the gateway that redeems it: a
 * player whose socket dropped during the outage can still come back. The weakness, a ticket used
 * once on each of two gateways (or again after a gateway restart) within its TICKET_TTL_S, gives
 * its own player a second socket, which replaces the first.
 */
@Injectable()
export class TicketStore {
  private readonly prefix: string;
  readonly ttlSeconds: number;
  /** One ticket key per accepted signing key, the signing one first. */
  private readonly keys: Buffer[];
  /** Signed tickets used here, until they expire: id → expiry (epoch ms). */
  private readonly usedSigned = new Map<string, number>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) config: GatewayConfig,
    private readonly registry: SessionRegistry,
    keyRing: KeyRingService,
  ) {
    this.prefix = `${config.REDIS_PREFIX ?? config.NATS_PREFIX}:ticket:`;
    this.ttlSeconds = config.TICKET_TTL_S;
    // Derived, so a leaked ticket key is not the access-token key.
    this.keys = keyRing.ring.accepted.map((k) => createHmac('sha256', k.secret).update('tilemud ticket v1').digest());
  }

  async issue(claims: Omit<TicketClaims, 'issuedAt'>): Promise<string> {
    const ticket = randomBytes(24).toString('base64url');
    const full: TicketClaims = { ...claims, issuedAt: Date.now() };
    try {
      await this.redis.set(this.prefix + ticket, JSON.stringify(full), 'EX', this.ttlSeconds);
      return ticket;
    } catch {
      return this.sign(full);
    }
  }

  private sign(claims: TicketClaims): string {
    const body = Buffer.from(JSON.stringify({ ...claims, id: randomBytes(12).toString('base64url'), exp: claims.issuedAt + this.ttlSeconds * 1000 })).toString('base64url');
    return `s1.${body}.${this.mac(this.keys[0]!, body)}`;
  }

  private mac(key: Buffer, body: string): string {
    return createHmac('sha256', key).update(body).digest('base64url');
  }

  /** A signed ticket's claims, once per gateway, while it is unexpired and its signature holds. */
  private redeemSigned(body: string, mac: string): TicketClaims | undefined {
    // No key id in the ticket: the few accepted keys are simply each tried.
    if (!this.keys.some((key) => timingSafeEqual(Buffer.from(this.mac(key, body)), Buffer.from(mac)))) return undefined;
    let t: TicketClaims & { id: string; exp: number };
    try {
      t = JSON.parse(Buffer.from(body, 'base64url').toString()) as typeof t; // signed by us: only its expiry needs checking
    } catch {
      return undefined;
    }
    const now = Date.now();
    for (const [id, exp] of this.usedSigned) if (exp < now) this.usedSigned.delete(id);
    if (typeof t.exp !== 'number' || t.exp < now || this.usedSigned.has(t.id)) return undefined;
    this.usedSigned.set(t.id, t.exp);
    return { playerId: t.playerId, username: t.username, characterId: t.characterId, roles: t.roles, issuedAt: t.issuedAt };
  }

  /**
   * The claims, once; undefined for an unknown, used or expired ticket, or one issued before its
   * player logged out. Throws TicketsUnavailable without Redis (for a ticket stored there).
   */
  async redeem(ticket: string): Promise<TicketClaims | undefined> {
    const signed = SIGNED.exec(ticket);
    if (signed) {
      const claims = this.redeemSigned(signed[1]!, signed[2]!);
      if (!claims) return undefined;
      // A logout while Redis was down could not be recorded; one recorded before still counts.
      const loggedOut = await this.registry.loggedOutAt(claims.playerId).catch(() => undefined);
      return loggedOut !== undefined && claims.issuedAt <= loggedOut ? undefined : claims;
    }
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
