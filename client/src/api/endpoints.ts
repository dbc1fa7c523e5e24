import {
  ApiRoute,
  AuthResponseSchema,
  BootstrapResponseSchema,
  HealthResponseSchema,
  SnapshotResponseSchema,
  TicketResponseSchema,
  type AuthResponse,
  type BootstrapResponse,
  type HealthResponse,
  type Snapshot,
  type TicketResponse,
} from '@tilemud/contracts';
import type { z } from 'zod';
import { CLIENT_VERSION } from '../version';
import { HttpError, request, type Fetch } from './http';
import type { TokenKeeper } from './token-keeper';

/** The REST calls the game makes, typed and checked by the contract's schemas. */
export interface Api {
  guest(): Promise<AuthResponse>;
  login(username: string, password: string): Promise<AuthResponse>;
  register(username: string, password: string): Promise<AuthResponse>;
  /** A refresh token for a new pair (the given one is then spent). */
  refresh(refreshToken: string): Promise<AuthResponse>;
  /** The guest signed in with `token` becomes an account: same player, character and inventory. */
  upgrade(token: string, username: string, password: string): Promise<AuthResponse>;
  bootstrap(token: string): Promise<BootstrapResponse>;
  ticket(token: string): Promise<TicketResponse>;
  /** Ends the player's sessions (their sockets close with reason `logout`). */
  logout(token: string): Promise<void>;
  health(): Promise<HealthResponse>;
  /** `notModified` when the ETag still matches. */
  snapshot(token: string, worldId: string, etag?: string): Promise<{ notModified: true } | { notModified: false; snapshot: Snapshot; etag: string | null }>;
}

/**
 * With a keeper, a call made with a token of its sign-in (even an expired one, as a connection
 * keeps the token it started with) goes with the keeper's freshest token, and once more after a
 * refresh when the server calls it expired or invalid. Other tokens go as given.
 */
export function createApi(fetchFn: Fetch = (input, init) => fetch(input, init), keeper?: TokenKeeper): Api {
  async function authed<T>(token: string, call: (token: string) => Promise<T>): Promise<T> {
    if (!keeper?.owns(token)) return call(token);
    // Read before any wait: a sign-out right after this call began must not leave it tokenless.
    const usable = keeper.usable();
    const first = usable ?? (await keeper.fresh().catch(() => token));
    try {
      return await call(first);
    } catch (err) {
      // Expired, or no longer known (signed with a key the server lost or retired): the refresh
      // token may still be good, so it is tried once before the sign-in is given up.
      if (!(err instanceof HttpError && (err.code === 'AUTH_TOKEN_EXPIRED' || err.code === 'AUTH_INVALID_TOKEN'))) throw err;
      return call((await keeper.refresh()).accessToken);
    }
  }
  const post = <T>(path: string, schema: z.ZodType<T>, token?: string, body?: unknown) => request<T>(fetchFn, 'POST', path, { schema, token, body }).then((r) => r.body!);
  const postAuthed = <T>(path: string, schema: z.ZodType<T>, token: string, body?: unknown) => authed(token, (t) => post(path, schema, t, body));
  return {
    guest: () => post(ApiRoute.GUEST, AuthResponseSchema),
    login: (username, password) => post(ApiRoute.LOGIN, AuthResponseSchema, undefined, { username, password }),
    register: (username, password) => post(ApiRoute.REGISTER, AuthResponseSchema, undefined, { username, password }),
    refresh: (refreshToken) => post(ApiRoute.REFRESH, AuthResponseSchema, undefined, { refreshToken }),
    upgrade: (token, username, password) => postAuthed(ApiRoute.UPGRADE, AuthResponseSchema, token, { username, password }),
    bootstrap: (token) => postAuthed(ApiRoute.BOOTSTRAP, BootstrapResponseSchema, token, { clientVersion: CLIENT_VERSION }),
    ticket: (token) => postAuthed(ApiRoute.TICKET, TicketResponseSchema, token),
    logout: (token) => authed(token, (t) => request(fetchFn, 'POST', ApiRoute.LOGOUT, { token: t })).then(() => undefined),
    async health() {
      // 503 still carries the health body (status "unavailable").
      const res = await fetchFn(ApiRoute.HEALTH, { cache: 'no-store' });
      return HealthResponseSchema.parse(await res.json());
    },
    async snapshot(token, worldId, etag) {
      const path = ApiRoute.WORLD_SNAPSHOT.replace(':worldId', encodeURIComponent(worldId));
      const r = await authed(token, (t) => request(fetchFn, 'GET', path, { token: t, schema: SnapshotResponseSchema, accept: [304], headers: etag ? { 'if-none-match': etag } : {} }));
      if (r.status === 304 || !r.body) return { notModified: true };
      return { notModified: false, snapshot: r.body, etag: r.headers.get('etag') };
    },
  };
}

/** The world seq an ETag (`"<seq>"`, maybe weak) names, or null. */
export function seqFromEtag(etag: string | null): number | null {
  const m = etag ? /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim()) : null;
  return m ? Number(m[1]) : null;
}
