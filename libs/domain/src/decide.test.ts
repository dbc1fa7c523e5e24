import type { WorldCommand } from './commands';
import { decide, spawnIndex } from './decide';
import type { WorldEvent } from './events';
import { evolveAll } from './evolve';
import { initialWorldState, WorldState } from './state';
import { parseWorldDefinition } from './world-map';

// A tiny world that has every kind of terrain next to the spawn points.
const map = parseWorldDefinition({
  id: 'test',
  name: 'Test',
  tiles: ['#####', '#..~#', '#...#', '#####'],
  spawns: [
    { x: 1, y: 1 },
    { x: 2, y: 1 },
  ],
});

const entered = (characterId: string, x: number, y: number, sessionId = 's-' + characterId): WorldEvent => ({
  type: 'character.entered',
  data: { characterId, name: characterId.toUpperCase(), x, y, facing: 'south', sessionId, inventory: [] },
});

/** given these events, when this command, then: */
function given(...events: WorldEvent[]) {
  const state: WorldState = evolveAll(initialWorldState(map), events);
  return { when: (command: WorldCommand) => decide(state, command) };
}

const rejectionOf = (d: ReturnType<typeof decide>) => (d.ok ? null : d.rejection.code);

// Which of the two spawn points each id draws (a stable hash), checked rather than assumed.
const ids = { first: ['a', 'b', 'c', 'd', 'e', 'f'].find((id) => spawnIndex(id, 2) === 0)!, second: ['a', 'b', 'c', 'd', 'e', 'f'].find((id) => spawnIndex(id, 2) === 1)! };

describe('entering a world', () => {
  it('spreads characters over spawn points by a stable hash of their id', () => {
    expect(spawnIndex('some-id', 16)).toBe(spawnIndex('some-id', 16));
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 1600; i++) counts[spawnIndex(`character-${i}`, 16)]++;
    expect(Math.min(...counts)).toBeGreaterThan(50);
  });

  it('places a new character on its own spawn point', () => {
    expect(given().when({ type: 'enter', characterId: ids.second, name: 'A', sessionId: 's1', home: true })).toEqual({
      ok: true,
      events: [entered(ids.second, 2, 1, 's1')].map((e) => ({ ...e, data: { ...e.data, name: 'A' } })),
    });
  });

  it('takes the next spawn point when its own is occupied', () => {
    const d = given(entered('x', 1, 1)).when({ type: 'enter', characterId: ids.first, name: 'B', sessionId: 's2', home: true });
    expect(d.ok && d.events[0]?.type === 'character.entered' && [d.events[0].data.x, d.events[0].data.y]).toEqual([2, 1]);
  });

  it('falls back to the nearest free floor to its own spawn point when every spawn point is taken', () => {
    const d = given(entered('x', 1, 1), entered('y', 2, 1)).when({ type: 'enter', characterId: ids.second, name: 'C', sessionId: 's3', home: true });
    expect(d.ok && d.events[0]?.type === 'character.entered' && [d.events[0].data.x, d.events[0].data.y]).toEqual([2, 2]);
  });

  it('refuses with WORLD_FULL when no floor is free', () => {
    const full = [entered('a', 1, 1), entered('b', 2, 1), entered('c', 1, 2), entered('d', 2, 2), entered('e', 3, 2)];
    expect(rejectionOf(given(...full).when({ type: 'enter', characterId: 'f', name: 'F', sessionId: 's', home: true }))).toBe('WORLD_FULL');
  });

  it('returns a character to where it left', () => {
    const d = given(
      entered('a', 1, 1),
      { type: 'character.moved', data: { characterId: 'a', x: 2, y: 2, facing: 'east' } },
      {
        type: 'character.left',
        data: { characterId: 'a' },
      },
    ).when({ type: 'enter', characterId: 'a', name: 'A', sessionId: 's9', home: true });
    expect(d.ok && d.events[0]?.type === 'character.entered' && d.events[0].data).toMatchObject({ x: 2, y: 2, facing: 'east' });
  });

  it('is idempotent for the same session and records a new session otherwise', () => {
    expect(given(entered('a', 1, 1, 's1')).when({ type: 'enter', characterId: 'a', name: 'A', sessionId: 's1', home: true })).toEqual({ ok: true, events: [] });
    expect(given(entered('a', 1, 1, 's1')).when({ type: 'enter', characterId: 'a', name: 'A', sessionId: 's2', home: true })).toEqual({
      ok: true,
      events: [{ type: 'character.session_changed', data: { characterId: 'a', sessionId: 's2' } }],
    });
  });
});

