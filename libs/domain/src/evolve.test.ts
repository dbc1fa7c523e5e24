import type { WorldEvent } from './events';
import { evolve, evolveAll, WorldDraft } from './evolve';
import { foldLog } from './fold';
import { initialWorldState, occupant } from './state';
import { parseWorldDefinition } from './world-map';

const map = parseWorldDefinition({ id: 't', name: 'T', tiles: ['....'], spawns: [{ x: 0, y: 0 }] });
const entered = (id: string, x: number): WorldEvent => ({
  type: 'character.entered',
  data: { characterId: id, name: id, x, y: 0, facing: 'south', sessionId: 's', inventory: [] },
});

describe('evolve', () => {
  it('never changes the state it is given', () => {
    const s0 = evolve(initialWorldState(map), entered('a', 0));
    const s1 = evolve(s0, { type: 'character.moved', data: { characterId: 'a', x: 1, y: 0, facing: 'east' } });
    expect(s0.characters.get('a')).toMatchObject({ x: 0 });
    expect(occupant(s0, 0, 0)?.id).toBe('a');
    expect(s1.characters.get('a')).toMatchObject({ x: 1, facing: 'east' });
    expect(occupant(s1, 0, 0)).toBeUndefined();
    expect(occupant(s1, 1, 0)?.id).toBe('a');
  });

  it('keeps occupancy in step with positions through moves and leaves', () => {
    const s = evolveAll(initialWorldState(map), [
      entered('a', 0),
      entered('b', 2),
      { type: 'character.moved', data: { characterId: 'a', x: 1, y: 0, facing: 'east' } },
      { type: 'character.left', data: { characterId: 'b' } },
    ]);
    expect([...s.occupied.entries()]).toEqual([['1,0', 'a']]);
    expect(s.characters.get('b')).toMatchObject({ online: false, x: 2 });
  });

  it('a dropped draft leaves the committed state as it was (rollback)', () => {
    const committed = evolve(initialWorldState(map), entered('a', 0));
    const draft = new WorldDraft(committed).apply([{ type: 'character.left', data: { characterId: 'a' } }]);
    expect(draft.state.characters.get('a')?.online).toBe(false);
    expect(committed.characters.get('a')?.online).toBe(true);
  });
});

describe('foldLog', () => {
  it('folds logged rows in order and refuses a gap', () => {
    const rows = [
      { seq: 1, type: 'character.entered', payload: entered('a', 0).data },
      { seq: 2, type: 'character.moved', payload: { characterId: 'a', x: 1, y: 0, facing: 'east' } },
    ];
    const { state, seq } = foldLog(map, rows);
    expect(seq).toBe(2);
    expect(state.characters.get('a')).toMatchObject({ x: 1, online: true });
    expect(() => foldLog(map, [rows[1]!])).toThrow(/gap after seq 0/);
  });
});
