import type { InventoryItem } from './state';
import type { Direction } from './world-map';

/**
 * What a player (or the gateway, for entering and leaving, or a sequencer, for a hand-over) asks a
 * world to do. Time and ids arrive here, stamped by the adapter: the domain has no clock.
 */
export type WorldCommand =
  /** The first command of a world with an empty log: places the map's items. */
  | { type: 'seed' }
  /** `home`: this is the character's home world, where a character never seen here may start. */
  | { type: 'enter'; characterId: string; name: string; sessionId: string; home: boolean }
  | { type: 'leave'; characterId: string; sessionId: string | null }
  /** The session's socket is gone (or its gateway is): the character stays, away, for the resume window. */
  | { type: 'away'; characterId: string; sessionId: string }
  | { type: 'move'; characterId: string; direction: Direction }
  | { type: 'chat'; characterId: string; text: string; channel: 'world'; messageId: string; at: string }
  /** A named action from the registry (pickup, drop, give, emote); its fields are validated there. */
  | { type: 'action'; characterId: string; payload: { action: string } & Record<string, unknown> }
  /** The second half of a portal crossing: the character arrives from another world. */
  | { type: 'arrive'; handover: Handover };

/** Everything a world needs to receive a character from another world (recorded in the departure). */
export interface Handover {
  handoverId: string;
  characterId: string;
  name: string;
  sessionId: string;
  fromWorldId: string;
  toWorldId: string;
  toX: number;
  toY: number;
  facing: Direction;
  inventory: InventoryItem[];
  epoch: number;
}

export type WorldCommandType = WorldCommand['type'];
