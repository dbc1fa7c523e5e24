import { parseWorldDefinition, WorldMap } from '../world-map';
import lobby from './lobby.json';

/** The worlds this build ships with, validated once at load. */
export const WORLDS: ReadonlyMap<string, WorldMap> = new Map(
  [lobby].map((raw) => {
    const map = parseWorldDefinition(raw);
    return [map.id, map] as const;
  }),
);

export const DEFAULT_WORLD_ID = 'lobby';

export function getWorld(id: string): WorldMap | undefined {
  return WORLDS.get(id);
}
