import { Module } from '@nestjs/common';
import { LimitsModule } from '../limits/limits.module';
import { SessionRegistry } from '../session/session-registry';
import { AuthController } from './auth.controller';
import { KeyRingService } from './key-ring.service';
import { LoginLimiter } from './login-limiter.service';
import { PasswordHasher } from './password-hasher.service';
import { PlayersRepository } from './players.repository';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { TokenService } from './token.service';

/**
 * Accounts, sign-ins and tokens (`/api/auth`). Exports what verifies a player (TokenService, for
 * PlayerAuthGuard and AdminGuard on other modules' routes), the key ring tickets are signed with,
 * and the players and refresh tokens. SessionRegistry is provided here, not by SessionModule,
 * because every token is checked against its sign-out marks.
 */
@Module({
  imports: [LimitsModule],
  controllers: [AuthController],
  providers: [KeyRingService, TokenService, PlayersRepository, RefreshTokensRepository, LoginLimiter, PasswordHasher, SessionRegistry],
  exports: [KeyRingService, TokenService, PlayersRepository, RefreshTokensRepository, SessionRegistry],
})
export class AuthModule {}
