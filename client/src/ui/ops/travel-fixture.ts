import type { AdminWorldsResponse, Character, LogEntry, WorldMap, WorldStateAt } from '@tilemud/contracts';
import type { TravelApi } from './travel-api';

/** A small world whose log is: seeded (a gem at 3,2), Ada enters at 0,1, Bo at 4,1, Ada walks east to 3,1. */
export const MAP: WorldMap = { id: 'lobby', name: 'Lobby', width: 5, height: 4, seq: 6, tiles: ['#####', '.....', '.....', '#####'], portals: [] };

const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const entry = (seq: number, type: string, data: Record<string, unknown>): LogEntry => ({
  seq,
  type,
  characterId: typeof data.characterId === 'string' ? data.characterId : null,
  version: 1,
  data,
  recordedAt: new Date(T0 + seq * 1000).toISOString(),
});

export const LOG: LogEntry[] = [
  entry(1, 'world.seeded', { items: [{ id: 'g1', kind: 'gem', name: 'Gem', x: 3, y: 2 }] }),
  entry(2, 'character.entered', { characterId: 'ada', name: 'Ada', x: 0, y: 1, facing: 'south' }),
  entry(3, 'character.entered', { characterId: 'bo', name: 'Bo', x: 4, y: 1, facing: 'south' }),
  entry(4, 'character.moved', { characterId: 'ada', x: 1, y: 1, facing: 'east' }),
  entry(5, 'character.moved', { characterId: 'ada', x: 2, y: 1, facing: 'east' }),
  entry(6, 'character.moved', { characterId: 'ada', x: 3, y: 1, facing: 'east' }),
];

export const WORLDS: AdminWorldsResponse = {
  worlds: [
    { id: 'lobby', name: 'Lobby', head: 6, projectedSeq: 4, lagEvents: 2, deadLetters: 1 },
    { id: 'meadow', name: 'Meadow', head: 0, projectedSeq: 0, lagEvents: 0, deadLetters: 0 },
  ],
  unattributedDeadLetters: 0,
};

/** The fixture's world at a seq, folded by hand. */
export function stateAt(seq: number): WorldStateAt {
  const chars = new Map<string, Character>();
  for (const e of LOG.slice(0, seq)) {
    const d = e.data as { characterId: string; name: string; x: number; y: number; facing: Character['facing'] };
    if (e.type === 'character.entered') chars.set(d.characterId, { id: d.characterId, name: d.name, worldId: 'lobby', x: d.x, y: d.y, facing: d.facing, inventory: [] });
    if (e.type === 'character.moved') chars.set(d.characterId, { ...chars.get(d.characterId)!, x: d.x, y: d.y, facing: d.facing });
  }
  return { worldId: 'lobby', seq, head: 6, foldedFrom: seq >= 4 ? 4 : 0, characters: [...chars.values()], items: seq >= 1 ? [{ id: 'g1', kind: 'gem', x: 3, y: 2 }] : [] };
}

/** A TravelApi answering from the fixture, counting what it was asked. */
export function fakeTravel(overrides: Partial<TravelApi> = {}) {
  const asked: string[] = [];
  const api: TravelApi = {
    worlds: () => Promise.resolve(WORLDS),
    map: (w) => (asked.push(`map ${w}`), Promise.resolve(MAP)),
    stateAt: (w, seq) => (asked.push(`state ${w} ${seq}`), Promise.resolve(stateAt(seq))),
    events: (w, from, to) => (asked.push(`events ${w} ${from}..${to}`), Promise.resolve({ worldId: w, head: 6, events: LOG.filter((e) => e.seq >= from && e.seq <= to), more: false })),
    ...overrides,
  };
  return { api, asked };
}
