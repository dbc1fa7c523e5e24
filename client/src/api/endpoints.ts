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
import { request, type Fetch } from './http';

/** The REST calls the game makes, typed and checked by the contract's schemas. */
export interface Api {
  guest(): Promise<AuthResponse>;
  login(username: string, password: string): Promise<AuthResponse>;
  register(username: string, password: string): Promise<AuthResponse>;
  bootstrap(token: string): Promise<BootstrapResponse>;
  ticket(token: string): Promise<TicketResponse>;
  /** Ends the player's sessions (their sockets close with reason `logout`). */
  logout(token: string): Promise<void>;
  health(): Promise<HealthResponse>;
  /** `notModified` when the ETag still matches. */
  snapshot(token: string, worldId: string, etag?: string): Promise<{ notModified: true } | { notModified: false; snapshot: Snapshot; etag: string | null }>;
}

export function createApi(fetchFn: Fetch = (input, init) => fetch(input, init)): Api {
  const post = <T>(path: string, schema: z.ZodType<T>, token?: string, body?: unknown) =>
    request<T>(fetchFn, 'POST', path, { schema, token, body }).then((r) => r.body!);
  return {
    guest: () => post(ApiRoute.GUEST, AuthResponseSchema),
    login: (username, password) => post(ApiRoute.LOGIN, AuthResponseSchema, undefined, { username, password }),
    register: (username, password) => post(ApiRoute.REGISTER, AuthResponseSchema, undefined, { username, password }),
    bootstrap: (token) => post(ApiRoute.BOOTSTRAP, BootstrapResponseSchema, token, { clientVersion: CLIENT_VERSION }),
    ticket: (token) => post(ApiRoute.TICKET, TicketResponseSchema, token),
    logout: (token) => request(fetchFn, 'POST', ApiRoute.LOGOUT, { token }).then(() => undefined),
    async health() {
      // 503 still carries the health body (status "unavailable").
      const res = await fetchFn(ApiRoute.HEALTH, { cache: 'no-store' });
      return HealthResponseSchema.parse(await res.json());
    },
    async snapshot(token, worldId, etag) {
      const path = ApiRoute.WORLD_SNAPSHOT.replace(':worldId', encodeURIComponent(worldId));
      const r = await request(fetchFn, 'GET', path, { token, schema: SnapshotResponseSchema, accept: [304], headers: etag ? { 'if-none-match': etag } : {} });
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
