import { createHash, randomBytes } from 'node:crypto';

/** A refresh token as stored: only its hash, the sign-in it descends from, and its fate. */
export interface StoredRefresh {
  familyId: string;
  playerId: string;
  /** Epoch ms. */
  expiresAt: number;
  /** When it was exchanged for its successor (each token is good for one exchange). */
  usedAt: number | null;
  /** When its family was revoked (logout, reuse, upgrade). */
  revokedAt: number | null;
}

export type RefreshVerdict =
  | { kind: 'rotate' }
  /** Spent before: someone holds a copy. The whole family is revoked. */
  | { kind: 'reused' }
  | { kind: 'invalid'; reason: 'unknown' | 'revoked' | 'expired' };

/**
 * What an exchange of this token does. A revoked family stays dead whatever comes back (a reuse
 * after a logout tells nothing new); a spent token is a copy even when it would have expired since.
 */
export function judgeRefresh(row: StoredRefresh | undefined, now: number): RefreshVerdict {
  if (!row) return { kind: 'invalid', reason: 'unknown' };
  if (row.revokedAt !== null) return { kind: 'invalid', reason: 'revoked' };
  if (row.usedAt !== null) return { kind: 'reused' };
  if (row.expiresAt <= now) return { kind: 'invalid', reason: 'expired' };
  return { kind: 'rotate' };
}

/** 256 random bits: unguessable, so the only way to one is to have been given it. */
export const newRefreshToken = (): string => randomBytes(32).toString('base64url');

/** What is stored: a database leak yields no usable token. */
export const hashRefreshToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();
