import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeyListJsonSchema, KeySpec } from './key-ring';

/** Why the key file cannot be used; never quotes its content. */
export class KeyFileError extends Error {}

/**
 * The keys in `path` (the AUTH_KEYS format). Missing: one fresh random key is written there first
 * (mode 0600), so a development gateway signs with the same key after a restart. The file appears
 * whole or not at all (written aside, then hard-linked into place, which fails if it exists), so
 * two gateways starting together read one key.
 */
export function loadOrCreateKeyFile(path: string, now = new Date()): { keys: KeySpec[]; created: boolean } {
  let created = false;
  let text = tryRead(path);
  if (text === undefined) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const keys: KeySpec[] = [{ kid: `local-${now.toISOString().slice(0, 10)}`, secret: randomBytes(32).toString('base64url') }];
    const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(aside, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(aside, path);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new KeyFileError(`cannot create the key file ${path}: ${(err as Error).message}`);
    } finally {
      unlinkSync(aside);
    }
    text = tryRead(path);
    if (text === undefined) throw new KeyFileError(`the key file ${path} vanished while it was created`);
  }
  const parsed = KeyListJsonSchema.safeParse(text);
  if (!parsed.success) throw new KeyFileError(`the key file ${path} is not a key list: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return { keys: parsed.data, created };
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyFileError(`cannot read the key file ${path}: ${(err as Error).message}`);
  }
}
