import { createApi, seqFromEtag } from './endpoints';
import { HttpError, NetworkError } from './http';
import { snapshot } from '../test/fixtures';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(body === undefined ? null : JSON.stringify(body), { status, headers });

describe('REST client', () => {
  it('reads the world seq from an ETag', () => {
    expect(seqFromEtag('"42"')).toBe(42);
    expect(seqFromEtag('W/"7"')).toBe(7);
    expect(seqFromEtag(null)).toBeNull();
    expect(seqFromEtag('"abc"')).toBeNull();
  });

  it('asks for a snapshot with If-None-Match and understands 304', async () => {
    const seen: Array<Record<string, string>> = [];
    const api = createApi(async (_url, init) => {
      const headers = init?.headers as Record<string, string>;
      seen.push(headers);
      return headers['if-none-match'] === '"10"' ? json(304, undefined) : json(200, snapshot(10), { etag: '"10"' });
    });
    const first = await api.snapshot('tok', 'w');
    expect(first).toMatchObject({ notModified: false, etag: '"10"' });
    expect(await api.snapshot('tok', 'w', '"10"')).toEqual({ notModified: true });
    expect(seen[1]).toMatchObject({ authorization: 'Bearer tok', 'if-none-match': '"10"' });
  });

  it('turns an error body into an HttpError with its code, and no answer into a NetworkError', async () => {
    const refused = createApi(async () => json(426, { error: { code: 'VERSION_MISMATCH', category: 'version', message: 'update', retryable: false, details: { minClientVersion: '9.0.0' } } }));
    await expect(refused.bootstrap('tok')).rejects.toMatchObject({ status: 426, code: 'VERSION_MISMATCH', body: { details: { minClientVersion: '9.0.0' } } });
    await expect(refused.bootstrap('tok')).rejects.toBeInstanceOf(HttpError);
    const down = createApi(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(down.guest()).rejects.toBeInstanceOf(NetworkError);
  });
});
