import type { Handover, WorldCommand } from './commands';
import { decide } from './decide';
import { evolveAll } from './evolve';
import { initialWorldState, occupant } from './state';
import { parseWorldDefinition } from './world-map';
import { WORLDS } from './worlds';

const here = parseWorldDefinition({
  id: 'here',
  name: 'Here',
  tiles: ['..>'],
  spawns: [{ x: 0, y: 0 }],
  portals: [{ x: 2, y: 0, toWorldId: 'there', toX: 1, toY: 0 }],
});
const there = parseWorldDefinition({ id: 'there', name: 'There', tiles: ['...'], spawns: [{ x: 0, y: 0 }] });
const inv = [{ id: 'gem-1', kind: 'gem' }];

describe('portals: a two-step hand-over', () => {
  const start = evolveAll(initialWorldState(here), [{ type: 'character.entered', data: { characterId: 'a', name: 'Ann', x: 1, y: 0, facing: 'east', sessionId: 's1', inventory: inv } }]);
  const step = decide(start, { type: 'move', characterId: 'a', direction: 'east' });
  const handover: Handover = {
    handoverId: 'a:1',
    characterId: 'a',
    name: 'Ann',
    sessionId: 's1',
    fromWorldId: 'here',
    toWorldId: 'there',
    toX: 1,
    toY: 0,
    facing: 'east',
    inventory: inv,
    epoch: 1,
  };

  it('stepping onto a portal moves and departs in one decision, recording the hand-over', () => {
    expect(step).toEqual({
      ok: true,
      events: [
        { type: 'character.moved', data: { characterId: 'a', x: 2, y: 0, facing: 'east' } },
        { type: 'character.departed', data: handover },
      ],
    });
  });

  it('after departing, the old world no longer holds the character and refuses to take it back', () => {
    const after = evolveAll(start, step.ok ? step.events : []);
    expect(after.characters.get('a')).toMatchObject({ online: false, departedTo: 'there', epoch: 1 });
    expect(occupant(after, 2, 0)).toBeUndefined();
    const enter: WorldCommand = { type: 'enter', characterId: 'a', name: 'Ann', sessionId: 's2', home: true };
    expect(decide(after, enter)).toMatchObject({ ok: false, rejection: { code: 'WORLD_MOVED', details: { toWorldId: 'there' } } });
    expect(decide(after, { type: 'move', characterId: 'a', direction: 'west' })).toMatchObject({ ok: false, rejection: { code: 'NOT_IN_WORLD' } });
    // A leave sent to the old world (its socket dropped as it crossed) is pointed at the new one.
    expect(decide(after, { type: 'leave', characterId: 'a', sessionId: 's1' })).toMatchObject({ ok: false, rejection: { code: 'WORLD_MOVED', details: { toWorldId: 'there' } } });
  });

  it('the new world takes the character once, on the arrival tile, with its inventory', () => {
    const d = decide(initialWorldState(there), { type: 'arrive', handover });
    expect(d).toEqual({ ok: true, events: [{ type: 'character.arrived', data: { ...handover, x: 1, y: 0 } }] });
    const arrived = evolveAll(initialWorldState(there), d.ok ? d.events : []);
    expect(arrived.characters.get('a')).toMatchObject({ online: true, x: 1, inventory: inv, epoch: 1 });
    expect(decide(arrived, { type: 'arrive', handover })).toEqual({ ok: true, events: [] });
  });

  it('lands on the nearest free tile when the arrival tile is taken', () => {
    const busy = evolveAll(initialWorldState(there), [{ type: 'character.entered', data: { characterId: 'b', name: 'Bo', x: 1, y: 0, facing: 'east', sessionId: 's', inventory: [] } }]);
    const d = decide(busy, { type: 'arrive', handover });
    expect(d.ok && d.events[0]?.type === 'character.arrived' && d.events[0].data.x).not.toBe(1);
  });

  it('a world that has not seen the character yet refuses it as in transit, unless it is its home', () => {
    const enter = (home: boolean): WorldCommand => ({ type: 'enter', characterId: 'a', name: 'Ann', sessionId: 's2', home });
    expect(decide(initialWorldState(there), enter(false))).toMatchObject({ ok: false, rejection: { code: 'CHARACTER_IN_TRANSIT' } });
    expect(decide(initialWorldState(there), enter(true)).ok).toBe(true);
  });

  it('the shipped worlds are linked both ways by portals', () => {
    const lobby = WORLDS.get('lobby')!;
    const meadow = WORLDS.get('meadow')!;
    expect(lobby.portals.map((p) => p.toWorldId)).toContain('meadow');
    expect(meadow.portals.map((p) => p.toWorldId)).toContain('lobby');
    expect(lobby.items.length).toBeGreaterThan(10);
  });
});
