import { travelApi } from './travel-api';

describe('travelApi', () => {
  it('asks the admin endpoints with the token, and once more with a renewed one when it has expired', async () => {
    const urls: string[] = [];
    let expired = true;
    const fetchFn = async (url: string, init?: RequestInit) => {
      urls.push(`${url} ${(init?.headers as Record<string, string>).authorization}`);
      if (expired) {
        expired = false;
        return new Response(JSON.stringify({ error: { code: 'AUTH_TOKEN_EXPIRED', category: 'auth', message: 'expired', retryable: false } }), { status: 401 });
      }
      return new Response(JSON.stringify({ worldId: 'lobby', head: 6, events: [], more: false }), { status: 200 });
    };
    const api = travelApi({ fresh: async () => 'old', refresh: async () => ({ accessToken: 'new' }) }, fetchFn);
    expect(await api.events('lobby', 3, 9)).toEqual({ worldId: 'lobby', head: 6, events: [], more: false });
    expect(urls).toEqual(['/api/admin/worlds/lobby/events?from=3&to=9 Bearer old', '/api/admin/worlds/lobby/events?from=3&to=9 Bearer new']);
  });
});
