import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@tilemud/runtime';
import { GatewayConfigSchema } from '../config';
import { KeyFileError, loadOrCreateKeyFile } from './key-file';
import { KeyListJsonSchema, keyRingOf, keysFor, keySource, kidForSecret } from './key-ring';

const secret = (c: string) => c.repeat(32);

describe('key ring', () => {
  it('signs with the first key that is not retired and accepts every other one not retired', () => {
    const ring = keyRingOf([
      { kid: 'old-retired', secret: secret('r'), retired: true },
      { kid: '2026-12', secret: secret('a') },
      { kid: '2026-11', secret: secret('b'), retired: false },
    ]);
    expect(ring.signing.kid).toBe('2026-12');
    expect(ring.accepted.map((k) => k.kid)).toEqual(['2026-12', '2026-11']);
    expect(keysFor(ring, '2026-11').map((k) => k.kid)).toEqual(['2026-11']);
    expect(keysFor(ring, 'old-retired')).toEqual([]);
    expect(keysFor(ring, 'nobody')).toEqual([]);
    // A token from before key ids may be any accepted key.
    expect(keysFor(ring, undefined).map((k) => k.kid)).toEqual(['2026-12', '2026-11']);
  });

  it('takes AUTH_KEYS over AUTH_SECRET over the key file', () => {
    const keys = [{ kid: 'k', secret: secret('k') }];
    expect(keySource({ AUTH_KEYS: keys, AUTH_SECRET: secret('s'), AUTH_KEY_FILE: 'f' })).toEqual({ kind: 'keys', keys });
    expect(keySource({ AUTH_SECRET: secret('s'), AUTH_KEY_FILE: 'f' })).toEqual({ kind: 'secret', secret: secret('s') });
    expect(keySource({ AUTH_KEY_FILE: 'f' })).toEqual({ kind: 'file', path: 'f' });
  });

  it('derives a stable kid from AUTH_SECRET that does not show the secret', () => {
    expect(kidForSecret(secret('s'))).toBe(kidForSecret(secret('s')));
    expect(kidForSecret(secret('s'))).not.toBe(kidForSecret(secret('t')));
    expect(kidForSecret(secret('s'))).toMatch(/^s-[A-Za-z0-9_-]{12}$/);
  });

  it('refuses a key list that cannot sign, without quoting it', () => {
    const bad = (v: string) => KeyListJsonSchema.safeParse(v);
    expect(bad('[]').success).toBe(false);
    expect(bad(JSON.stringify([{ kid: 'a', secret: secret('a'), retired: true }])).success).toBe(false);
    expect(bad(JSON.stringify([{ kid: 'a', secret: 'short' }])).success).toBe(false);
    expect(
      bad(
        JSON.stringify([
          { kid: 'a', secret: secret('a') },
          { kid: 'a', secret: secret('b') },
        ]),
      ).success,
    ).toBe(false);
    expect(bad(JSON.stringify([{ kid: 'bad kid', secret: secret('a') }])).success).toBe(false);
    const notJson = bad(`[{"kid":"a","secret":"${secret('x')}"`);
    expect(notJson.success).toBe(false);
    expect(JSON.stringify(notJson.error)).not.toContain(secret('x'));
    expect(() => loadConfig(GatewayConfigSchema, { AUTH_KEYS: `{${secret('y')}` })).toThrow(/AUTH_KEYS/);
    expect(() => loadConfig(GatewayConfigSchema, { AUTH_KEYS: `{${secret('y')}` })).not.toThrow(new RegExp(secret('y')));
  });

  it('reads AUTH_KEYS from the configuration', () => {
    const c = loadConfig(GatewayConfigSchema, {
      AUTH_KEYS: JSON.stringify([
        { kid: 'n', secret: secret('n') },
        { kid: 'o', secret: secret('o') },
      ]),
    });
    expect(c.AUTH_KEYS?.map((k) => k.kid)).toEqual(['n', 'o']);
    expect(c.AUTH_KEY_FILE).toBe('.data/auth-keys.json');
  });
});

describe('local key file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tilemud-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created once, private, and read back the same on the next start', () => {
    const path = join(dir, 'nested', 'auth-keys.json');
    const first = loadOrCreateKeyFile(path);
    expect(first.created).toBe(true);
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]!.secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = loadOrCreateKeyFile(path);
    expect(second.created).toBe(false);
    expect(second.keys).toEqual(first.keys);
  });

  it('holds a rotation like AUTH_KEYS does', () => {
    const path = join(dir, 'keys.json');
    writeFileSync(
      path,
      JSON.stringify([
        { kid: 'new', secret: secret('n') },
        { kid: 'old', secret: secret('o') },
      ]),
    );
    expect(keyRingOf(loadOrCreateKeyFile(path).keys).signing.kid).toBe('new');
  });

  it('refuses a damaged file rather than replacing it', () => {
    const path = join(dir, 'keys.json');
    writeFileSync(path, `[{"kid":"a","secret":"${secret('z')}"`);
    expect(() => loadOrCreateKeyFile(path)).toThrow(KeyFileError);
    expect(() => loadOrCreateKeyFile(path)).not.toThrow(new RegExp(secret('z')));
    expect(readFileSync(path, 'utf8')).toContain(secret('z'));
  });
});
