import { decodeProtectedHeader, SignJWT } from 'jose';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import type { SessionRegistry } from '../session/session-registry';
import type { KeySpec } from './key-ring';
import { keyRingOf } from './key-ring';
import { TokenService } from './token.service';

const OLD: KeySpec = { kid: '2026-11', secret: 'o'.repeat(32) };
const NEW: KeySpec = { kid: '2026-12', secret: 'n'.repeat(32) };
const logger = { debug: () => undefined } as unknown as Logger;
const registry = { loggedOutAt: () => Promise.resolve(undefined) } as unknown as SessionRegistry;
const service = (keys: KeySpec[]) => new TokenService({ ACCESS_TOKEN_TTL_S: 60 } as GatewayConfig, logger, registry, { ring: keyRingOf(keys) });
const who = { playerId: 'p1', username: 'ada', roles: [] };

describe('access tokens across a key rotation', () => {
  it('signs with the newest key and names it; accepts the older one until it is retired', async () => {
    const before = await service([OLD]).issue(who);
    expect(decodeProtectedHeader(before).kid).toBe('2026-11');
    const rotated = service([NEW, OLD]);
    const after = await rotated.issue(who);
    expect(decodeProtectedHeader(after).kid).toBe('2026-12');
    expect((await rotated.verify(before)).playerId).toBe('p1');
    expect((await rotated.verify(after)).playerId).toBe('p1');
    const retired = service([NEW, { ...OLD, retired: true }]);
    await expect(retired.verify(before)).rejects.toMatchObject({ body: { code: 'AUTH_INVALID_TOKEN' } });
    expect((await retired.verify(after)).playerId).toBe('p1');
  });

  it('a token without kid (signed before keys had ids) is tried with each key; a forged kid does not help', async () => {
    const legacy = await new SignJWT({ name: 'ada', roles: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('p1')
      .setIssuer('tilemud')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(OLD.secret));
    expect((await service([NEW, OLD]).verify(legacy)).playerId).toBe('p1');
    await expect(service([NEW]).verify(legacy)).rejects.toMatchObject({ body: { code: 'AUTH_INVALID_TOKEN' } });
    const lying = await new SignJWT({ name: 'ada', roles: [] })
      .setProtectedHeader({ alg: 'HS256', kid: NEW.kid })
      .setSubject('p1')
      .setIssuer('tilemud')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    await expect(service([NEW, OLD]).verify(lying)).rejects.toMatchObject({ body: { code: 'AUTH_INVALID_TOKEN' } });
  });

  it('an expired token of an accepted key is AUTH_TOKEN_EXPIRED', async () => {
    const expired = await new SignJWT({ name: 'ada', roles: [] })
      .setProtectedHeader({ alg: 'HS256', kid: OLD.kid })
      .setSubject('p1')
      .setIssuer('tilemud')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode(OLD.secret));
    await expect(service([NEW, OLD]).verify(expired)).rejects.toMatchObject({ body: { code: 'AUTH_TOKEN_EXPIRED' } });
    await expect(service([NEW, OLD]).verify('not.a.jwt')).rejects.toMatchObject({ body: { code: 'AUTH_INVALID_TOKEN' } });
  });
});
