import type { Handover, WorldCommand } from './commands';
import type { WorldEvent } from './events';
import { accept, Decision, reject } from './errors';
import { occupant, WorldState } from './state';
import { Point, step, tileAt } from './world-map';

type D = Decision<WorldEvent>;

/** Floor (not a portal, so entering never teleports) with nobody on it. */
export function isFree(state: WorldState, p: Point): boolean {
  return tileAt(state.map, p.x, p.y) === '.' && !occupant(state, p.x, p.y);
}

/** FNV-1a: a stable spread of characters over spawn points, the same on every replay. */
export function spawnIndex(characterId: string, spawns: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < characterId.length; i++) h = Math.imul(h ^ characterId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % spawns;
}

/** The nearest free floor to `start`, breadth first over walkable tiles. */
export function nearestFree(state: WorldState, start: Point): Point | undefined {
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

/**
 * The character's own spawn point (spread by its id) when free, else the next free one in turn,
 * else the nearest free floor to its own spawn point.
 */
export function findSpawn(state: WorldState, characterId: string): Point | undefined {
  const spawns = state.map.spawns;
  const first = spawnIndex(characterId, spawns.length);
  for (let i = 0; i < spawns.length; i++) {
    const s = spawns[(first + i) % spawns.length]!;
    if (isFree(state, s)) return { x: s.x, y: s.y };
  }
  return nearestFree(state, spawns[first]!);
}

export function decideEnter(state: WorldState, cmd: Extract<WorldCommand, { type: 'enter' }>): D {
  const known = state.characters.get(cmd.characterId);
  if (known?.departedTo) {
    return reject('WORLD_MOVED', `the character is in world ${known.departedTo} now`, { toWorldId: known.departedTo });
  }
  if (known?.online) {
    // A resume (or a new login) takes the character over from the session that held it, and
    // brings it back if it was away: the others see it back, nothing else.
    const back: WorldEvent[] = known.away ? [{ type: 'character.back', data: { characterId: known.id } }] : [];
    if (known.sessionId === cmd.sessionId) return accept(back);
    return accept([{ type: 'character.session_changed', data: { characterId: known.id, sessionId: cmd.sessionId } }, ...back]);
  }
  // A character this world has never seen may only start in its home world; anywhere else it is
  // a hand-over that has not arrived yet.
  if (!known && !cmd.home) return reject('CHARACTER_IN_TRANSIT', 'the character is on its way to this world; try again shortly');
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

export function decideLeave(state: WorldState, cmd: Extract<WorldCommand, { type: 'leave' }>): D {
  const c = state.characters.get(cmd.characterId);
  // Gone through a portal (perhaps just as its socket dropped): the leave belongs to that world.
  if (c?.departedTo) return reject('WORLD_MOVED', `the character is in world ${c.departedTo} now`, { toWorldId: c.departedTo });
  if (!c?.online) return accept([]);
  // A leave from a session that has since been replaced must not remove the new one.
  if (cmd.sessionId !== null && cmd.sessionId !== c.sessionId) return accept([]);
  return accept([{ type: 'character.left', data: { characterId: c.id } }]);
}

/**
 * The session's socket is gone: its character stays for the resume window, shown as away. Said
 * once (an away character is not made away again), and only by the session that holds it: a
 * resumed session has the character, and an away from the old one must not mark it.
 */
export function decideAway(state: WorldState, cmd: Extract<WorldCommand, { type: 'away' }>): D {
  const c = state.characters.get(cmd.characterId);
  if (!c?.online || c.away || c.sessionId !== cmd.sessionId) return accept([]);
  return accept([{ type: 'character.away', data: { characterId: c.id } }]);
}

/**
 * The second half of a portal crossing. Applied once per hand-over (by epoch), and never refused:
 * the departure is already recorded, so the character must land somewhere. It lands on the portal's
 * arrival tile, or the nearest free floor, or (a world packed full) on the arrival tile regardless.
 */
export function decideArrive(state: WorldState, h: Handover): D {
  const known = state.characters.get(h.characterId);
  if (known && known.epoch >= h.epoch) return accept([]);
  const at = nearestFree(state, { x: h.toX, y: h.toY }) ?? { x: h.toX, y: h.toY };
  return accept([{ type: 'character.arrived', data: { ...h, x: at.x, y: at.y } }]);
}
