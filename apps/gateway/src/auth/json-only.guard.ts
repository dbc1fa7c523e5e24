import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { requireJson } from './json-only';

/**
 * requireJson (json-only.ts) as a guard, for a route whose JSON check comes before its token
 * check: listed first in `@UseGuards(JsonOnlyGuard, PlayerAuthGuard)`, a form post is refused
 * 415 whether or not it carries a token.
 */
@Injectable()
export class JsonOnlyGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    requireJson(ctx.switchToHttp().getRequest<Request>());
    return true;
  }
}
