import type { OperatorOverview } from '@tilemud/contracts';
import { useEffect, useState } from 'react';
import { HttpError } from '../../api/http';
import type { FetchOverview } from './overview-api';

export type OverviewState =
  | { kind: 'loading' }
  | { kind: 'ok'; overview: OperatorOverview; receivedAt: number }
  /** The figures last received, and why newer ones did not come. */
  | { kind: 'stale'; overview: OperatorOverview; receivedAt: number; error: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'signed_out'; message: string }
  | { kind: 'error'; error: string };

/**
 * Polls the overview every `intervalMs` after each answer (a slow server never gets requests piled
 * up). A 403 or 401 stops the polling: asking again will not change the answer.
 */
export function useOverview(fetchOverview: FetchOverview, intervalMs = 2000): OverviewState {
  const [state, setState] = useState<OverviewState>({ kind: 'loading' });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const overview = await fetchOverview();
        if (stopped) return;
        setState({ kind: 'ok', overview, receivedAt: Date.now() });
      } catch (err) {
        if (stopped) return;
        if (err instanceof HttpError && err.status === 403) return setState({ kind: 'forbidden', message: err.message });
        if (err instanceof HttpError && err.status === 401) return setState({ kind: 'signed_out', message: err.message });
        const error = err instanceof Error ? err.message : String(err);
        setState((s) => (s.kind === 'ok' || s.kind === 'stale' ? { ...s, kind: 'stale', error } : { kind: 'error', error }));
      }
      timer = setTimeout(() => void poll(), intervalMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [fetchOverview, intervalMs]);
  return state;
}
