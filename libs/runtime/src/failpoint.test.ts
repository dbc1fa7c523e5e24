import { fires } from './failpoint';

describe('failpoint', () => {
  it('fires for its name, and with a tag only where that tag is present', () => {
    expect(fires('a.b', 'a.b')).toBe(true);
    expect(fires('x,a.b', 'a.b')).toBe(true);
    expect(fires('a.b', 'a.c')).toBe(false);
    expect(fires('a.b@c1', 'a.b', ['c2'])).toBe(false);
    expect(fires('a.b@c1', 'a.b', ['c2', 'c1'])).toBe(true);
    expect(fires('a.b@c1', 'a.b')).toBe(false);
  });
});
