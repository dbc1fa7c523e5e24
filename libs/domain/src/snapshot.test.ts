import type { WorldEvent } from './events';
import { foldFrom, foldLog, LogEntry } from './fold';
import { restoreSnapshot, takeSnapshot, WORLD_SNAPSHOT_VERSION } from './snapshot';
import { occupant } from './state';
import { parseWorldDefinition } from './world-map';

const map = parseWorldDefinition({ id: 't', name: 'T', tiles: ['.....', '.....'], spawns: [{ x: 0, y: 0 }] });
const entered = (id: string, x: number): WorldEvent => ({
  type: 'character.entered',
  data: { characterId: id, name: id, x, y: 0, facing: 'south', sessionId: 's', inventory: [] },
});
const item = { id: 'i1', kind: 'gem', name: 'Gem', x: 3, y: 1 };
const events: WorldEvent[] = [
  { type: 'world.seeded', data: { items: [item] } },
  entered('a', 0),
  entered('b', 2),
  { type: 'character.moved', data: { characterId: 'a', x: 1, y: 0, facing: 'east' } },
  { type: 'character.away', data: { characterId: 'b' } },
  { type: 'item.picked_up', data: { characterId: 'a', item, inventory: [{ id: 'i1', kind: 'gem' }] } },
  { type: 'character.left', data: { characterId: 'b' } },
  { type: 'character.moved', data: { characterId: 'a', x: 2, y: 0, facing: 'east' } },
  { type: 'chat.posted', data: { messageId: 'm', characterId: 'a', name: 'a', channel: 'world', text: 'hi', at: '2026-01-01T00:00:00.000Z' } },
];
const log: LogEntry[] = events.map((e, i) => ({ seq: i + 1, type: e.type, payload: e.data, version: e.type === 'character.moved' || e.type === 'chat.posted' ? 2 : 1 }));
/** A value as stored in the database: written as JSON and read back. */
const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** A state as plain data, to compare two states whatever their maps' identities. */
const plain = (s: ReturnType<typeof foldLog>) => ({ seq: s.seq, characters: [...s.state.characters], occupied: [...s.state.occupied].sort(), items: [...s.state.items] });

describe('world snapshots', () => {
  it('given a snapshot at any seq, folding the tail onto it gives the state of folding the whole log', () => {
    const whole = plain(foldLog(map, log));
    for (let k = 0; k <= log.length; k++) {
      // given: the state at k, stored as JSON and read back
      const snap = roundTrip(takeSnapshot('t', foldLog(map, log.slice(0, k))));
      const from = restoreSnapshot(map, snap);
      // when: the events after k are folded onto it; then: the same state
      expect(plain(foldFrom(map, from, log.slice(k)))).toEqual(whole);
    }
  });

  it('rebuilds occupancy: the online character is found at its tile, the one that left is not', () => {
    const at = restoreSnapshot(map, roundTrip(takeSnapshot('t', foldLog(map, log))))!;
    expect(occupant(at.state, 2, 0)?.id).toBe('a');
    expect(at.state.characters.get('b')).toMatchObject({ online: false });
  });

  it('ignores a snapshot of another shape version or another world (the log is folded instead)', () => {
    const snap = takeSnapshot('t', foldLog(map, log.slice(0, 3)));
    expect(restoreSnapshot(map, { ...snap, version: WORLD_SNAPSHOT_VERSION + 1 })).toBeUndefined();
    expect(restoreSnapshot(map, { ...snap, worldId: 'other' })).toBeUndefined();
  });

  it('refuses a tail that does not start right after the snapshot', () => {
    const from = foldLog(map, log.slice(0, 3));
    expect(() => foldFrom(map, from, log.slice(4))).toThrow(/gap after seq 3/);
  });

  it('reads old versions while folding: a version 1 move faces south', () => {
    const old: LogEntry[] = [
      { seq: 1, type: 'character.entered', payload: (entered('a', 0) as { data: unknown }).data },
      { seq: 2, type: 'character.moved', payload: { characterId: 'a', x: 1, y: 0 }, version: 1 },
    ];
    expect(foldLog(map, old).state.characters.get('a')).toMatchObject({ x: 1, facing: 'south' });
  });
});
