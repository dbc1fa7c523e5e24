import { useEffect, useRef, useState } from 'react';
import { visibleCharacters } from '../store/selectors';
import type { GameState } from '../store/state';
import { drawScene, EMOTE_SHOW_MS } from './draw';

export const FIRST_PLAYABLE_MARK = 'tilemud:first-playable';

/**
 * The world on a canvas, redrawn on the next animation frame after the state changes (and while
 * an emote bubble is up). The canvas's fallback content lists what is drawn, for screen readers.
 */
export function MapCanvas({ game, live }: { game: GameState; live: boolean }) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ w: 800, h: 560 });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setSize({ w: Math.max(200, Math.floor(entry.contentRect.width)), h: Math.max(200, Math.floor(entry.contentRect.height)) });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const characters = visibleCharacters(game);
  const items = Object.values(game.items);

  useEffect(() => {
    const el = canvas.current;
    const map = game.map;
    if (!el || !map) return;
    const frame = requestAnimationFrame(() => {
      const dpr = window.devicePixelRatio || 1;
      const w = Math.round(size.w * dpr);
      const h = Math.round(size.h * dpr);
      if (el.width !== w || el.height !== h) ((el.width = w), (el.height = h)); // resizing clears the canvas: only when needed
      const ctx = el.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const now = Date.now();
      drawScene(ctx, size.w, size.h, { map, characters, items, emotes: game.emotes, selfId: game.selfId, now });
      if (live && performance.getEntriesByName(FIRST_PLAYABLE_MARK).length === 0) performance.mark(FIRST_PLAYABLE_MARK);
    });
    return () => cancelAnimationFrame(frame);
  });

  // Redraw once an emote bubble has had its time.
  useEffect(() => {
    const shown = Object.values(game.emotes).filter((e) => Date.now() - e.at < EMOTE_SHOW_MS);
    if (!shown.length) return;
    const t = setTimeout(() => setTick((n) => n + 1), EMOTE_SHOW_MS);
    return () => clearTimeout(t);
  }, [game.emotes, tick]);

  return (
    <div className="map" ref={wrap}>
      <canvas ref={canvas} style={{ width: size.w, height: size.h }} data-testid="map" aria-label={game.map ? `Map of ${game.map.name}` : 'Map'}>
        <ul>
          {characters.map((c) => (
            <li key={c.id}>{`${c.name} at ${c.x}, ${c.y}`}</li>
          ))}
          {items.map((i) => (
            <li key={i.id}>{`${i.kind} at ${i.x}, ${i.y}`}</li>
          ))}
        </ul>
      </canvas>
    </div>
  );
}
