import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { rememberPrincipal } from './current-player.decorator';
import { Principal, TokenService } from './token.service';

/**
 * Lets a request through only with a valid `Authorization: Bearer <access token>`; the handler
 * reads the player with `@CurrentPlayer()`. A missing, malformed, expired or signed-out token is
 * refused by TokenService with the contract's 401 (AUTH_INVALID_TOKEN or AUTH_TOKEN_EXPIRED).
 */
@Injectable()
export class PlayerAuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    await authenticate(ctx, this.tokens);
    return true;
  }
}

/** Verifies the request's bearer token and remembers its principal for `@CurrentPlayer()`. */
export async function authenticate(ctx: ExecutionContext, tokens: TokenService): Promise<Principal> {
  const req = ctx.switchToHttp().getRequest<Request>();
  const principal = await tokens.fromHeader(req.headers.authorization);
  rememberPrincipal(req, principal);
  return principal;
}
