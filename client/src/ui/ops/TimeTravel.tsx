import { useEffect, useState } from 'react';
import { TravelEvents } from './TravelEvents';
import { namesOf } from './travel-format';
import type { TravelApi } from './travel-api';
import { TravelMap } from './TravelMap';
import { useAtSeq, useWorldMap, useWorlds } from './useTravel';
import { WorldsTable } from './WorldsTable';

interface Props {
  api: TravelApi;
  /** How often the worlds' heads are asked again. */
  intervalMs?: number;
  /** How long the slider must rest before the state at its seq is asked. */
  debounceMs?: number;
}

/**
 * The worlds' logs, and time travel through one of them: pick a world, move the slider over its
 * seqs (1..head; arrows, Page Up/Down, Home/End work as on any slider) and see the world as it
 * stood at that seq, with the events around it.
 */
export function TimeTravel({ api, intervalMs = 2000, debounceMs = 150 }: Props) {
  const { worlds, error: worldsError } = useWorlds(api, intervalMs);
  const [worldId, setWorldId] = useState<string>();
  const [seq, setSeq] = useState<number>();
  const world = worlds?.worlds.find((w) => w.id === worldId);
  const head = world?.head ?? 0;

  // The first world with events, at its head, until the operator picks.
  useEffect(() => {
    if (worldId || !worlds) return;
    const first = worlds.worlds.find((w) => w.head > 0) ?? worlds.worlds[0];
    if (!first) return;
    setWorldId(first.id);
    setSeq(first.head || undefined);
  }, [worlds, worldId]);

  const pick = (id: string) => {
    setWorldId(id);
    setSeq(worlds?.worlds.find((w) => w.id === id)?.head || undefined);
  };

  const map = useWorldMap(api, worldId);
  const at = useAtSeq(api, worldId, seq, debounceMs);
  const shown = at.kind === 'ok' ? at : at.kind === 'loading' ? at.last : undefined;

  return (
    <section aria-labelledby="ops-worlds" className="time-travel" data-testid="time-travel">
      <h2 id="ops-worlds">Worlds and time travel</h2>
      {worldsError ? (
        <p className="ops-alert" role="alert">
          The worlds cannot be loaded: {worldsError}.
        </p>
      ) : null}
      {worlds ? <WorldsTable worlds={worlds} /> : <p className="hint">Loading the worlds…</p>}
      {worlds ? (
        <div className="travel-controls">
          <span>
            <label htmlFor="travel-world">World</label>{' '}
            <select id="travel-world" data-testid="travel-world" value={worldId ?? ''} onChange={(e) => pick(e.target.value)}>
              {worlds.worlds.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name} ({w.id})
                </option>
              ))}
            </select>
          </span>
          {head > 0 && seq ? (
            <span className="travel-slider">
              <label htmlFor="travel-seq">Seq</label>
              <input
                id="travel-seq"
                type="range"
                data-testid="travel-seq"
                min={1}
                max={head}
                step={1}
                value={Math.min(seq, head)}
                aria-valuetext={`seq ${seq} of ${head}`}
                onChange={(e) => setSeq(Number(e.target.value))}
              />
              <output htmlFor="travel-seq" data-testid="travel-seq-value">
                {seq} / {head}
              </output>
            </span>
          ) : (
            <p className="hint">No events are logged in this world yet.</p>
          )}
        </div>
      ) : null}
      {at.kind === 'error' ? (
        <p className="ops-alert" role="alert">
          The world at seq {at.seq} cannot be loaded: {at.error}.
        </p>
      ) : null}
      {shown && map ? (
        <div className="travel-view" data-testid="travel-view" data-state={at.kind} data-seq={shown.state.seq}>
          <TravelMap map={map} state={shown.state} />
          <div>
            <h3>Events around seq {shown.state.seq}</h3>
            <p className="hint">
              Folded from {shown.state.foldedFrom ? `the stored snapshot at seq ${shown.state.foldedFrom}` : 'the start of the log'}
              {at.kind === 'loading' ? ` · loading seq ${at.seq}…` : ''}
            </p>
            <TravelEvents page={shown.events} seq={shown.state.seq} names={namesOf(shown.state)} onPick={setSeq} />
          </div>
        </div>
      ) : null}
    </section>
  );
}
