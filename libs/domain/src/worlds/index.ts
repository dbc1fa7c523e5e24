import { isItemKind } from '../items';
import { parseWorldDefinition, tileAt, WorldDefinitionError, WorldMap } from '../world-map';
import canyon from './canyon.json';
import dunes from './dunes.json';
import grove from './grove.json';
import harbor from './harbor.json';
import lobby from './lobby.json';
import marsh from './marsh.json';
import meadow from './meadow.json';
import orchard from './orchard.json';
import quarry from './quarry.json';
import tundra from './tundra.json';

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

/**
 * The worlds this build ships with, validated once at load. Lobby and meadow are the game's; the
 * eight plain 64x40 fields after them (no portals lead there) let a benchmark spread players over
 * ten worlds of one sequencer (scripts/bench/).
 */
export const WORLDS: ReadonlyMap<string, WorldMap> = linkWorlds([lobby, meadow, grove, dunes, marsh, harbor, quarry, orchard, tundra, canyon].map(parseWorldDefinition));

export const DEFAULT_WORLD_ID = 'lobby';

export function getWorld(id: string): WorldMap | undefined {
  return WORLDS.get(id);
}
