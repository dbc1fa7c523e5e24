import type { WorldMap, WorldStateAt } from '@tilemud/contracts';
import { useEffect, useRef } from 'react';
import { drawScene, TILE } from '../draw';

/**
 * The world as it stood at a seq: the game's own drawing of the whole map (no player is "self"),
 * scaled to fit, and beside it the same in words (who stood where, what lay where), which is also
 * what screen readers and tests read.
 */
export function TravelMap({ map, state }: { map: WorldMap; state: WorldStateAt }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = map.width * TILE;
  const height = map.height * TILE;

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    if (el.width !== width * dpr || el.height !== height * dpr) {
      el.width = width * dpr;
      el.height = height * dpr;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawScene(ctx, width, height, { map, characters: state.characters, items: state.items, emotes: {}, selfId: '', now: 0 });
  }, [map, state, width, height]);

  return (
    <div className="travel-map">
      <canvas
        ref={canvas}
        className="travel-canvas"
        style={{ aspectRatio: `${width} / ${height}` }}
        data-testid="travel-canvas"
        data-seq={state.seq}
        data-css-width={width}
        role="img"
        aria-label={`Map of ${map.name} at seq ${state.seq}: ${state.characters.length} characters, ${state.items.length} items`}
      />
      <h3>Characters at seq {state.seq}</h3>
      {state.characters.length === 0 ? (
        <p className="hint">Nobody is in the world at this seq.</p>
      ) : (
        <ul data-testid="travel-characters" className="travel-list">
          {state.characters.map((c) => (
            <li key={c.id} data-character-id={c.id} data-x={c.x} data-y={c.y}>
              <strong>{c.name}</strong> at {c.x}, {c.y} facing {c.facing}
              {c.away ? ' (away)' : ''}
              {c.inventory.length ? ` · carries ${c.inventory.map((i) => i.kind).join(', ')}` : ''}
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>
          Items lying at seq {state.seq} ({state.items.length})
        </summary>
        <ul data-testid="travel-items" className="travel-list">
          {state.items.map((i) => (
            <li key={i.id} data-item-id={i.id} data-x={i.x} data-y={i.y}>
              {i.kind} at {i.x}, {i.y}
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
