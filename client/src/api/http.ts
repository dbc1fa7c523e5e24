import { RestErrorSchema, type ErrorBody } from '@tilemud/contracts';
import type { z } from 'zod';

/** An answer other than the one expected, with the contract's error body when it had one. */
export class HttpError extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
  ) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = 'HttpError';
    this.code = body?.code ?? `HTTP_${status}`;
  }
}

/** No answer at all: the server is down or unreachable. */
export class NetworkError extends Error {
  readonly code = 'NETWORK';
  constructor(readonly cause: unknown) {
    super('the server cannot be reached');
    this.name = 'NetworkError';
  }
}

export interface RequestOptions<T> {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Parses a 2xx body; without it the body is ignored. */
  schema?: z.ZodType<T>;
  /** Statuses besides 2xx to hand back rather than throw (e.g. 304). */
  accept?: number[];
}

export interface HttpResult<T> {
  status: number;
  body: T | undefined;
  headers: Headers;
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** One JSON request. Throws NetworkError, or HttpError for a status it was not told to accept. */
export async function request<T>(fetchFn: Fetch, method: string, path: string, opts: RequestOptions<T> = {}): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let res: Response;
  try {
    res = await fetchFn(path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), cache: 'no-store' });
  } catch (err) {
    throw new NetworkError(err);
  }
  if (res.ok && res.status !== 204 && opts.schema) {
    const parsed = opts.schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new HttpError(res.status, { code: 'BAD_RESPONSE', category: 'internal', message: 'the server sent an answer this client does not understand', retryable: false });
    return { status: res.status, body: parsed.data, headers: res.headers };
  }
  if (res.ok || opts.accept?.includes(res.status)) return { status: res.status, body: undefined, headers: res.headers };
  const error = RestErrorSchema.safeParse(await res.json().catch(() => undefined));
  throw new HttpError(res.status, error.success ? error.data.error : undefined);
}
