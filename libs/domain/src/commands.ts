import type { Direction } from './world-map';

/**
 * What a player (or the gateway, for entering and leaving) asks a world to do.
 * Time and ids arrive here, stamped by the adapter: the domain has no clock.
 */
export type WorldCommand =
  | { type: 'enter'; characterId: string; name: string; sessionId: string }
  | { type: 'leave'; characterId: string; sessionId: string | null }
  | { type: 'move'; characterId: string; direction: Direction }
  | { type: 'chat'; characterId: string; text: string; channel: 'world'; messageId: string; at: string };

export type WorldCommandType = WorldCommand['type'];
