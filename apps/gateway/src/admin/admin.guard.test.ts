import type { ExecutionContext } from '@nestjs/common';
import type { Logger } from '@tilemud/runtime';
import { currentPlayerOf } from '../auth/current-player.decorator';
import { keyRingOf } from '../auth/key-ring';
import type { PlayerRow, PlayersRepository } from '../auth/players.repository';
import { TokenService } from '../auth/token.service';
import type { GatewayConfig } from '../config';
import type { SessionRegistry } from '../session/session-registry';
import { AdminGuard } from './admin.guard';

const registry = { loggedOutAt: async () => undefined } as unknown as SessionRegistry;
const tokens = new TokenService({ ACCESS_TOKEN_TTL_S: 60 } as GatewayConfig, {} as Logger, registry, { ring: keyRingOf([{ kid: 'k1', secret: 's'.repeat(32) }]) });
/** The roles as PostgreSQL has them now (the token's may be stale). */
const rolesNow = new Map<string, string[]>();
const players = { byId: async (id: string) => (rolesNow.has(id) ? ({ id, roles: rolesNow.get(id) } as PlayerRow) : undefined) } as unknown as PlayersRepository;
const guard = new AdminGuard(tokens, players);

const contextOf = (req: object) => ({ switchToHttp: () => ({ getRequest: () => req }) }) as unknown as ExecutionContext;
const withToken = async (playerId: string, roles: string[]) => ({ headers: { authorization: `Bearer ${await tokens.issue({ playerId, username: playerId, roles })}` } });

describe('AdminGuard', () => {
  it('lets an admin through, with the principal for @CurrentPlayer()', async () => {
    rolesNow.set('op', ['admin']);
    const req = await withToken('op', ['admin']);
    await expect(guard.canActivate(contextOf(req))).resolves.toBe(true);
    expect(currentPlayerOf(contextOf(req)).playerId).toBe('op');
  });

  it('reads the role from the players table, not the token: granted or revoked since, it counts at once', async () => {
    rolesNow.set('promoted', ['admin']);
    await expect(guard.canActivate(contextOf(await withToken('promoted', [])))).resolves.toBe(true);
    rolesNow.set('demoted', []);
    await expect(guard.canActivate(contextOf(await withToken('demoted', ['admin'])))).rejects.toMatchObject({ status: 403, body: { code: 'FORBIDDEN', category: 'forbidden' } });
    await expect(guard.canActivate(contextOf(await withToken('gone', ['admin'])))).rejects.toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('without a valid token: 401 as any signed-in route', async () => {
    await expect(guard.canActivate(contextOf({ headers: {} }))).rejects.toMatchObject({ status: 401, body: { code: 'AUTH_INVALID_TOKEN' } });
    await expect(guard.canActivate(contextOf({ headers: { authorization: 'Bearer x.y.z' } }))).rejects.toMatchObject({ status: 401, body: { code: 'AUTH_INVALID_TOKEN' } });
  });
});
