import { Body, Controller, Get, Headers, HttpCode, Post } from '@nestjs/common';
import { ErrorCode, MinClientVersionRequestSchema, OperatorOverview, PROTOCOL_VERSION, VersionResponse } from '@tilemud/contracts';
import { PlayersRepository } from '../auth/players.repository';
import { Principal, TokenService } from '../auth/token.service';
import { ApiError } from '../errors/api-error';
import { parseBody } from '../errors/parse';
import { MinVersionService } from '../system/min-version.service';
import { SERVER_VERSION } from '../system/version';
import { OperatorFeed } from './operator-feed';

export const ADMIN_ROLE = 'admin';

/** Operator endpoints. The role is read from PostgreSQL at each call, so a revoked role takes effect at once. */
@Controller('api/admin')
export class AdminController {
  constructor(
    private readonly tokens: TokenService,
    private readonly players: PlayersRepository,
    private readonly minVersion: MinVersionService,
    private readonly feed: OperatorFeed,
  ) {}

  private async admin(auth: string | undefined): Promise<Principal> {
    const principal = await this.tokens.fromHeader(auth);
    const player = await this.players.byId(principal.playerId);
    if (!player?.roles.includes(ADMIN_ROLE)) throw new ApiError(ErrorCode.FORBIDDEN, 'this needs the admin role');
    return principal;
  }

  /** Raises (or lowers, down to MIN_CLIENT_VERSION) the oldest accepted client, on every gateway. */
  @Post('min-client-version')
  @HttpCode(200)
  async setMinClientVersion(@Headers('authorization') auth: string | undefined, @Body() body: unknown): Promise<VersionResponse> {
    await this.admin(auth);
    const { minClientVersion } = parseBody(MinClientVersionRequestSchema, body);
    const current = await this.minVersion.set(minClientVersion);
    return { serverVersion: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION, minClientVersion: current };
  }

  /** The operator page's figures: current values and the last OPS_HISTORY_S of each series. */
  @Get('overview')
  async overview(@Headers('authorization') auth: string | undefined): Promise<OperatorOverview> {
    await this.admin(auth);
    return this.feed.overview();
  }
}
