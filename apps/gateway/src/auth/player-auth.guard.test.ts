import type { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { SignJWT } from 'jose';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import type { SessionRegistry } from '../session/session-registry';
import { CurrentPlayer, currentPlayerOf } from './current-player.decorator';
import { keyRingOf } from './key-ring';
import { JsonOnlyGuard } from './json-only.guard';
import { PlayerAuthGuard } from './player-auth.guard';
import { TokenService } from './token.service';

const KEY = { kid: 'k1', secret: 's'.repeat(32) };
const logger = { debug: () => undefined } as unknown as Logger;
let loggedOutAt: number | undefined;
const registry = { loggedOutAt: async () => loggedOutAt } as unknown as SessionRegistry;
const tokens = new TokenService({ ACCESS_TOKEN_TTL_S: 60 } as GatewayConfig, logger, registry, { ring: keyRingOf([KEY]) });
const guard = new PlayerAuthGuard(tokens);

/** What Nest hands a guard for an HTTP request: only the request is read. */
function contextOf(req: object): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => req }) } as unknown as ExecutionContext;
}
const bearer = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } });

/** The contract's error a refused request gets (ApiError: the filter sends `{error: body}` with `status`). */
async function refusal(req: object): Promise<{ status: number; code: string; category: string }> {
  try {
    await guard.canActivate(contextOf(req));
  } catch (err) {
    const e = err as { status: number; body: { code: string; category: string } };
    return { status: e.status, code: e.body.code, category: e.body.category };
  }
  throw new Error('the guard let the request through');
}

beforeEach(() => (loggedOutAt = undefined));

describe('PlayerAuthGuard', () => {
  it('lets a valid bearer token through, and @CurrentPlayer() reads its principal', async () => {
    const token = await tokens.issue({ playerId: 'p1', username: 'ada', roles: ['admin'] });
    const req = bearer(`Bearer ${token}`);
    await expect(guard.canActivate(contextOf(req))).resolves.toBe(true);
    expect(currentPlayerOf(contextOf(req))).toMatchObject({ playerId: 'p1', username: 'ada', roles: ['admin'] });
    // the scheme is case-insensitive, as before
    await expect(guard.canActivate(contextOf(bearer(`bearer ${token}`)))).resolves.toBe(true);
  });

  it('refuses a missing or malformed header 401 AUTH_INVALID_TOKEN', async () => {
    for (const h of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b']) {
      expect(await refusal(bearer(h))).toEqual({ status: 401, code: 'AUTH_INVALID_TOKEN', category: 'auth' });
    }
  });

  it('refuses a forged or garbled token 401 AUTH_INVALID_TOKEN, an expired one 401 AUTH_TOKEN_EXPIRED', async () => {
    const forged = await new SignJWT({ name: 'ada', roles: [] })
      .setProtectedHeader({ alg: 'HS256', kid: KEY.kid })
      .setSubject('p1')
      .setIssuer('tilemud')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    const expired = await new SignJWT({ name: 'ada', roles: [] })
      .setProtectedHeader({ alg: 'HS256', kid: KEY.kid })
      .setSubject('p1')
      .setIssuer('tilemud')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode(KEY.secret));
    expect(await refusal(bearer(`Bearer ${forged}`))).toEqual({ status: 401, code: 'AUTH_INVALID_TOKEN', category: 'auth' });
    expect(await refusal(bearer('Bearer not.a.jwt'))).toEqual({ status: 401, code: 'AUTH_INVALID_TOKEN', category: 'auth' });
    expect(await refusal(bearer(`Bearer ${expired}`))).toEqual({ status: 401, code: 'AUTH_TOKEN_EXPIRED', category: 'auth' });
  });

  it('refuses a token issued before its player signed out', async () => {
    const token = await tokens.issue({ playerId: 'p1', username: 'ada', roles: [] });
    loggedOutAt = Date.now();
    expect(await refusal(bearer(`Bearer ${token}`))).toEqual({ status: 401, code: 'AUTH_INVALID_TOKEN', category: 'auth' });
  });

  it('a refused request leaves no principal behind', async () => {
    const req = bearer('Bearer nope');
    await refusal(req);
    expect(() => currentPlayerOf(contextOf(req))).toThrow(/needs PlayerAuthGuard/);
  });
});

describe('@CurrentPlayer()', () => {
  it('is a route parameter resolved by currentPlayerOf', async () => {
    class Probe {
      handler(@CurrentPlayer() player: unknown): unknown {
        return player;
      }
    }
    const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, Probe, 'handler') as Record<string, { index: number; factory: (data: unknown, ctx: ExecutionContext) => unknown }>;
    const [param] = Object.values(args);
    expect(param?.index).toBe(0);
    const req = bearer(`Bearer ${await tokens.issue({ playerId: 'p2', username: 'bo', roles: [] })}`);
    await guard.canActivate(contextOf(req));
    expect(param!.factory(undefined, contextOf(req))).toMatchObject({ playerId: 'p2', username: 'bo' });
  });
});

describe('JsonOnlyGuard', () => {
  const json = new JsonOnlyGuard();
  const typed = (type: string) => ({ is: (t: string) => (t === 'application/json' && type.startsWith('application/json') ? t : false) });
  it('lets JSON through and refuses anything else 415 UNSUPPORTED_MEDIA_TYPE', () => {
    expect(json.canActivate(contextOf(typed('application/json; charset=utf-8')))).toBe(true);
    expect(() => json.canActivate(contextOf(typed('application/x-www-form-urlencoded')))).toThrow(
      expect.objectContaining({ status: 415, body: expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }) as object }) as Error,
    );
  });
});
