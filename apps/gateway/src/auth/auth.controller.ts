import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { AuthResponse, ErrorCode, LoginRequestSchema, RateLimit, RegisterRequestSchema } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { parseBody } from '../errors/parse';
import { RateLimiter } from '../limits/rate-limiter.service';
import { CONFIG, LOGGER } from '../tokens';
import { clientAddress } from './client-address';
import { decoyHash, hashPassword, verifyPassword } from './password';
import { GUEST_PREFIX, PlayerRow, PlayersRepository } from './players.repository';
import { TokenService } from './token.service';

function rateLimited(what: string, retryAfterMs: number): ApiError {
  return new ApiError(ErrorCode.RATE_LIMITED, `too many ${what}; try again in ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterMs });
}

/** Accounts (scrypt-hashed passwords), logins with failure limits, and guests. */
@Controller('api/auth')
export class AuthController {
  /** Checked when the username is unknown, so that answers take as long either way. */
  private readonly decoy: Promise<string>;

  constructor(
    private readonly players: PlayersRepository,
    private readonly tokens: TokenService,
    private readonly limiter: RateLimiter,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.decoy = decoyHash(config.SCRYPT_LOG_N);
  }

  @Post('register')
  @HttpCode(201)
  async register(@Body() body: unknown, @Req() req: Request): Promise<AuthResponse> {
    const { username, password } = parseBody(RegisterRequestSchema, body);
    await this.limit('register-addr', clientAddress(req), this.config.RATE_LIMIT_REGISTER_ADDRESS, 'registrations from this address');
    if (username.toLowerCase().startsWith(GUEST_PREFIX)) throw new ApiError(ErrorCode.USERNAME_TAKEN, `names starting with ${GUEST_PREFIX} are kept for guests`);
    const player = await this.players.register(username, await hashPassword(password, this.config.SCRYPT_LOG_N));
    if (!player) throw new ApiError(ErrorCode.USERNAME_TAKEN, 'that username is taken');
    this.logger.info({ playerId: player.id }, 'player registered');
    return this.answer(player);
  }

  /**
   * Failures are limited per username and per address. Both buckets are checked first and only
   * failures take from them; a success empties the username's count.
   */
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: Request): Promise<AuthResponse> {
    const { username, password } = parseBody(LoginRequestSchema, body);
    const user = username.toLowerCase();
    const addr = clientAddress(req);
    const [byUser, byAddr] = await Promise.all([
      this.limiter.check('login-user', user, this.config.RATE_LIMIT_LOGIN_USER),
      this.limiter.check('login-addr', addr, this.config.RATE_LIMIT_LOGIN_ADDRESS),
    ]);
    if (!byUser.allowed || !byAddr.allowed) throw rateLimited('failed sign-ins', Math.max(byUser.retryAfterMs, byAddr.retryAfterMs));
    const player = await this.players.forLogin(username);
    const ok = await verifyPassword(password, player?.passwordHash ?? (await this.decoy));
    if (!player || !ok) {
      await Promise.all([
        this.limiter.take('login-user', user, this.config.RATE_LIMIT_LOGIN_USER),
        this.limiter.take('login-addr', addr, this.config.RATE_LIMIT_LOGIN_ADDRESS),
      ]);
      this.logger.info({ addr }, 'sign-in refused');
      throw new ApiError(ErrorCode.INVALID_CREDENTIALS, 'unknown username or wrong password');
    }
    await this.limiter.reset('login-user', user);
    return this.answer(player);
  }

  @Post('guest')
  @HttpCode(201)
  async guest(@Req() req: Request): Promise<AuthResponse> {
    await this.limit('guest-addr', clientAddress(req), this.config.RATE_LIMIT_GUEST_ADDRESS, 'guests from this address');
    return this.answer(await this.players.createGuest());
  }

  private async limit(bucket: string, id: string, limit: RateLimit, what: string): Promise<void> {
    const d = await this.limiter.take(bucket, id, limit);
    if (!d.allowed) throw rateLimited(what, d.retryAfterMs);
  }

  private async answer(p: PlayerRow): Promise<AuthResponse> {
    const accessToken = await this.tokens.issue({ playerId: p.id, username: p.username, roles: p.roles });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.tokens.ttlSeconds, player: { id: p.id, username: p.username } };
  }
}
