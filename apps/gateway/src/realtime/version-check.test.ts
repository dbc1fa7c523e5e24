import { checkClientVersion } from './version-check';

describe('the version check at hello and bootstrap', () => {
  it('accepts the same protocol major at or above the minimum', () => {
    expect(checkClientVersion({ protocolVersion: '1.0.0' }, '1.0.0', '0.1.0')).toBeNull();
    expect(checkClientVersion({ protocolVersion: '1.4.2', clientVersion: '1.2.0' }, '1.1.0', '0.1.0')).toBeNull();
  });

  it('refuses another major, an older client, or a version that is not semver', () => {
    for (const hello of [{ protocolVersion: '2.0.0' }, { protocolVersion: '1.0.0', clientVersion: '1.0.9' }, { protocolVersion: 'banana' }]) {
      expect(checkClientVersion(hello, '1.1.0', '0.1.0')).toMatchObject({ type: 'event.version_mismatch', minClientVersion: '1.1.0', serverVersion: '0.1.0', action: 'UPDATE_REQUIRED' });
    }
  });
});
