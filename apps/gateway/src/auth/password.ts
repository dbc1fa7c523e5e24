import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    // maxmem: scrypt needs 128 * N * r bytes; Node's default cap (32 MiB) is too small from 2^15 up.
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * A memory-hard hash with its own random salt: `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (base64url).
 * The parameters travel with the hash, so raising the cost later leaves old hashes verifiable.
 */
export async function hashPassword(password: string, logN = 15): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, logN, 8, 1);
  return ['scrypt', logN, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time comparison of the derived key; false for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 22) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), logN, r, p);
  return expected.length === key.length && timingSafeEqual(key, expected);
}

/**
 * Verifying against this when the username is unknown costs what a real check costs, so the
 * answer's timing does not tell which usernames exist.
 */
export function decoyHash(logN: number): Promise<string> {
  return hashPassword(randomBytes(12).toString('hex'), logN);
}
