import { ApiRoute, OperatorOverviewSchema, type OperatorOverview } from '@tilemud/contracts';
import { HttpError, request, type Fetch } from '../../api/http';

/** What the page needs of the sign-in: a token good now, and a new one when the server calls it expired. */
export interface TokenSource {
  fresh(): Promise<string>;
  refresh(): Promise<{ accessToken: string }>;
}

export type FetchOverview = () => Promise<OperatorOverview>;

/** `GET /api/admin/overview` with the sign-in's token, checked by the contract's schema. */
export function overviewFetcher(tokens: TokenSource, fetchFn: Fetch = (input, init) => fetch(input, init)): FetchOverview {
  const call = (token: string) => request(fetchFn, 'GET', ApiRoute.ADMIN_OVERVIEW, { token, schema: OperatorOverviewSchema }).then((r) => r.body!);
  return async () => {
    try {
      return await call(await tokens.fresh());
    } catch (err) {
      if (!(err instanceof HttpError && err.code === 'AUTH_TOKEN_EXPIRED')) throw err;
      return call((await tokens.refresh()).accessToken);
    }
  };
}
