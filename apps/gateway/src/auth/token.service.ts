import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify, SignJWT } from 'jose';
import { ErrorCode } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { SessionRegistry } from '../session/session-registry';
import { CONFIG, LOGGER } from '../tokens';

export interface Principal {
  playerId: string;
  username: string;
  roles: string[];
  /** When the token was issued, epoch ms. */
  issuedAt: number;
}

/** Signs and verifies short-lived access tokens (HS256 JWTs): subject = player id, with name and roles. */
@Injectable()
export class TokenService {
  private readonly key: Uint8Array;
  readonly ttlSeconds: number;

  constructor(
    @Inject(CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly registry: SessionRegistry,
  ) {
    if (config.AUTH_SECRET) this.key = new TextEncoder().encode(config.AUTH_SECRET);
    else {
      logger.warn('AUTH_SECRET is not set: using a random key; tokens die with this process and other gateways refuse them');
      this.key = randomBytes(32);
    }
    this.ttlSeconds = config.ACCESS_TOKEN_TTL_S;
  }

  async issue(p: Omit<Principal, 'issuedAt'>): Promise<string> {
    // `ims`: the issue time in ms, so a logout refuses exactly the tokens issued before it.
    return new SignJWT({ name: p.username, roles: p.roles, ims: Date.now() })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(p.playerId)
      .setIssuedAt()
      .setIssuer('tilemud')
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<Principal> {
    let principal: Principal;
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: 'tilemud', algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.name !== 'string') throw new Error('claims');
      const issuedAt = typeof payload.ims === 'number' ? payload.ims : (payload.iat ?? 0) * 1000;
      principal = { playerId: payload.sub, username: payload.name, roles: Array.isArray(payload.roles) ? payload.roles.map(String) : [], issuedAt };
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new ApiError(ErrorCode.AUTH_TOKEN_EXPIRED, 'the access token has expired');
      throw new ApiError(ErrorCode.AUTH_INVALID_TOKEN, 'the access token is not valid');
    }
    if (await this.signedOutSince(principal.playerId, principal.issuedAt)) throw new ApiError(ErrorCode.AUTH_INVALID_TOKEN, 'the player has signed out; sign in again');
    return principal;
  }

  /** True when the player logged out after `issuedAt`. Redis down: not known, so not refused (play goes on). */
  async signedOutSince(playerId: string, issuedAt: number): Promise<boolean> {
    try {
      const at = await this.registry.loggedOutAt(playerId);
      return at !== undefined && issuedAt <= at;
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'logout check skipped: Redis unreachable');
      return false;
    }
  }

  /** Reads `Authorization: Bearer <token>` and verifies it. */
  async fromHeader(header: string | undefined): Promise<Principal> {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) throw new ApiError(ErrorCode.AUTH_INVALID_TOKEN, 'an Authorization: Bearer token is required');
    return this.verify(m[1]!);
  }
}
