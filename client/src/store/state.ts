import type { Character, ChatMessage, ErrorBody, EventDegraded, HealthDependency, Intent, Item, WorldMap } from '@tilemud/contracts';

/**
 * An intent this client sent (or will send) and has not yet seen settle. It stays here until its
 * ack says rejected, or says applied and the world state held has reached the ack's seq; so
 * `pending` is exactly what the prediction has to lay over the server's state.
 */
export interface PendingIntent {
  intent: Intent;
  /** World the intent was made in: an applied seq means something only in that world. */
  worldId: string | null;
  /** On the wire on the current connection (reset when the connection is lost). */
  sent: boolean;
  /** Local time it was last put on the wire: how long its ack has been owed. */
  sentAt?: number;
  /** Applied: the world seq of its last event. Undefined while no ack has come. */
  appliedSeq?: number;
  /**
   * Sent on a connection that was lost (or before a full snapshot) without an ack: it may or may
   * not be in the state held. Not predicted until its (re)ack says which.
   */
  uncertain: boolean;
  /** A move whose step a delta already showed before its ack came: not predicted again. */
  reflected: boolean;
  /** Rate limited (chat): resent, unchanged, at this local time. */
  holdUntil?: number;
  /** Its intentSeq can no longer apply (INTENT_SEQ_STALE): resent under a new one. */
  renumber?: boolean;
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

/** Where the player's last move was refused, and why, for a brief mark on the map. */
export interface Bump {
  id: number;
  /** The tile the move tried to enter. */
  x: number;
  y: number;
  code: string;
  text: string;
  /** Local clock (ms) when the refusal came. */
  at: number;
}

export interface EmoteShown {
  emote: string;
  /** Local clock (ms) when it arrived, for fading it out. */
  at: number;
}

interface SessionInfo {
  sessionId: string;
  resumeToken: string;
  heartbeatIntervalMs: number;
  resumed: boolean;
  /** The area of interest in tiles (0: the whole world), from the handshake ack (absent from older servers). */
  aoiRadius: number;
}

export interface GameState {
  /** The player's own character. */
  selfId: string;
  worldId: string | null;
  /** Last world seq held; null before the first snapshot. */
  seq: number | null;
  map: WorldMap | null;
  characters: Readonly<Record<string, Character>>;
  items: Readonly<Record<string, Item>>;
  chat: readonly ChatMessage[];
  emotes: Readonly<Record<string, EmoteShown>>;
  pending: readonly PendingIntent[];
  /** After a handshake that did not resume, deltas wait for the full snapshot. */
  awaitingSnapshot: boolean;
  /** A gap was seen at `lastSeq`; `requested` once the resync has been sent. */
  gap: { lastSeq: number; requested: boolean } | null;
  session: SessionInfo | null;
  degraded: Readonly<Partial<Record<HealthDependency, Pick<EventDegraded, 'status' | 'message'>>>>;
  notices: readonly Notice[];
  nextNoticeId: number;
  bump: Bump | null;
  /** Last error frame without an intent (for the diagnostics overlay). */
  lastError: ErrorBody | null;
  /** Counters for diagnostics and tests. */
  stats: { deltasApplied: number; gaps: number; fullSnapshots: number; rejected: number };
}

/** Most chat messages kept in memory (a full snapshot carries the last 50). */
export const CHAT_KEEP = 200;
/** Most notices shown at once. */
export const NOTICES_KEEP = 4;

export function initialState(selfId: string): GameState {
  return {
    selfId,
    worldId: null,
    seq: null,
    map: null,
    characters: {},
    items: {},
    chat: [],
    emotes: {},
    pending: [],
    awaitingSnapshot: true,
    gap: null,
    session: null,
    degraded: {},
    notices: [],
    nextNoticeId: 1,
    bump: null,
    lastError: null,
    stats: { deltasApplied: 0, gaps: 0, fullSnapshots: 0, rejected: 0 },
  };
}
