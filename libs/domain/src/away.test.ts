import type { WorldCommand } from './commands';
import { decide } from './decide';
import type { WorldEvent } from './events';
import { evolveAll } from './evolve';
import { eventToChanges } from './projection';
import { initialWorldState } from './state';
import { parseWorldDefinition } from './world-map';

const map = parseWorldDefinition({ id: 'test', name: 'Test', tiles: ['####', '#..#', '####'], spawns: [{ x: 1, y: 1 }] });
const entered: WorldEvent = { type: 'character.entered', data: { characterId: 'a', name: 'A', x: 1, y: 1, facing: 'south', sessionId: 's1', inventory: [] } };
const away: WorldEvent = { type: 'character.away', data: { characterId: 'a' } };
const awayCmd = (sessionId: string): WorldCommand => ({ type: 'away', characterId: 'a', sessionId });
const enterCmd = (sessionId: string): WorldCommand => ({ type: 'enter', characterId: 'a', name: 'A', sessionId, home: true });

/** The state after `events`, each also decided from the state before it would be (a log replayed). */
const state = (...events: WorldEvent[]) => evolveAll(initialWorldState(map), events);
const when = (events: WorldEvent[], cmd: WorldCommand) => decide(state(...events), cmd);

describe('away: a character whose session is gone, in the resume window', () => {
  it('is marked away once, by the session that holds it', () => {
    expect(when([entered], awayCmd('s1'))).toEqual({ ok: true, events: [away] });
    expect(when([entered, away], awayCmd('s1'))).toEqual({ ok: true, events: [] });
  });

  it('is not marked by a session it has moved on from, nor when it is not in the world', () => {
    const changed: WorldEvent = { type: 'character.session_changed', data: { characterId: 'a', sessionId: 's2' } };
    expect(when([entered, changed], awayCmd('s1'))).toEqual({ ok: true, events: [] });
    expect(when([entered, { type: 'character.left', data: { characterId: 'a' } }], awayCmd('s1'))).toEqual({ ok: true, events: [] });
    expect(when([], awayCmd('s1'))).toEqual({ ok: true, events: [] });
  });

  it('comes back when a session enters it again (a resume or a new login), and only then', () => {
    expect(when([entered, away], enterCmd('s2'))).toEqual({
      ok: true,
      events: [
        { type: 'character.session_changed', data: { characterId: 'a', sessionId: 's2' } },
        { type: 'character.back', data: { characterId: 'a' } },
      ],
    });
    expect(when([entered, away], enterCmd('s1'))).toEqual({ ok: true, events: [{ type: 'character.back', data: { characterId: 'a' } }] });
    expect(when([entered], enterCmd('s2'))).toEqual({ ok: true, events: [{ type: 'character.session_changed', data: { characterId: 'a', sessionId: 's2' } }] });
  });

  it('is folded into state: still online and on its tile while away, not away once back or gone', () => {
    expect(state(entered, away).characters.get('a')).toMatchObject({ online: true, away: true });
    expect(state(entered, away).occupied.get('1,1')).toBe('a');
    expect(state(entered, away, { type: 'character.back', data: { characterId: 'a' } }).characters.get('a')?.away).toBeUndefined();
    const left = state(entered, away, { type: 'character.left', data: { characterId: 'a' } }).characters.get('a');
    expect(left).toMatchObject({ online: false });
    expect(left?.away).toBeUndefined();
  });

  it('shows clients a presence change', () => {
    expect(eventToChanges('test', away)).toEqual([{ op: 'character.presence', id: 'a', status: 'away' }]);
    expect(eventToChanges('test', { type: 'character.back', data: { characterId: 'a' } })).toEqual([{ op: 'character.presence', id: 'a', status: 'online' }]);
  });
});
