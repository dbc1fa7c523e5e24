import { AuthResponseSchema, BootstrapResponseSchema, CharacterSchema, DIRECTION_VECTORS, HealthResponseSchema, LoginRequestSchema, RegisterRequestSchema, isPassableTile } from './index';

describe('RegisterRequestSchema', () => {
  it.each(['abc', 'Ada_99', 'a'.repeat(24), '___'])('accepts username %p', (username) => {
    expect(RegisterRequestSchema.safeParse({ username, password: '12345678' }).success).toBe(true);
  });

  it.each(['ab', 'a'.repeat(25), 'ada lovelace', 'ada-99', 'adä', ''])('refuses username %p', (username) => {
    expect(RegisterRequestSchema.safeParse({ username, password: '12345678' }).success).toBe(false);
  });

  it('bounds the password to 8–128 characters', () => {
    const ok = (password: string) => RegisterRequestSchema.safeParse({ username: 'ada', password }).success;
    expect(ok('1234567')).toBe(false);
    expect(ok('12345678')).toBe(true);
    expect(ok('x'.repeat(128))).toBe(true);
    expect(ok('x'.repeat(129))).toBe(false);
  });

  it('login needs both fields', () => {
    expect(LoginRequestSchema.safeParse({ username: 'ada' }).success).toBe(false);
    expect(LoginRequestSchema.safeParse({ username: 'ada', password: 'x' }).success).toBe(true);
  });
});

describe('REST responses', () => {
  it('auth response needs the Bearer token type', () => {
    const body = { accessToken: 't', tokenType: 'Bearer', expiresIn: 900, player: { id: 'p', username: 'ada' } };
    expect(AuthResponseSchema.safeParse(body).success).toBe(true);
    expect(AuthResponseSchema.safeParse({ ...body, tokenType: 'bearer' }).success).toBe(false);
  });

  it('bootstrap needs a ws path, ticket and semver versions', () => {
    const character = { id: 'c', name: 'n', worldId: 'w', x: 0, y: 0, facing: 'east', inventory: [] };
    const body = {
      serverVersion: '0.1.0',
      protocolVersion: '1.0.0',
      player: { id: 'p', username: 'ada' },
      character,
      world: { id: 'w', name: 'W', width: 1, height: 1, seq: 0 },
      ws: { path: '/ws', ticket: 't', expiresIn: 90 },
    };
    expect(BootstrapResponseSchema.safeParse(body).success).toBe(true);
    expect(BootstrapResponseSchema.safeParse({ ...body, ws: { path: '/ws', expiresIn: 90 } }).success).toBe(false);
    expect(BootstrapResponseSchema.safeParse({ ...body, protocolVersion: 'one' }).success).toBe(false);
  });

  it('health has all three dependencies and a known status', () => {
    const up = { status: 'up', latencyMs: 1 };
    const body = { status: 'ok', serverVersion: '0.1.0', dependencies: { postgres: up, redis: up, nats: up } };
    expect(HealthResponseSchema.safeParse(body).success).toBe(true);
    expect(HealthResponseSchema.safeParse({ ...body, status: 'unavailable' }).success).toBe(true);
    expect(HealthResponseSchema.safeParse({ ...body, status: 'fine' }).success).toBe(false);
    expect(HealthResponseSchema.safeParse({ ...body, dependencies: { postgres: up, redis: up } }).success).toBe(false);
    expect(HealthResponseSchema.safeParse({ ...body, dependencies: { postgres: up, redis: { status: 'sideways', latencyMs: 1 }, nats: up } }).success).toBe(false);
  });
});

describe('model helpers', () => {
  it('moves north as y - 1', () => {
    expect(DIRECTION_VECTORS.north).toEqual({ dx: 0, dy: -1 });
    expect(DIRECTION_VECTORS.east).toEqual({ dx: 1, dy: 0 });
  });

  it('treats unknown tiles as impassable', () => {
    expect(['.', '>'].map(isPassableTile)).toEqual([true, true]);
    expect(['#', '~', '?', undefined].map(isPassableTile)).toEqual([false, false, false, false]);
  });

  it('refuses a character with negative or fractional coordinates', () => {
    const c = { id: 'c', name: 'n', worldId: 'w', x: 0, y: 0, facing: 'east', inventory: [] };
    expect(CharacterSchema.safeParse(c).success).toBe(true);
    expect(CharacterSchema.safeParse({ ...c, x: -1 }).success).toBe(false);
    expect(CharacterSchema.safeParse({ ...c, y: 0.5 }).success).toBe(false);
  });
});
