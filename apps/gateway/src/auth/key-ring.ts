import { createHash } from 'node:crypto';
import { z } from 'zod';

/** A key's id travels in every token's header (`kid`), so say nothing secret in it. */
const KID = /^[A-Za-z0-9._-]{1,64}$/;

const KeySpecSchema = z
  .object({
    kid: z.string().regex(KID, 'kid: 1-64 of [A-Za-z0-9._-]'),
    secret: z.string().min(32, 'secret: at least 32 characters'),
    /** A retired key neither signs nor is accepted; it stays listed only as a record. */
    retired: z.boolean().optional(),
  })
  .strict();
export type KeySpec = z.infer<typeof KeySpecSchema>;

/** The newest key first: it signs; every other one that is not retired is still accepted. */
const KeyListSchema = z
  .array(KeySpecSchema)
  .min(1, 'at least one key')
  .refine((keys) => keys.some((k) => !k.retired), 'at least one key that is not retired')
  .refine((keys) => new Set(keys.map((k) => k.kid)).size === keys.length, 'every kid once');

/**
 * `AUTH_KEYS` or a key file's text as a key list. JSON.parse's own message may quote the text,
 * secrets included, so a parse failure says only where to look.
 */
export const KeyListJsonSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not valid JSON (expected [{"kid":"…","secret":"…"}, …])' });
      return z.NEVER;
    }
  })
  .pipe(KeyListSchema);

export interface SigningKey {
  kid: string;
  secret: string;
}

/** The keys a gateway signs and verifies with. */
export interface KeyRing {
  /** The first key that is not retired. */
  signing: SigningKey;
  /** Every key not retired, signing key first. */
  accepted: readonly SigningKey[];
}

export function keyRingOf(keys: readonly KeySpec[]): KeyRing {
  const accepted = keys.filter((k) => !k.retired).map(({ kid, secret }) => ({ kid, secret }));
  if (accepted.length === 0) throw new Error('no key that is not retired');
  return { signing: accepted[0]!, accepted };
}

/** The key a token names; a token without `kid` (signed before keys had ids) may be any of them. */
export function keysFor(ring: KeyRing, kid: string | undefined): readonly SigningKey[] {
  if (kid === undefined) return ring.accepted;
  const key = ring.accepted.find((k) => k.kid === kid);
  return key ? [key] : [];
}

/**
 * AUTH_SECRET alone is one key whose id is derived from it: every gateway sharing the secret
 * names it alike, and the id reveals nothing usable about the secret.
 */
export function kidForSecret(secret: string): string {
  return `s-${createHash('sha256').update(`tilemud kid v1\0${secret}`).digest('base64url').slice(0, 12)}`;
}

export type KeySource = { kind: 'keys'; keys: KeySpec[] } | { kind: 'secret'; secret: string } | { kind: 'file'; path: string };

/** Where the keys come from: AUTH_KEYS, else AUTH_SECRET, else the key file (made on first start). */
export function keySource(config: { AUTH_KEYS?: KeySpec[]; AUTH_SECRET?: string; AUTH_KEY_FILE: string }): KeySource {
  if (config.AUTH_KEYS) return { kind: 'keys', keys: config.AUTH_KEYS };
  if (config.AUTH_SECRET) return { kind: 'secret', secret: config.AUTH_SECRET };
  return { kind: 'file', path: config.AUTH_KEY_FILE };
}
