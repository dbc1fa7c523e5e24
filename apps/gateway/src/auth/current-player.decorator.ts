import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Principal } from './token.service';

/** Who each request was verified as, by PlayerAuthGuard; weak, so it goes with its request. */
const principals = new WeakMap<object, Principal>();

export function rememberPrincipal(req: object, principal: Principal): void {
  principals.set(req, principal);
}

/**
 * The principal PlayerAuthGuard (or AdminGuard) verified for this request. A handler that asks
 * without such a guard is a programming error, not a client's: it fails loudly (500).
 */
export function currentPlayerOf(ctx: ExecutionContext): Principal {
  const principal = principals.get(ctx.switchToHttp().getRequest<object>());
  if (!principal) throw new Error('@CurrentPlayer() needs PlayerAuthGuard or AdminGuard on the route');
  return principal;
}

/** The signed-in player of a route guarded by PlayerAuthGuard: `@CurrentPlayer() player: Principal`. */
export const CurrentPlayer = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => currentPlayerOf(ctx));
