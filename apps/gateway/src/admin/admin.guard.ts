import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ErrorCode } from '@tilemud/contracts';
import { authenticate } from '../auth/player-auth.guard';
import { PlayersRepository } from '../auth/players.repository';
import { TokenService } from '../auth/token.service';
import { ApiError } from '../errors/api-error';

const ADMIN_ROLE = 'admin';

/**
 * A signed-in player (as PlayerAuthGuard: 401 otherwise) holding the admin role (403 FORBIDDEN
 * otherwise). The role is read from PostgreSQL at each call, not from the token, so a revoked
 * role takes effect at once.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenService,
    private readonly players: PlayersRepository,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const principal = await authenticate(ctx, this.tokens);
    const player = await this.players.byId(principal.playerId);
    if (!player?.roles.includes(ADMIN_ROLE)) throw new ApiError(ErrorCode.FORBIDDEN, 'this needs the admin role');
    return true;
  }
}
