import { bearerMatches } from './ops.controller';

describe('the METRICS_TOKEN check', () => {
  const token = 'scrape-token-0123456789';
  it('accepts exactly the bearer token and nothing else', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    for (const h of [undefined, '', token, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Basic ${token}`, `bearer ${token}`]) expect(bearerMatches(h, token)).toBe(false);
  });
});
