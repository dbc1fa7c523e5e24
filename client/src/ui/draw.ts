import { Tile, type Character, type Item, type WorldMap } from '@tilemud/contracts';
import { emoteVerb, ITEM_COLORS } from '../game/catalog';
import type { Bump, EmoteShown } from '../store/state';
import { drawBump, drawPortalPointer, drawTarget } from './draw-marks';
import { TILE_PX } from './tile';

export interface Scene {
  map: WorldMap;
  characters: readonly Character[];
  items: readonly Item[];
  emotes: Readonly<Record<string, EmoteShown>>;
  selfId: string;
  /** Local clock, for emote bubbles and the bump mark. */
  now: number;
  /** The last refused move, marked for BUMP_SHOW_MS. */
  bump?: Bump | null;
  /** Where a tap-to-move walk is heading. */
  target?: { x: number; y: number } | null;
}

/** How long a refused move's mark stays on the map. */
export const BUMP_SHOW_MS = 1200;

/** How long an emote bubble stays up. */
export const EMOTE_SHOW_MS = 4000;
export const TILE = TILE_PX;

const COLORS = {
  void: '#0b0f14',
  floor: '#283a2d',
  floorAlt: '#2c4031',
  wallTop: '#8a8f9c',
  wall: '#666b77',
  wallShade: '#474a53',
  water: '#1d4b78',
  waterWave: '#3579b0',
  portal: '#b57cff',
  unknown: '#15151b',
  other: '#4aa3df',
  self: '#f2c14e',
};

/** Top-left tile of a camera that keeps `focus` centred but never looks past the map's edge. */
export function cameraOrigin(map: Pick<WorldMap, 'width' | 'height'>, focus: { x: number; y: number } | undefined, cols: number, rows: number): { x: number; y: number } {
  const clamp = (v: number, size: number, view: number) => (size <= view ? -Math.floor((view - size) / 2) : Math.max(0, Math.min(size - view, v)));
  const fx = focus?.x ?? Math.floor(map.width / 2);
  const fy = focus?.y ?? Math.floor(map.height / 2);
  return { x: clamp(fx - Math.floor(cols / 2), map.width, cols), y: clamp(fy - Math.floor(rows / 2), map.height, rows) };
}

/** The camera for a view of `width`×`height` CSS pixels following `focus`. */
export function viewCamera(map: Pick<WorldMap, 'width' | 'height'>, focus: { x: number; y: number } | undefined, width: number, height: number): { x: number; y: number } {
  return cameraOrigin(map, focus, Math.ceil(width / TILE), Math.ceil(height / TILE));
}

/** The map tile under a point of the view (a tap or click). */
export function tileAt(cam: { x: number; y: number }, px: number, py: number): { x: number; y: number } {
  return { x: cam.x + Math.floor(px / TILE), y: cam.y + Math.floor(py / TILE) };
}

/** Draws one frame of the world, in CSS pixels, centred on the player's own character. */
export function drawScene(ctx: CanvasRenderingContext2D, width: number, height: number, s: Scene): void {
  const cols = Math.ceil(width / TILE);
  const rows = Math.ceil(height / TILE);
  const self = s.characters.find((c) => c.id === s.selfId);
  const cam = viewCamera(s.map, self, width, height);
  const px = (x: number) => (x - cam.x) * TILE;
  const py = (y: number) => (y - cam.y) * TILE;

  ctx.fillStyle = COLORS.void;
  ctx.fillRect(0, 0, width, height);
  for (let y = Math.max(0, cam.y); y < Math.min(s.map.height, cam.y + rows + 1); y++) {
    const row = s.map.tiles[y] ?? '';
    for (let x = Math.max(0, cam.x); x < Math.min(s.map.width, cam.x + cols + 1); x++) drawTile(ctx, row[x] ?? '', x, y, px(x), py(y));
  }
  for (const item of s.items) drawItem(ctx, item, px(item.x), py(item.y));
  if (s.target) drawTarget(ctx, px(s.target.x), py(s.target.y));
  // Others first, the player on top.
  const ordered = [...s.characters].sort((a, b) => Number(a.id === s.selfId) - Number(b.id === s.selfId));
  for (const c of ordered) {
    // A player whose connection dropped (the resume window) is drawn faded: away, not gone.
    ctx.globalAlpha = c.away ? 0.45 : 1;
    drawCharacter(ctx, c, c.id === s.selfId, px(c.x), py(c.y));
  }
  ctx.globalAlpha = 1;
  drawNames(ctx, ordered, s.selfId, px, py);
  for (const c of ordered) {
    const e = s.emotes[c.id];
    if (e && s.now - e.at < EMOTE_SHOW_MS) drawBubble(ctx, `*${emoteVerb(e.emote)}*`, px(c.x) + TILE / 2, py(c.y) - 22);
  }
  if (s.bump && s.now - s.bump.at < BUMP_SHOW_MS) drawBump(ctx, s.bump.text, px(s.bump.x), py(s.bump.y));
  for (const p of s.map.portals) {
    const X = px(p.x) + TILE / 2;
    const Y = py(p.y) + TILE / 2;
    if (X < 0 || Y < 0 || X > width || Y > height) drawPortalPointer(ctx, width, height, X, Y);
  }
}

