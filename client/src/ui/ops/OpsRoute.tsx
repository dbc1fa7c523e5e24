import { session } from '../../auth';
import { overviewFetcher } from './overview-api';
import { OpsPage } from './OpsPage';
import { travelApi } from './travel-api';

// One fetcher for the page's life: the polling effect restarts only when it changes.
const fetchOverview = overviewFetcher(session);
const travel = travelApi(session);

/** The operator page with the browser's sign-in; loaded on demand, so players never download it. */
export default function OpsRoute() {
  return <OpsPage fetchOverview={fetchOverview} travel={travel} />;
}
