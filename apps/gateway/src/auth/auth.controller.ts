import { Controller, HttpCode, Post } from '@nestjs/common';
import type { AuthResponse } from '@tilemud/contracts';
import { PlayersRepository } from './players.repository';
import { TokenService } from './token.service';

@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly players: PlayersRepository,
    private readonly tokens: TokenService,
  ) {}

  @Post('guest')
  @HttpCode(201)
  async guest(): Promise<AuthResponse> {
    const p = await this.players.createGuest();
    const accessToken = await this.tokens.issue({ playerId: p.id, username: p.username, roles: p.roles });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.tokens.ttlSeconds, player: { id: p.id, username: p.username } };
  }
}