function drawTile(ctx: CanvasRenderingContext2D, t: string, x: number, y: number, X: number, Y: number): void {
  switch (t) {
    case Tile.FLOOR:
    case Tile.PORTAL:
      ctx.fillStyle = (x + y) % 2 ? COLORS.floorAlt : COLORS.floor;
      ctx.fillRect(X, Y, TILE, TILE);
      if (t === Tile.PORTAL) {
        const g = ctx.createRadialGradient(X + TILE / 2, Y + TILE / 2, 2, X + TILE / 2, Y + TILE / 2, TILE / 2);
        g.addColorStop(0, '#f3e6ff');
        g.addColorStop(0.5, COLORS.portal);
        g.addColorStop(1, 'rgba(181,124,255,0)');
        ctx.fillStyle = g;
        ctx.fillRect(X, Y, TILE, TILE);
      }
      return;
    case Tile.WALL:
      ctx.fillStyle = COLORS.wall;
      ctx.fillRect(X, Y, TILE, TILE);
      ctx.fillStyle = COLORS.wallTop;
      ctx.fillRect(X, Y, TILE, 5);
      ctx.fillStyle = COLORS.wallShade;
      ctx.fillRect(X, Y + TILE - 4, TILE, 4);
      ctx.fillRect(X + (y % 2 ? TILE / 2 : 0), Y + 5, 1, TILE - 9);
      return;
    case Tile.WATER:
      ctx.fillStyle = COLORS.water;
      ctx.fillRect(X, Y, TILE, TILE);
      ctx.strokeStyle = COLORS.waterWave;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (const dy of [9, 19]) {
        ctx.moveTo(X + 4, Y + dy);
        ctx.quadraticCurveTo(X + 9, Y + dy - 3, X + 14, Y + dy);
        ctx.quadraticCurveTo(X + 19, Y + dy + 3, X + 24, Y + dy);
      }
      ctx.stroke();
      return;
    default:
      // A tile kind this client does not know: impassable, and drawn as such.
      ctx.fillStyle = COLORS.unknown;
      ctx.fillRect(X, Y, TILE, TILE);
      ctx.strokeStyle = '#3a2a2a';
      ctx.beginPath();
      ctx.moveTo(X + 6, Y + 6);
      ctx.lineTo(X + TILE - 6, Y + TILE - 6);
      ctx.moveTo(X + TILE - 6, Y + 6);
      ctx.lineTo(X + 6, Y + TILE - 6);
      ctx.stroke();
  }
}

function drawItem(ctx: CanvasRenderingContext2D, item: Item, X: number, Y: number): void {
  const cx = X + TILE / 2;
  const cy = Y + TILE / 2;
  ctx.fillStyle = ITEM_COLORS[item.kind] ?? '#ffffff';
  ctx.strokeStyle = 'rgba(0,0,0,0.6)';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(cx, cy - 7);
  ctx.lineTo(cx + 7, cy);
  ctx.lineTo(cx, cy + 7);
  ctx.lineTo(cx - 7, cy);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}

const FACING: Record<Character['facing'], [number, number]> = { north: [0, -1], south: [0, 1], east: [1, 0], west: [-1, 0] };

function drawCharacter(ctx: CanvasRenderingContext2D, c: Character, self: boolean, X: number, Y: number): void {
  const cx = X + TILE / 2;
  const cy = Y + TILE / 2;
  const r = TILE / 2 - 4;
  if (self) {
    ctx.fillStyle = 'rgba(242,193,78,0.25)';
    ctx.fillRect(X + 1, Y + 1, TILE - 2, TILE - 2);
  }
  ctx.fillStyle = self ? COLORS.self : COLORS.other;
  ctx.strokeStyle = self ? '#ffffff' : '#0d2233';
  ctx.lineWidth = self ? 2.5 : 1.5;
  ctx.beginPath();
  ctx.arc(cx, cy, r, 0, Math.PI * 2);
  ctx.fill();
  ctx.stroke();
  const [fx, fy] = FACING[c.facing];
  ctx.fillStyle = '#10141a';
  ctx.beginPath();
  ctx.arc(cx + fx * (r - 3), cy + fy * (r - 3), 2.5, 0, Math.PI * 2);
  ctx.fill();
}

type Rect = { x: number; y: number; w: number; h: number };
const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Names above the characters; one that would cover a name already placed goes below instead. */
function drawNames(ctx: CanvasRenderingContext2D, characters: readonly Character[], selfId: string, px: (x: number) => number, py: (y: number) => number): void {
  const placed: Rect[] = [];
  // The player's own name first, so it always gets the place above.
  const order = [...characters].sort((a, b) => Number(b.id === selfId) - Number(a.id === selfId));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.lineWidth = 3;
  for (const c of order) {
    const self = c.id === selfId;
    ctx.font = `${self ? 'bold ' : ''}11px system-ui, sans-serif`;
    const w = ctx.measureText(c.name).width + 4;
    const cx = px(c.x) + TILE / 2;
    const above = { x: cx - w / 2, y: py(c.y) - 13, w, h: 13 };
    const below = { x: cx - w / 2, y: py(c.y) + TILE, w, h: 13 };
    const rect = placed.some((r) => overlaps(r, above)) ? below : above;
    placed.push(rect);
    ctx.strokeStyle = 'rgba(0,0,0,0.85)';
    ctx.strokeText(c.name, cx, rect.y + 12);
    ctx.fillStyle = self ? COLORS.self : '#e8eef4';
    ctx.fillText(c.name, cx, rect.y + 12);
  }
}

function drawBubble(ctx: CanvasRenderingContext2D, text: string, cx: number, bottom: number): void {
  ctx.font = 'italic 11px system-ui, sans-serif';
  const w = ctx.measureText(text).width + 10;
  ctx.fillStyle = 'rgba(255,255,255,0.92)';
  ctx.fillRect(cx - w / 2, bottom - 16, w, 16);
  ctx.fillStyle = '#1b1f27';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, cx, bottom - 8);
}
