import { decoyHash, hashPassword, verifyPassword } from './password';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('correct horse battery', 10);
    expect(h).toMatch(/^scrypt\$10\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterx', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
  });

  it('salts each hash on its own', async () => {
    const [a, b] = await Promise.all([hashPassword('same password', 10), hashPassword('same password', 10)]);
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
  });

  it('keeps verifying hashes made with other parameters', async () => {
    const old = await hashPassword('pw-of-2019', 11);
    expect(await verifyPassword('pw-of-2019', old)).toBe(true);
  });

  it('refuses malformed stored hashes without throwing', async () => {
    for (const bad of ['', 'plain', 'scrypt$x$8$1$aa$bb', 'bcrypt$10$8$1$aa$bb', 'scrypt$40$8$1$aa$bb']) {
      expect(await verifyPassword('anything', bad)).toBe(false);
    }
    expect(await verifyPassword('anything', await decoyHash(10))).toBe(false);
  });
});
