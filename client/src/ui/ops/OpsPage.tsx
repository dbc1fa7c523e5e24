import { useMemo } from 'react';
import { fmtAgo } from './format';
import type { FetchOverview } from './overview-api';
import { OpsView } from './OpsView';
import { TimeTravel } from './TimeTravel';
import type { TravelApi } from './travel-api';
import { useOverview } from './useOverview';
import './ops.css';

/**
 * The admin-only operator page (`#/ops`): live figures polled from GET /api/admin/overview, and
 * (given `travel`) the worlds' logs with time travel, once the overview has shown the role is held.
 */
export function OpsPage({ fetchOverview, travel, intervalMs = 2000 }: { fetchOverview: FetchOverview; travel?: TravelApi; intervalMs?: number }) {
  const state = useOverview(fetchOverview, intervalMs);
  const body = useMemo(() => {
    switch (state.kind) {
      case 'loading':
        return <p className="hint">Loading the figures…</p>;
      case 'forbidden':
        return (
          <p className="ops-alert" role="alert" data-testid="ops-forbidden">
            This page is for operators: your account does not have the admin role ({state.message}). An operator can grant it with <code>node scripts/ops.mjs grant-role &lt;username&gt; admin</code>.
          </p>
        );
      case 'signed_out':
        return (
          <p className="ops-alert" role="alert">
            Your sign-in has ended ({state.message}). Sign in again to see this page.
          </p>
        );
      case 'error':
        return (
          <p className="ops-alert" role="alert">
            The figures cannot be loaded: {state.error}. Retrying every {Math.round(intervalMs / 1000)} s.
          </p>
        );
      case 'ok':
      case 'stale':
        return (
          <>
            {state.kind === 'stale' ? (
              <p className="ops-alert" role="alert">
                Showing figures from {fmtAgo(Date.now() - state.receivedAt)} ago: {state.error}. Retrying.
              </p>
            ) : null}
            <OpsView overview={state.overview} />
            {travel ? <TimeTravel api={travel} intervalMs={intervalMs} /> : null}
          </>
        );
    }
  }, [state, intervalMs, travel]);
  return (
    <div className="ops" data-testid="ops-page" data-state={state.kind}>
      <header className="topbar">
        <h1 className="logo small">TileMUD · Operator</h1>
        <span className="hint">{state.kind === 'ok' ? `updated every ${Math.round(intervalMs / 1000)} s` : ''}</span>
        <a href="#/">Back to the game</a>
      </header>
      <main className="ops-main">{body}</main>
    </div>
  );
}
