import { canonicalUsername } from './canonical-username';

describe('canonicalUsername', () => {
  it('folds case: every spelling of an ASCII name is one name', () => {
    for (const v of ['ada_99', 'ADA_99', 'Ada_99', 'aDa_99']) expect(canonicalUsername(v)).toBe('ada_99');
  });

  it('folds compatibility forms (NFKC): fullwidth letters, ligatures, the Kelvin sign, long s', () => {
    expect(canonicalUsername('ＡＤＡ＿９９')).toBe('ada_99');
    expect(canonicalUsername('\uFB01nn')).toBe('finn'); // 'ﬁ' ligature
    expect(canonicalUsername('\u212Aate')).toBe('kate'); // Kelvin sign
    expect(canonicalUsername('ro\u017Fa')).toBe('rosa'); // long s
    expect(canonicalUsername('gro\u00DF')).toBe('gross'); // ß folds to ss
    expect(canonicalUsername('GRO\u1E9E')).toBe('gross'); // capital ẞ
  });

  it("gives no name for what folds outside [a-z0-9_]: 'İ', dotless 'ı', accents, spaces", () => {
    expect('\u0130'.toLowerCase()).toBe('i\u0307'); // why 'İ' is no 'i'
    for (const v of ['adm\u0130n', 'adm\u0131n', 'jos\u00E9', 'jose\u0301', 'ada lovelace', 'ada-l', 'ada\u200B', 'ада']) {
      expect(canonicalUsername(v)).toBeUndefined();
    }
  });

  it('keeps the length bounds after folding', () => {
    expect(canonicalUsername('ab')).toBeUndefined();
    expect(canonicalUsername('abc')).toBe('abc');
    expect(canonicalUsername('a'.repeat(24))).toBe('a'.repeat(24));
    expect(canonicalUsername('a'.repeat(25))).toBeUndefined();
    expect(canonicalUsername('\uFB03'.repeat(9))).toBeUndefined(); // 9 'ﬃ' are 27 letters
    expect(canonicalUsername('\u00DF')).toBeUndefined(); // 'ss' is too short
    expect(canonicalUsername('')).toBeUndefined();
  });

  it('is idempotent: a canonical name is its own canonical form', () => {
    for (const v of ['ADA_99', 'ＡＤＡ', 'gro\u00DF', 'x_Y_z']) {
      const c = canonicalUsername(v)!;
      expect(canonicalUsername(c)).toBe(c);
    }
  });
});
