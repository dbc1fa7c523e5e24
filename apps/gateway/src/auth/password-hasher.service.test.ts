import { loadConfig } from '@tilemud/runtime';
import { GatewayConfigSchema } from '../config';
import { ApiError } from '../errors/api-error';
import { PasswordHasher } from './password-hasher.service';

const config = (env: Record<string, string>) => loadConfig(GatewayConfigSchema, { SCRYPT_LOG_N: '10', ...env });

describe('PasswordHasher', () => {
  it('by default leaves libuv threads free: fewer hashes at once than the pool has threads', () => {
    const c = config({});
    expect(c.PASSWORD_HASH_CONCURRENCY).toBeLessThan(c.UV_THREADPOOL_SIZE);
    expect(() => new PasswordHasher(c)).not.toThrow();
  });

  it('refuses to start when hashing could take the whole pool', () => {
    expect(() => new PasswordHasher(config({ PASSWORD_HASH_CONCURRENCY: '4' }))).toThrow(/PASSWORD_HASH_CONCURRENCY \(4\) must be below UV_THREADPOOL_SIZE \(4\)/);
    expect(() => new PasswordHasher(config({ PASSWORD_HASH_CONCURRENCY: '4', UV_THREADPOOL_SIZE: '8' }))).not.toThrow();
  });

  it('hashes and verifies (a missing hash is checked against a decoy and fails)', async () => {
    const h = new PasswordHasher(config({}));
    const stored = await h.hash('correct horse battery');
    expect(await h.verify('correct horse battery', stored)).toBe(true);
    expect(await h.verify('correct horse battery', undefined)).toBe(false);
  });

  it('a full line answers 503 CAPACITY_EXCEEDED, retryable, with when to come back', async () => {
    const h = new PasswordHasher(config({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '1' }));
    const stored = await h.hash('correct horse battery');
    const results = await Promise.allSettled([1, 2, 3].map(() => h.verify('correct horse battery', stored)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const err = (results[2] as PromiseRejectedResult).reason as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(503);
    expect(err.body).toMatchObject({ code: 'CAPACITY_EXCEEDED', category: 'capacity', retryable: true });
    expect(err.body.retryAfterMs).toBeGreaterThan(0);
  });
});
