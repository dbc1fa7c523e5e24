import { Tile } from '@tilemud/contracts';
import { useEffect, useRef } from 'react';
import { visibleCharacters } from '../store/selectors';
import type { GameState } from '../store/state';

const COLORS: Record<string, string> = { [Tile.FLOOR]: '#2f4a35', [Tile.WALL]: '#777c88', [Tile.WATER]: '#1d4b78', [Tile.PORTAL]: '#2f4a35' };

/**
 * The whole world at a glance: walls, water, items, portals (large, so the way out is found from
 * spawn) and every player (the player in yellow). Click or tap it to walk there.
 */
export function Minimap({ game, scale, onTapTile }: { game: GameState; scale: number; onTapTile: (t: { x: number; y: number }) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const map = game.map;
  const characters = visibleCharacters(game);

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx || !map) return;
    const dpr = window.devicePixelRatio || 1;
    el.width = map.width * scale * dpr;
    el.height = map.height * scale * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    for (let y = 0; y < map.height; y++) {
      const row = map.tiles[y] ?? '';
      for (let x = 0; x < map.width; x++) {
        ctx.fillStyle = COLORS[row[x] ?? ''] ?? '#15151b';
        ctx.fillRect(x * scale, y * scale, scale, scale);
      }
    }
    const dot = (x: number, y: number, color: string, r: number) => {
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.arc(x * scale + scale / 2, y * scale + scale / 2, r, 0, Math.PI * 2);
      ctx.fill();
    };
    for (const i of Object.values(game.items)) dot(i.x, i.y, '#f5c542', Math.max(1, scale * 0.4));
    for (const p of map.portals) {
      dot(p.x, p.y, 'rgba(181,124,255,0.45)', scale * 2.2);
      dot(p.x, p.y, '#e3c8ff', scale * 0.9);
    }
    for (const c of characters) if (c.id !== game.selfId) dot(c.x, c.y, '#4aa3df', scale * 0.8);
    const self = characters.find((c) => c.id === game.selfId);
    if (self) {
      dot(self.x, self.y, '#f2c14e', scale * 1.2);
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  });

  if (!map) return null;
  const portals = map.portals.map((p) => `portal at ${p.x}, ${p.y}`).join('; ');
  return (
    <canvas
      ref={canvas}
      className="minimap"
      data-testid="minimap"
      role="img"
      aria-label={`Minimap of ${map.name}${portals ? `: ${portals}` : ''}`}
      style={{ width: map.width * scale, height: map.height * scale }}
      onClick={(e) => {
        const rect = e.currentTarget.getBoundingClientRect();
        onTapTile({ x: Math.floor((e.clientX - rect.left) / scale), y: Math.floor((e.clientY - rect.top) / scale) });
      }}
    />
  );
}
