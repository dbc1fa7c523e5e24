import { isItemKind } from '../items';
import { parseWorldDefinition, tileAt, WorldDefinitionError, WorldMap } from '../world-map';
import lobby from './lobby.json';
import meadow from './meadow.json';

/** Checks what one file cannot: portals lead to worlds that exist, onto floor. */
export function linkWorlds(maps: WorldMap[]): ReadonlyMap<string, WorldMap> {
  const byId = new Map(maps.map((m) => [m.id, m] as const));
  for (const m of maps) {
    for (const i of m.items) if (!isItemKind(i.kind)) throw new WorldDefinitionError(`world ${m.id}: item ${i.id} has unknown kind ${i.kind}`);
    for (const p of m.portals) {
      const to = byId.get(p.toWorldId);
      if (!to) throw new WorldDefinitionError(`world ${m.id}: portal ${p.x},${p.y} leads to unknown world ${p.toWorldId}`);
      if (tileAt(to, p.toX, p.toY) !== '.') throw new WorldDefinitionError(`world ${m.id}: portal ${p.x},${p.y} arrives on a tile that is not floor`);
    }
  }
  return byId;
}

/** The worlds this build ships with, validated once at load. */
export const WORLDS: ReadonlyMap<string, WorldMap> = linkWorlds([lobby, meadow].map(parseWorldDefinition));

export const DEFAULT_WORLD_ID = 'lobby';

export function getWorld(id: string): WorldMap | undefined {
  return WORLDS.get(id);
}
