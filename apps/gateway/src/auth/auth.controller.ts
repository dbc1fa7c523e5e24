import { Body, Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { AuthResponse, ErrorCode, LoginRequestSchema, RateLimit, RefreshRequestSchema, RegisterRequestSchema, UpgradeRequestSchema } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { parseBody } from '../errors/parse';
import { RateLimiter } from '../limits/rate-limiter.service';
import { GatewayMetrics } from '../system/gateway-metrics';
import { CONFIG, LOGGER } from '../tokens';
import { clientAddress } from './client-address';
import { canonicalUsername } from './canonical-username';
import { CurrentPlayer } from './current-player.decorator';
import { requireJson } from './json-only';
import { JsonOnlyGuard } from './json-only.guard';
import { LoginLimiter } from './login-limiter.service';
import { PasswordHasher } from './password-hasher.service';
import { GUEST_PREFIX, PlayerRow, PlayersRepository } from './players.repository';
import { IssuedRefresh, RefreshTokensRepository } from './refresh-tokens.repository';
import { PlayerAuthGuard } from './player-auth.guard';
import { Principal, TokenService } from './token.service';

function rateLimited(what: string, retryAfterMs: number, limit?: string): ApiError {
  return new ApiError(ErrorCode.RATE_LIMITED, `too many ${what}; try again in ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterMs, ...(limit ? { details: { limit } } : {}) });
}

const LOGIN_LIMIT_NAMES = { pair: 'login-user-address', address: 'login-address', user: 'login-user' } as const;

/** Accounts (scrypt-hashed passwords), logins with failure limits, guests, refresh and upgrade. */
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly players: PlayersRepository,
    private readonly tokens: TokenService,
    private readonly limiter: RateLimiter,
    private readonly logins: LoginLimiter,
    private readonly hasher: PasswordHasher,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly metrics: GatewayMetrics,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post('register')
  @HttpCode(201)
  async register(@Body() body: unknown, @Req() req: Request): Promise<AuthResponse> {
    requireJson(req);
    const { username, password } = parseBody(RegisterRequestSchema, body);
    // The contract's alphabet is ASCII, so a valid name always has a canonical form.
    const canonical = canonicalUsername(username)!;
    await this.limit('register-addr', clientAddress(req), this.config.RATE_LIMIT_REGISTER_ADDRESS, 'registrations from this address');
    if (canonical.startsWith(GUEST_PREFIX)) throw new ApiError(ErrorCode.USERNAME_TAKEN, `names starting with ${GUEST_PREFIX} are kept for guests`);
    const player = await this.players.register(username, canonical, await this.hasher.hash(password));
    if (!player) throw new ApiError(ErrorCode.USERNAME_TAKEN, 'that username is taken');
    this.logger.info({ playerId: player.id }, 'player registered');
    return this.answer(player);
  }

  /**
   * The attempt takes its place in the failure counts (login-policy.ts) before the password is
   * checked, so concurrent guesses cannot all pass one check. A name that is no username
   * (canonical-username.ts) names nobody: 401 like an unknown one, counted on the address only.
   */
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: Request): Promise<AuthResponse> {
    try {
      const answer = await this.signIn(body, req);
      this.metrics.login('success');
      return answer;
    } catch (err) {
      const code = err instanceof ApiError ? err.body.code : undefined;
      this.metrics.login(
        code === ErrorCode.INVALID_CREDENTIALS ? 'invalid_credentials' : code === ErrorCode.RATE_LIMITED ? 'rate_limited' : code === ErrorCode.CAPACITY_EXCEEDED ? 'capacity' : 'error',
      );
      if (code === ErrorCode.RATE_LIMITED) this.metrics.rateLimit('login');
      throw err;
    }
  }

  private async signIn(body: unknown, req: Request): Promise<AuthResponse> {
    requireJson(req);
    const { username, password } = parseBody(LoginRequestSchema, body);
    const name = canonicalUsername(username);
    const addr = clientAddress(req);
    const slot = await this.logins.reserve(name, addr);
    if (!slot.decision.allowed) throw rateLimited('failed sign-ins', slot.decision.retryAfterMs, LOGIN_LIMIT_NAMES[slot.decision.limit]);
    let player: Awaited<ReturnType<PlayersRepository['forLogin']>>;
    let ok: boolean;
    try {
      player = name === undefined ? undefined : await this.players.forLogin(name);
      // A name that is no username costs no hash: the answer's timing tells nothing not public.
      ok = name !== undefined && (await this.hasher.verify(password, player?.passwordHash));
    } catch (err) {
      await slot.settle('not_tried');
      throw err;
    }
    if (!player || !ok) {
      this.logger.info({ addr }, 'sign-in refused');
      throw new ApiError(ErrorCode.INVALID_CREDENTIALS, 'unknown username or wrong password');
    }
    await slot.settle('succeeded');
    return this.answer(player);
  }

  @Post('guest')
  @HttpCode(201)
  async guest(@Req() req: Request): Promise<AuthResponse> {
    await this.limit('guest-addr', clientAddress(req), this.config.RATE_LIMIT_GUEST_ADDRESS, 'guests from this address');
    return this.answer(await this.players.createGuest());
  }

  /** A refresh token for a new pair; the one given is spent (refresh-policy.ts says what else may happen). */
  @Post('refresh')
  @HttpCode(200)
  async refresh(@Body() body: unknown, @Req() req: Request): Promise<AuthResponse> {
    requireJson(req);
    const { refreshToken } = parseBody(RefreshRequestSchema, body);
    await this.limit('refresh-addr', clientAddress(req), this.config.RATE_LIMIT_REFRESH_ADDRESS, 'token refreshes from this address');
    const x = await this.refreshTokens.exchange(refreshToken);
    if (x.kind === 'rotate') return this.answer(x.player, x.next);
    if (x.kind === 'reused') {
      this.logger.warn({ playerId: x.playerId }, 'a spent refresh token came back: its family is revoked');
      throw new ApiError(ErrorCode.AUTH_REFRESH_REUSED, 'this refresh token was already used; every session of that sign-in is signed out, sign in again');
    }
    throw new ApiError(ErrorCode.AUTH_INVALID_TOKEN, `the refresh token is ${x.reason}; sign in again`, { details: { reason: x.reason } });
  }

  /**
   * A guest keeps its player id (so its character and inventory) and becomes an account, under the
   * rules of register. Its guest refresh tokens are revoked: a copy of one must not reach the account.
   * The body must be JSON before the token is looked at (the guards run in order).
   */
  @Post('upgrade')
  @HttpCode(200)
  @UseGuards(JsonOnlyGuard, PlayerAuthGuard)
  async upgrade(@CurrentPlayer() principal: Principal, @Body() body: unknown, @Req() req: Request): Promise<AuthResponse> {
    const { username, password } = parseBody(UpgradeRequestSchema, body);
    const canonical = canonicalUsername(username)!;
    await this.limit('register-addr', clientAddress(req), this.config.RATE_LIMIT_REGISTER_ADDRESS, 'registrations from this address');
    if (canonical.startsWith(GUEST_PREFIX)) throw new ApiError(ErrorCode.USERNAME_TAKEN, `names starting with ${GUEST_PREFIX} are kept for guests`);
    const current = await this.players.byId(principal.playerId);
    if (!current) throw new ApiError(ErrorCode.AUTH_INVALID_TOKEN, 'the access token names no player');
    if (current.kind !== 'guest') throw new ApiError(ErrorCode.NOT_A_GUEST, 'this player is already an account');
    const upgraded = await this.players.upgradeGuest(current.id, username, canonical, await this.hasher.hash(password));
    if (upgraded === 'taken') throw new ApiError(ErrorCode.USERNAME_TAKEN, 'that username is taken');
    if (!upgraded) throw new ApiError(ErrorCode.NOT_A_GUEST, 'this player is already an account');
    await this.refreshTokens.revokePlayer(upgraded.id);
    this.logger.info({ playerId: upgraded.id }, 'guest upgraded to an account');
    return this.answer(upgraded);
  }

  private async limit(bucket: string, id: string, limit: RateLimit, what: string): Promise<void> {
    const d = await this.limiter.take(bucket, id, limit);
    if (d.allowed) return;
    this.metrics.rateLimit(bucket.replace(/-addr$/, '')); // register | guest | refresh
    throw rateLimited(what, d.retryAfterMs);
  }

  /** A token pair; without `refresh` (a sign-in) the refresh token starts a new family. */
  private async answer(p: PlayerRow, refresh?: IssuedRefresh): Promise<AuthResponse> {
    const accessToken = await this.tokens.issue({ playerId: p.id, username: p.username, roles: p.roles });
    const r = refresh ?? (await this.refreshTokens.start(p.id));
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      player: { id: p.id, username: p.username },
      refreshToken: r.token,
      refreshExpiresIn: r.expiresIn,
    };
  }
}