describe('moving', () => {
  const move = (direction: 'north' | 'south' | 'east' | 'west'): WorldCommand => ({ type: 'move', characterId: 'a', direction });

  it('steps one tile and faces the direction', () => {
    expect(given(entered('a', 1, 1)).when(move('south'))).toEqual({
      ok: true,
      events: [{ type: 'character.moved', data: { characterId: 'a', x: 1, y: 2, facing: 'south' } }],
    });
  });

  it.each([
    ['north', 'MOVE_INTO_WALL'],
    ['west', 'MOVE_INTO_WALL'],
  ] as const)('refuses %s into a wall with %s', (dir, code) => {
    expect(rejectionOf(given(entered('a', 1, 1)).when(move(dir)))).toBe(code);
  });

  it('refuses water', () => {
    expect(rejectionOf(given(entered('a', 2, 1)).when(move('east')))).toBe('MOVE_INTO_WATER');
  });

  it('refuses the edge of the world', () => {
    const open = parseWorldDefinition({ id: 'open', name: 'Open', tiles: ['..'], spawns: [{ x: 0, y: 0 }] });
    const state = evolveAll(initialWorldState(open), [entered('a', 0, 0)]);
    expect(rejectionOf(decide(state, move('north')))).toBe('MOVE_OUT_OF_BOUNDS');
    expect(rejectionOf(decide(state, move('west')))).toBe('MOVE_OUT_OF_BOUNDS');
  });

  it('refuses a tile another character stands on', () => {
    const d = given(entered('a', 1, 1), entered('b', 2, 1)).when(move('east'));
    expect(d).toMatchObject({ ok: false, rejection: { code: 'TILE_OCCUPIED', details: { occupantId: 'b' } } });
  });

  it('allows a tile a character has left', () => {
    const d = given(entered('a', 1, 1), entered('b', 2, 1), { type: 'character.left', data: { characterId: 'b' } }).when(move('east'));
    expect(d.ok).toBe(true);
  });

  it('refuses a character that is not in the world', () => {
    expect(rejectionOf(given().when(move('east')))).toBe('NOT_IN_WORLD');
  });
});

describe('chatting', () => {
  const chat = (text: string): WorldCommand => ({ type: 'chat', characterId: 'a', text, channel: 'world', messageId: 'a:3', at: '2026-01-01T00:00:00.000Z' });

  it('posts trimmed text with the sender and the stamped id and time', () => {
    expect(given(entered('a', 1, 1)).when(chat('  hi there '))).toEqual({
      ok: true,
      events: [{ type: 'chat.posted', data: { messageId: 'a:3', characterId: 'a', name: 'A', channel: 'world', text: 'hi there', at: '2026-01-01T00:00:00.000Z' } }],
    });
  });

  it('refuses empty and over-long text', () => {
    expect(rejectionOf(given(entered('a', 1, 1)).when(chat('   ')))).toBe('CHAT_EMPTY');
    expect(rejectionOf(given(entered('a', 1, 1)).when(chat('x'.repeat(281))))).toBe('CHAT_TOO_LONG');
  });

  it('refuses a character that is not in the world', () => {
    expect(rejectionOf(given().when(chat('hi')))).toBe('NOT_IN_WORLD');
  });
});

describe('leaving', () => {
  it('leaves when the session is the current one', () => {
    expect(given(entered('a', 1, 1, 's1')).when({ type: 'leave', characterId: 'a', sessionId: 's1' })).toEqual({
      ok: true,
      events: [{ type: 'character.left', data: { characterId: 'a' } }],
    });
  });

  it('ignores a leave from a replaced session, and a leave of someone absent', () => {
    expect(given(entered('a', 1, 1, 's2')).when({ type: 'leave', characterId: 'a', sessionId: 's1' })).toEqual({ ok: true, events: [] });
    expect(given().when({ type: 'leave', characterId: 'a', sessionId: null })).toEqual({ ok: true, events: [] });
  });
});
