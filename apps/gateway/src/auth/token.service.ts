import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify, SignJWT } from 'jose';
import { ErrorCode } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { CONFIG, LOGGER } from '../tokens';

export interface Principal {
  playerId: string;
  username: string;
  roles: string[];
}

/** Signs and verifies short-lived access tokens (HS256 JWTs). */
@Injectable()
export class TokenService {
  private readonly key: Uint8Array;
  readonly ttlSeconds: number;

  constructor(@Inject(CONFIG) config: GatewayConfig, @Inject(LOGGER) logger: Logger) {
    if (config.AUTH_SECRET) this.key = new TextEncoder().encode(config.AUTH_SECRET);
    else {
      logger.warn('AUTH_SECRET is not set: using a random key; tokens die with this process and other gateways refuse them');
      this.key = randomBytes(32);
    }
    this.ttlSeconds = config.ACCESS_TOKEN_TTL_S;
  }

  async issue(p: Principal): Promise<string> {
    return new SignJWT({ name: p.username, roles: p.roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(p.playerId)
      .setIssuedAt()
      .setIssuer('tilemud')
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: 'tilemud', algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.name !== 'string') throw new Error('claims');
      return { playerId: payload.sub, username: payload.name, roles: Array.isArray(payload.roles) ? payload.roles.map(String) : [] };
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new ApiError(ErrorCode.AUTH_TOKEN_EXPIRED, 'the access token has expired');
      throw new ApiError(ErrorCode.AUTH_INVALID_TOKEN, 'the access token is not valid');
    }
  }

  /** Reads `Authorization: Bearer <token>` and verifies it. */
  async fromHeader(header: string | undefined): Promise<Principal> {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) throw new ApiError(ErrorCode.AUTH_INVALID_TOKEN, 'an Authorization: Bearer token is required');
    return this.verify(m[1]!);
  }
}
