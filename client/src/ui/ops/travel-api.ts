import {
  AdminWorldMapSchema,
  AdminWorldsResponseSchema,
  ApiRoute,
  WorldEventsPageSchema,
  WorldStateAtSchema,
  type AdminWorldsResponse,
  type WorldEventsPage,
  type WorldMap,
  type WorldStateAt,
} from '@tilemud/contracts';
import type { z } from 'zod';
import { HttpError, request, type Fetch } from '../../api/http';
import type { TokenSource } from './overview-api';

/** What the time travel asks the gateway (`/api/admin/worlds…`, admin role only). */
export interface TravelApi {
  worlds(): Promise<AdminWorldsResponse>;
  map(worldId: string): Promise<WorldMap>;
  stateAt(worldId: string, seq: number): Promise<WorldStateAt>;
  events(worldId: string, from: number, to: number): Promise<WorldEventsPage>;
}

const path = (route: string, worldId: string) => route.replace(':worldId', encodeURIComponent(worldId));

/** The endpoints with the sign-in's token (renewed once when the server calls it expired), answers checked by the contract. */
export function travelApi(tokens: TokenSource, fetchFn: Fetch = (input, init) => fetch(input, init)): TravelApi {
  const get = async <T>(url: string, schema: z.ZodType<T>): Promise<T> => {
    const call = (token: string) => request(fetchFn, 'GET', url, { token, schema }).then((r) => r.body!);
    try {
      return await call(await tokens.fresh());
    } catch (err) {
      if (!(err instanceof HttpError && err.code === 'AUTH_TOKEN_EXPIRED')) throw err;
      return call((await tokens.refresh()).accessToken);
    }
  };
  return {
    worlds: () => get(ApiRoute.ADMIN_WORLDS, AdminWorldsResponseSchema),
    map: (worldId) => get(path(ApiRoute.ADMIN_WORLD_MAP, worldId), AdminWorldMapSchema),
    stateAt: (worldId, seq) => get(`${path(ApiRoute.ADMIN_WORLD_STATE, worldId)}?atSeq=${seq}`, WorldStateAtSchema),
    events: (worldId, from, to) => get(`${path(ApiRoute.ADMIN_WORLD_EVENTS, worldId)}?from=${from}&to=${to}`, WorldEventsPageSchema),
  };
}
