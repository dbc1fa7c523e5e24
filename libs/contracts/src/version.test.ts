import { PROTOCOL_VERSION, SemverStringSchema, compareSemver, isCompatible, parseSemver } from './index';

describe('parseSemver', () => {
  it('parses a release and a pre-release with build metadata', () => {
    expect(parseSemver('1.2.3')).toEqual({ major: 1, minor: 2, patch: 3, prerelease: [] });
    expect(parseSemver('10.0.7-rc.1+build.5')).toEqual({ major: 10, minor: 0, patch: 7, prerelease: ['rc', '1'] });
  });

  it.each(['', '1', '1.2', '1.2.3.4', 'v1.2.3', '01.2.3', '1.2.x', '1.2.3-', ' 1.2.3', 'abc'])('returns null for %p', (bad) => {
    expect(parseSemver(bad)).toBeNull();
    expect(SemverStringSchema.safeParse(bad).success).toBe(false);
  });

  it('knows the protocol version', () => {
    expect(PROTOCOL_VERSION).toBe('1.0.0');
    expect(parseSemver(PROTOCOL_VERSION)).not.toBeNull();
  });
});

describe('compareSemver', () => {
  // The precedence example of semver.org, oldest first.
  const ordered = ['0.9.9', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2.0', '1.10.0', '2.0.0'];

  it('orders every pair by semver precedence', () => {
    ordered.forEach((a, i) => {
      ordered.forEach((b, j) => {
        expect([a, b, compareSemver(a, b)]).toEqual([a, b, Math.sign(i - j)]);
      });
    });
  });

  it('compares numerically, not lexically', () => {
    expect(compareSemver('1.10.0', '1.9.0')).toBe(1);
    expect(compareSemver('1.0.9', '1.0.10')).toBe(-1);
  });

  it('ignores build metadata', () => {
    expect(compareSemver('1.0.0+a', '1.0.0+b')).toBe(0);
  });

  it('throws on something that is not semver', () => {
    expect(() => compareSemver('1.0', '1.0.0')).toThrow(TypeError);
    expect(() => compareSemver('1.0.0', 'latest')).toThrow(/latest/);
  });
});

describe('isCompatible', () => {
  it('accepts the same MAJOR at or above the minimum', () => {
    expect(isCompatible('1.0.0', '1.0.0', '1.0.0')).toBe(true);
    expect(isCompatible('1.4.2', '1.0.0', '1.2.0')).toBe(true);
    expect(isCompatible('1.0.0', '1.9.0', '0.1.0')).toBe(true);
  });

  it('refuses a client older than the minimum', () => {
    expect(isCompatible('1.1.9', '1.0.0', '1.2.0')).toBe(false);
    expect(isCompatible('1.2.0-rc.1', '1.2.0', '1.2.0')).toBe(false);
  });

  it('refuses another MAJOR, newer or older', () => {
    expect(isCompatible('2.0.0', '1.0.0', '1.0.0')).toBe(false);
    expect(isCompatible('1.5.0', '2.0.0', '1.0.0')).toBe(false);
  });

  it('refuses unparsable versions instead of throwing', () => {
    expect(isCompatible('latest', '1.0.0', '1.0.0')).toBe(false);
    expect(isCompatible('1.0.0', 'x', '1.0.0')).toBe(false);
    expect(isCompatible('1.0.0', '1.0.0', '')).toBe(false);
  });
});
