import { OVERVIEW } from './fixture';
import { overviewFetcher } from './overview-api';

describe('overviewFetcher', () => {
  it('asks with the Bearer token and, told it expired, once more with a refreshed one', async () => {
    const seen: string[] = [];
    const fetchFn = async (_: string, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string>).authorization!;
      seen.push(auth);
      if (auth === 'Bearer old') return new Response(JSON.stringify({ error: { code: 'AUTH_TOKEN_EXPIRED', category: 'auth', message: 'expired', retryable: false } }), { status: 401 });
      return new Response(JSON.stringify(OVERVIEW), { status: 200 });
    };
    const fetchOverview = overviewFetcher({ fresh: async () => 'old', refresh: async () => ({ accessToken: 'new' }) }, fetchFn);
    expect((await fetchOverview()).sessions.current).toBe(42);
    expect(seen).toEqual(['Bearer old', 'Bearer new']);
  });
});
