import type { Direction } from '@tilemud/contracts';
import { useEffect, useRef, useState } from 'react';
import { selfCharacter, visibleCharacters } from '../store/selectors';
import type { GameState } from '../store/state';
import { BUMP_SHOW_MS, drawScene, EMOTE_SHOW_MS, TILE, tileAt, viewCamera } from './draw';

const FIRST_PLAYABLE_MARK = 'tilemud:first-playable';

/** A drag at least this long (CSS px) is a swipe; shorter, a tap. */
const SWIPE_MIN_PX = 30;
const TAP_MAX_PX = 12;

interface Props {
  game: GameState;
  live: boolean;
  /** Where a tap-to-move walk is heading. */
  target: { x: number; y: number } | null;
  /** A tap or click on a tile: walk there. */
  onTapTile: (tile: { x: number; y: number }) => void;
  /** A swipe: one step that way. */
  onSwipe: (d: Direction) => void;
}

function swipeDirection(dx: number, dy: number): Direction | null {
  if (Math.max(Math.abs(dx), Math.abs(dy)) < SWIPE_MIN_PX) return null;
  return Math.abs(dx) > Math.abs(dy) ? (dx > 0 ? 'east' : 'west') : dy > 0 ? 'south' : 'north';
}

/**
 * The world on a canvas, following the player, redrawn on the next animation frame after the
 * state changes (and while an emote bubble or a bump mark is up). Tap or click a tile to walk
 * there; swipe to step. The fallback content lists what is drawn, for screen readers.
 */
export function MapCanvas({ game, live, target, onTapTile, onSwipe }: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const down = useRef<{ x: number; y: number; id: number } | null>(null);
  const [size, setSize] = useState({ w: 800, h: 560 });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setSize({ w: Math.max(120, Math.floor(entry.contentRect.width)), h: Math.max(120, Math.floor(entry.contentRect.height)) });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const characters = visibleCharacters(game);
  const items = Object.values(game.items);
  const cam = game.map ? viewCamera(game.map, selfCharacter(game), size.w, size.h) : { x: 0, y: 0 };

  useEffect(() => {
    const el = canvas.current;
    const map = game.map;
    if (!el || !map) return;
    const frame = requestAnimationFrame(() => {
      const dpr = window.devicePixelRatio || 1;
      const w = Math.round(size.w * dpr);
      const h = Math.round(size.h * dpr);
      if (el.width !== w || el.height !== h) {
        // resizing clears the canvas: only when needed
        el.width = w;
        el.height = h;
      }
      const ctx = el.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const now = Date.now();
      drawScene(ctx, size.w, size.h, { map, characters, items, emotes: game.emotes, selfId: game.selfId, now, bump: game.bump, target });
      if (live && performance.getEntriesByName(FIRST_PLAYABLE_MARK).length === 0) performance.mark(FIRST_PLAYABLE_MARK);
    });
    return () => cancelAnimationFrame(frame);
  });

  // Redraw once an emote bubble or a bump mark has had its time.
  useEffect(() => {
    const now = Date.now();
    const ends = Object.values(game.emotes).map((e) => e.at + EMOTE_SHOW_MS);
    if (game.bump) ends.push(game.bump.at + BUMP_SHOW_MS);
    const next = Math.min(...ends.filter((t) => t > now));
    if (!Number.isFinite(next)) return;
    const t = setTimeout(() => setTick((n) => n + 1), next - now + 10);
    return () => clearTimeout(t);
  }, [game.emotes, game.bump, tick]);

  const onPointerDown = (e: React.PointerEvent) => {
    down.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
  };
  const onPointerUp = (e: React.PointerEvent) => {
    const start = down.current;
    down.current = null;
    if (!start || start.id !== e.pointerId || !game.map) return;
    const dx = e.clientX - start.x;
    const dy = e.clientY - start.y;
    const swipe = swipeDirection(dx, dy);
    if (swipe) return onSwipe(swipe);
    if (Math.hypot(dx, dy) > TAP_MAX_PX) return;
    const rect = e.currentTarget.getBoundingClientRect();
    onTapTile(tileAt(cam, e.clientX - rect.left, e.clientY - rect.top));
  };

  return (
    <div className="map" ref={wrap}>
      <canvas
        ref={canvas}
        style={{ width: size.w, height: size.h }}
        data-testid="map"
        data-cam-x={cam.x}
        data-cam-y={cam.y}
        data-tile={TILE}
        aria-label={game.map ? `Map of ${game.map.name}` : 'Map'}
        onPointerDown={onPointerDown}
        onPointerUp={onPointerUp}
        onPointerCancel={() => (down.current = null)}
      >
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
