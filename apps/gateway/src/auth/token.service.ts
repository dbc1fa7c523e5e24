import { Inject, Injectable } from '@nestjs/common';
import { decodeProtectedHeader, errors, JWTPayload, jwtVerify, SignJWT } from 'jose';
import { ErrorCode } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { SessionRegistry } from '../session/session-registry';
import { CONFIG, LOGGER } from '../tokens';
import { keysFor } from './key-ring';
import { KeyRingService } from './key-ring.service';

export interface Principal {
  playerId: string;
  username: string;
  roles: string[];
  /** When the token was issued, epoch ms. */
  issuedAt: number;
}

const encoder = new TextEncoder();

/**
 * Signs and verifies short-lived access tokens (HS256 JWTs): subject = player id, with name and
 * roles. Signed with the key ring's newest key, named in the header (`kid`); verified with the key
 * the header names, so a rotated-out key keeps its tokens valid until it is removed or retired.
 */
@Injectable()
export class TokenService {
  readonly ttlSeconds: number;

  constructor(
    @Inject(CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly registry: SessionRegistry,
    private readonly keys: KeyRingService,
  ) {
    this.ttlSeconds = config.ACCESS_TOKEN_TTL_S;
  }

  async issue(p: Omit<Principal, 'issuedAt'>): Promise<string> {
    const { kid, secret } = this.keys.ring.signing;
    // `ims`: the issue time in ms, so a logout refuses exactly the tokens issued before it.
    return new SignJWT({ name: p.username, roles: p.roles, ims: Date.now() })
      .setProtectedHeader({ alg: 'HS256', kid })
      .setSubject(p.playerId)
      .setIssuedAt()
      .setIssuer('tilemud')
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(encoder.encode(secret));
  }

  /** The verified claims; a token without `kid` (signed before keys had ids) is tried with each key. */
  private async payloadOf(token: string): Promise<JWTPayload> {
    const header = decodeProtectedHeader(token);
    const candidates = keysFor(this.keys.ring, typeof header.kid === 'string' ? header.kid : undefined);
    let failure: unknown = new Error('no key with this kid');
    for (const key of candidates) {
      try {
        return (await jwtVerify(token, encoder.encode(key.secret), { issuer: 'tilemud', algorithms: ['HS256'] })).payload;
      } catch (err) {
        // Expiry is checked after the signature: the key was the right one.
        if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw err;
        failure = err;
      }
    }
    throw failure;
  }

  async verify(token: string): Promise<Principal> {
    let principal: Principal;
    try {
      const payload = await this.payloadOf(token);
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
