// Marks over the map: where a walk is heading, a refused move, and portals out of view.
import { TILE_PX as TILE } from './tile';

const PORTAL = '#b57cff';

export function drawTarget(ctx: CanvasRenderingContext2D, X: number, Y: number): void {
  ctx.strokeStyle = 'rgba(242,193,78,0.9)';
  ctx.lineWidth = 2;
  ctx.setLineDash([4, 3]);
  ctx.strokeRect(X + 3, Y + 3, TILE - 6, TILE - 6);
  ctx.setLineDash([]);
}

export /** A refused move: a red cross on the tile it tried, and the reason above it. */
function drawBump(ctx: CanvasRenderingContext2D, text: string, X: number, Y: number): void {
  ctx.fillStyle = 'rgba(229,83,75,0.35)';
  ctx.fillRect(X, Y, TILE, TILE);
  ctx.strokeStyle = '#e5534b';
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(X + 7, Y + 7);
  ctx.lineTo(X + TILE - 7, Y + TILE - 7);
  ctx.moveTo(X + TILE - 7, Y + 7);
  ctx.lineTo(X + 7, Y + TILE - 7);
  ctx.stroke();
  ctx.font = 'bold 11px system-ui, sans-serif';
  const w = ctx.measureText(text).width + 10;
  ctx.fillStyle = 'rgba(77,28,26,0.95)';
  ctx.fillRect(X + TILE / 2 - w / 2, Y - 18, w, 16);
  ctx.fillStyle = '#ffc4bf';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, X + TILE / 2, Y - 10);
}

export /** A portal out of view: an arrow at the edge of the view pointing its way, so it is found from spawn. */
function drawPortalPointer(ctx: CanvasRenderingContext2D, width: number, height: number, X: number, Y: number): void {
  const cx = width / 2;
  const cy = height / 2;
  const angle = Math.atan2(Y - cy, X - cx);
  const m = 22;
  const t = Math.min(Math.abs((cx - m) / Math.cos(angle) || Infinity), Math.abs((cy - m) / Math.sin(angle) || Infinity));
  const ax = cx + Math.cos(angle) * t;
  const ay = cy + Math.sin(angle) * t;
  ctx.save();
  ctx.translate(ax, ay);
  ctx.rotate(angle);
  ctx.fillStyle = PORTAL;
  ctx.strokeStyle = '#f3e6ff';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(12, 0);
  ctx.lineTo(-6, -8);
  ctx.lineTo(-6, 8);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  ctx.restore();
  ctx.font = 'bold 10px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = '#e3c8ff';
  ctx.fillText('portal', Math.max(24, Math.min(width - 24, ax - Math.cos(angle) * 34)), Math.max(10, Math.min(height - 10, ay - Math.sin(angle) * 18)));
}
