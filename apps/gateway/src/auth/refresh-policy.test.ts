import { hashRefreshToken, judgeRefresh, newRefreshToken, StoredRefresh } from './refresh-policy';

const NOW = 1_800_000_000_000;
const live: StoredRefresh = { familyId: 'f', playerId: 'p', expiresAt: NOW + 1000, usedAt: null, revokedAt: null };

describe('refresh token policy', () => {
  it('rotates a live, unspent token', () => {
    expect(judgeRefresh(live, NOW)).toEqual({ kind: 'rotate' });
  });

  it('calls a spent token a reuse (its family is then revoked), even once it would have expired', () => {
    expect(judgeRefresh({ ...live, usedAt: NOW - 10 }, NOW)).toEqual({ kind: 'reused' });
    expect(judgeRefresh({ ...live, usedAt: NOW - 10, expiresAt: NOW - 1 }, NOW)).toEqual({ kind: 'reused' });
  });

  it('refuses an unknown, revoked or expired token', () => {
    expect(judgeRefresh(undefined, NOW)).toEqual({ kind: 'invalid', reason: 'unknown' });
    expect(judgeRefresh({ ...live, revokedAt: NOW - 5 }, NOW)).toEqual({ kind: 'invalid', reason: 'revoked' });
    // A revoked family stays dead: a spent token of it is not reported as a fresh reuse.
    expect(judgeRefresh({ ...live, revokedAt: NOW - 5, usedAt: NOW - 9 }, NOW)).toEqual({ kind: 'invalid', reason: 'revoked' });
    expect(judgeRefresh({ ...live, expiresAt: NOW }, NOW)).toEqual({ kind: 'invalid', reason: 'expired' });
  });

  it('draws unguessable tokens and stores only their SHA-256', () => {
    const a = newRefreshToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newRefreshToken()).not.toBe(a);
    expect(hashRefreshToken(a)).toHaveLength(32);
    expect(hashRefreshToken(a).equals(hashRefreshToken(a))).toBe(true);
    expect(hashRefreshToken(a).toString('utf8')).not.toContain(a);
  });
});
