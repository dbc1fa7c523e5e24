import type { WorldCommand } from './commands';
import type { WorldEvent } from './events';
import { accept, assertNever, Decision, reject } from './errors';
import { CharacterState, occupant, WorldState } from './state';
import { inBounds, Point, step, tileAt } from './world-map';

export const CHAT_MAX_LENGTH = 280;

type D = Decision<WorldEvent>;

/** Pure: the events a command produces against this state, or why it is refused. */
export function decide(state: WorldState, command: WorldCommand): D {
  switch (command.type) {
    case 'enter':
      return decideEnter(state, command);
    case 'leave': {
      const c = state.characters.get(command.characterId);
      if (!c?.online) return accept([]);
      // A leave from a session that has since been replaced must not remove the new one.
      if (command.sessionId !== null && command.sessionId !== c.sessionId) return accept([]);
      return accept([{ type: 'character.left', data: { characterId: c.id } }]);
    }
    case 'move':
      return decideMove(state, command.characterId, command.direction);
    case 'chat': {
      const c = present(state, command.characterId);
      if (!c) return notInWorld(command.characterId);
      const text = command.text.trim();
      if (text.length === 0) return reject('CHAT_EMPTY', 'chat text is empty');
      if (text.length > CHAT_MAX_LENGTH) return reject('CHAT_TOO_LONG', `chat text is over ${CHAT_MAX_LENGTH} characters`);
      return accept([
        {
          type: 'chat.posted',
          data: { messageId: command.messageId, characterId: c.id, name: c.name, channel: command.channel, text, at: command.at },
        },
      ]);
    }
    default:
      return assertNever(command);
  }
}

function present(state: WorldState, characterId: string): CharacterState | undefined {
  const c = state.characters.get(characterId);
  return c?.online ? c : undefined;
}

const notInWorld = (characterId: string): D =>
  reject('NOT_IN_WORLD', 'the character is not in this world', { characterId });

function decideEnter(state: WorldState, cmd: Extract<WorldCommand, { type: 'enter' }>): D {
  const known = state.characters.get(cmd.characterId);
  if (known?.online) {
    if (known.sessionId === cmd.sessionId) return accept([]);
    return accept([{ type: 'character.session_changed', data: { characterId: known.id, sessionId: cmd.sessionId } }]);
  }
  const at = known && isFree(state, known) ? { x: known.x, y: known.y } : findSpawn(state, cmd.characterId);
  if (!at) return reject('WORLD_FULL', 'no free tile to enter this world on');
  return accept([
    {
      type: 'character.entered',
      data: {
        characterId: cmd.characterId,
        name: cmd.name,
        x: at.x,
        y: at.y,
        facing: known?.facing ?? 'south',
        sessionId: cmd.sessionId,
        inventory: [...(known?.inventory ?? [])],
      },
    },
  ]);
}

function decideMove(state: WorldState, characterId: string, direction: Extract<WorldCommand, { type: 'move' }>['direction']): D {
  const c = present(state, characterId);
  if (!c) return notInWorld(characterId);
  const to = step(c, direction);
  const details = { from: { x: c.x, y: c.y }, to, direction };
  if (!inBounds(state.map, to.x, to.y)) return reject('MOVE_OUT_OF_BOUNDS', 'that is the edge of the world', details);
  const tile = tileAt(state.map, to.x, to.y);
  if (tile === '#') return reject('MOVE_INTO_WALL', 'a wall is in the way', details);
  if (tile === '~') return reject('MOVE_INTO_WATER', 'water is in the way', details);
  if (tile !== '.' && tile !== '>') return reject('MOVE_BLOCKED', 'that tile cannot be walked on', details);
  const other = occupant(state, to.x, to.y);
  if (other) return reject('TILE_OCCUPIED', 'another character stands there', { ...details, occupantId: other.id });
  return accept([{ type: 'character.moved', data: { characterId, x: to.x, y: to.y, facing: direction } }]);
}

/** Floor (not a portal, so entering never teleports) with nobody on it. */
function isFree(state: WorldState, p: Point): boolean {
  return tileAt(state.map, p.x, p.y) === '.' && !occupant(state, p.x, p.y);
}

/** FNV-1a: a stable spread of characters over spawn points, the same on every replay. */
export function spawnIndex(characterId: string, spawns: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < characterId.length; i++) h = Math.imul(h ^ characterId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % spawns;
}

/**
 * The character's own spawn point (spread by its id) when free, else the next free one in turn,
 * else the nearest free floor to its own spawn point (breadth first).
 */
export function findSpawn(state: WorldState, characterId: string): Point | undefined {
  const spawns = state.map.spawns;
  const first = spawnIndex(characterId, spawns.length);
  for (let i = 0; i < spawns.length; i++) {
    const s = spawns[(first + i) % spawns.length]!;
    if (isFree(state, s)) return { x: s.x, y: s.y };
  }
  const start = spawns[first]!;
  const seen = new Set<string>([`${start.x},${start.y}`]);
  const queue: Point[] = [start];
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i]!;
    if (isFree(state, p)) return { x: p.x, y: p.y };
    for (const dir of ['north', 'east', 'south', 'west'] as const) {
      const n = step(p, dir);
      const key = `${n.x},${n.y}`;
      const t = tileAt(state.map, n.x, n.y);
      if (seen.has(key) || (t !== '.' && t !== '>')) continue;
      seen.add(key);
      queue.push(n);
    }
  }
  return undefined;
}
