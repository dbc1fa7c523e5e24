import type { AdminWorldsResponse, WorldEventsPage, WorldMap, WorldStateAt } from '@tilemud/contracts';
import { useEffect, useState } from 'react';
import { EVENTS_AROUND } from './travel-format';
import type { TravelApi } from './travel-api';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The worlds' heads, lag and dead letters, asked again every `intervalMs` after each answer. */
export function useWorlds(api: TravelApi, intervalMs: number): { worlds?: AdminWorldsResponse; error?: string } {
  const [s, setS] = useState<{ worlds?: AdminWorldsResponse; error?: string }>({});
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const worlds = await api.worlds();
        if (!stopped) setS({ worlds });
      } catch (err) {
        if (!stopped) setS((prev) => ({ ...prev, error: message(err) }));
      }
      if (!stopped) timer = setTimeout(() => void poll(), intervalMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, intervalMs]);
  return s;
}

/** A world's map, asked once per world. */
export function useWorldMap(api: TravelApi, worldId: string | undefined): WorldMap | undefined {
  const [map, setMap] = useState<WorldMap>();
  useEffect(() => {
    if (!worldId) return;
    let stopped = false;
    api.map(worldId).then(
      (m) => !stopped && setMap(m),
      () => undefined, // the state's own error says what went wrong
    );
    return () => {
      stopped = true;
    };
  }, [api, worldId]);
  return map?.id === worldId ? map : undefined;
}

export type AtSeq =
  | { kind: 'idle' }
  | { kind: 'loading'; seq: number; last?: { state: WorldStateAt; events: WorldEventsPage } }
  | { kind: 'ok'; state: WorldStateAt; events: WorldEventsPage }
  | { kind: 'error'; seq: number; error: string };

/**
 * The world at `seq` and the events around it, asked once the seq has stayed put for `debounceMs`
 * (dragging the slider asks for the seq it stops on, not for every one it passes); an answer for a
 * seq since left is dropped.
 */
export function useAtSeq(api: TravelApi, worldId: string | undefined, seq: number | undefined, debounceMs: number): AtSeq {
  const [at, setAt] = useState<AtSeq>({ kind: 'idle' });
  useEffect(() => {
    if (!worldId || !seq) return setAt({ kind: 'idle' });
    let stale = false;
    setAt((prev) => ({ kind: 'loading', seq, last: prev.kind === 'ok' && prev.state.worldId === worldId ? prev : prev.kind === 'loading' ? prev.last : undefined }));
    const timer = setTimeout(() => {
      Promise.all([api.stateAt(worldId, seq), api.events(worldId, Math.max(1, seq - EVENTS_AROUND), seq + EVENTS_AROUND)]).then(
        ([state, events]) => !stale && setAt({ kind: 'ok', state, events }),
        (err) => !stale && setAt({ kind: 'error', seq, error: message(err) }),
      );
    }, debounceMs);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [api, worldId, seq, debounceMs]);
  return at;
}
