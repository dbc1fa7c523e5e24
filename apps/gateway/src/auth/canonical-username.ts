import { USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH } from '@tilemud/contracts';

const CANONICAL = new RegExp(`^[a-z0-9_]{${USERNAME_MIN_LENGTH},${USERNAME_MAX_LENGTH}}$`);

/**
 * The one form of a username that accounts are unique by, looked up by, and limited by: NFKC,
 * then case folding, then NFKC again (Unicode's NFKC_Casefold). Fullwidth `ＡＤＡ`, `Ada` and `ada`
 * are one name. A result outside the contract's alphabet is no name at all (undefined): `adİn`
 * folds to `adi̇n` (with a combining dot), not to `adin`, so it can neither reach nor shadow `adin`.
 *
 * `toLowerCase` is full case folding for every character that can fold into [a-z0-9_] except ß and
 * ẞ, which fold to `ss`. The result depends on the Unicode version of Node's ICU only for characters
 * unassigned before it, which no stored name can hold (registration takes ASCII only).
 */
export function canonicalUsername(raw: string): string | undefined {
  const folded = raw.normalize('NFKC').toLowerCase().replace(/ß/g, 'ss').normalize('NFKC');
  return CANONICAL.test(folded) ? folded : undefined;
}
