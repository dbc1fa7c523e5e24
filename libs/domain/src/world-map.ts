/** A world's static map: terrain, spawn points, portals and the items it starts with. */
export type Tile = '.' | '#' | '~' | '>';

export interface Point {
  x: number;
  y: number;
}

export interface PortalDef extends Point {
  toWorldId: string;
  toX: number;
  toY: number;
}

export interface ItemDef extends Point {
  id: string;
  kind: string;
}

export interface WorldMap {
  id: string;
  name: string;
  width: number;
  height: number;
  tiles: readonly string[];
  spawns: readonly Point[];
  portals: readonly PortalDef[];
  items: readonly ItemDef[];
}

export class WorldDefinitionError extends Error {
  readonly code = 'WORLD_DEFINITION_INVALID';
}

const KNOWN_TILES = new Set(['.', '#', '~', '>']);

/** Validates a world data file; a bad file fails loudly at start, never mid-game. */
export function parseWorldDefinition(raw: unknown): WorldMap {
  const def = raw as Partial<WorldMap> | null;
  const fail = (why: string): never => {
    throw new WorldDefinitionError(`world ${String(def?.id ?? '?')}: ${why}`);
  };
  if (!def || typeof def !== 'object') fail('not an object');
  const d = def as Partial<WorldMap>;
  if (typeof d.id !== 'string' || !/^[a-z0-9_-]{1,32}$/.test(d.id)) fail('id must match [a-z0-9_-]{1,32}');
  if (typeof d.name !== 'string' || d.name.length === 0) fail('name is required');
  if (!Array.isArray(d.tiles) || d.tiles.length === 0) fail('tiles must be a non-empty array of rows');
  const tiles = d.tiles as string[];
  const width = tiles[0]!.length;
  tiles.forEach((row, y) => {
    if (typeof row !== 'string' || row.length !== width) fail(`row ${y} must have ${width} tiles`);
    for (const ch of row) if (!KNOWN_TILES.has(ch)) fail(`row ${y} has unknown tile '${ch}'`);
  });
  const map: WorldMap = {
    id: d.id!,
    name: d.name!,
    width,
    height: tiles.length,
    tiles,
    spawns: d.spawns ?? [],
    portals: d.portals ?? [],
    items: d.items ?? [],
  };
  if (map.spawns.length === 0) fail('at least one spawn point is required');
  for (const s of map.spawns) if (tileAt(map, s.x, s.y) !== '.') fail(`spawn ${s.x},${s.y} is not floor`);
  for (const p of map.portals) if (tileAt(map, p.x, p.y) !== '>') fail(`portal ${p.x},${p.y} is not a '>' tile`);
  const itemIds = new Set<string>();
  for (const i of map.items) {
    if (itemIds.has(i.id)) fail(`item id ${i.id} is used twice`);
    itemIds.add(i.id);
    if (!isWalkable(tileAt(map, i.x, i.y))) fail(`item ${i.id} is not on a walkable tile`);
  }
  return map;
}

export function inBounds(map: WorldMap, x: number, y: number): boolean {
  return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < map.width && y < map.height;
}

export function tileAt(map: WorldMap, x: number, y: number): Tile | undefined {
  if (!inBounds(map, x, y)) return undefined;
  return map.tiles[y]![x] as Tile;
}

/** Floor and portals can be stood on; anything else (walls, water, unknown kinds) cannot. */
export function isWalkable(tile: Tile | undefined): boolean {
  return tile === '.' || tile === '>';
}

export type Direction = 'north' | 'south' | 'east' | 'west';

export const STEP: Readonly<Record<Direction, Point>> = {
  north: { x: 0, y: -1 },
  south: { x: 0, y: 1 },
  east: { x: 1, y: 0 },
  west: { x: -1, y: 0 },
};

export function step(from: Point, direction: Direction): Point {
  const d = STEP[direction];
  return { x: from.x + d.x, y: from.y + d.y };
}

/** Chebyshev distance <= 1: the same tile or one of its eight neighbours. */
export function isAdjacent(a: Point, b: Point): boolean {
  return Math.abs(a.x - b.x) <= 1 && Math.abs(a.y - b.y) <= 1;
}
