import { ACTIONS } from './actions';
import type { WorldCommand } from './commands';
import type { WorldEvent } from './events';
import { accept, assertNever, Decision, reject } from './errors';
import { decideArrive, decideAway, decideEnter, decideLeave } from './presence';
import { CharacterState, occupant, WorldState } from './state';
import { inBounds, step, tileAt } from './world-map';

export { findSpawn, spawnIndex } from './presence';

export const CHAT_MAX_LENGTH = 280;

type D = Decision<WorldEvent>;

/** Pure: the events a command produces against this state, or why it is refused. */
export function decide(state: WorldState, command: WorldCommand): D {
  switch (command.type) {
    case 'seed':
      if (state.items.size > 0) return accept([]);
      return accept([{ type: 'world.seeded', data: { items: state.map.items.map((i) => ({ ...i })) } }]);
    case 'enter':
      return decideEnter(state, command);
    case 'leave':
      return decideLeave(state, command);
    case 'away':
      return decideAway(state, command);
    case 'arrive':
      return decideArrive(state, command.handover);
    case 'move':
      return decideMove(state, command.characterId, command.direction);
    case 'chat': {
      const c = present(state, command.characterId);
      if (!c) return notInWorld(command.characterId);
      const text = command.text.trim();
      if (text.length === 0) return reject('CHAT_EMPTY', 'chat text is empty');
      if ([...text].length > CHAT_MAX_LENGTH) return reject('CHAT_TOO_LONG', `chat text is over ${CHAT_MAX_LENGTH} characters`);
      return accept([
        {
          type: 'chat.posted',
          data: { messageId: command.messageId, characterId: c.id, name: c.name, channel: command.channel, text, at: command.at },
        },
      ]);
    }
    case 'action': {
      const c = present(state, command.characterId);
      if (!c) return notInWorld(command.characterId);
      return ACTIONS.decide(state, c, command.payload);
    }
    default:
      return assertNever(command);
  }
}

function present(state: WorldState, characterId: string): CharacterState | undefined {
  const c = state.characters.get(characterId);
  return c?.online ? c : undefined;
}

const notInWorld = (characterId: string): D => reject('NOT_IN_WORLD', 'the character is not in this world', { characterId });

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
  const moved: WorldEvent = { type: 'character.moved', data: { characterId, x: to.x, y: to.y, facing: direction } };
  const portal = tile === '>' ? state.map.portals.find((p) => p.x === to.x && p.y === to.y) : undefined;
  if (!portal) return accept([moved]);
  // Onto a portal: the step and the departure are one decision, recorded together in this
  // world's log. The departure is the hand-over's durable record; the other world applies it.
  const epoch = c.epoch + 1;
  return accept([
    moved,
    {
      type: 'character.departed',
      data: {
        handoverId: `${characterId}:${epoch}`,
        characterId,
        name: c.name,
        sessionId: c.sessionId,
        fromWorldId: state.map.id,
        toWorldId: portal.toWorldId,
        toX: portal.toX,
        toY: portal.toY,
        facing: direction,
        inventory: [...c.inventory],
        epoch,
      },
    },
  ]);
}
