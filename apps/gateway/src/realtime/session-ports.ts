import type { ErrorBody, EventDegraded } from '@tilemud/contracts';
import type { AckEnvelope, ClientIntent, Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import type { RateLimiter } from '../limits/rate-limiter.service';
import type { ResumeRecord } from '../session/resume.store';
import type { ResumeWindow } from '../session/resume-window';
import type { TicketClaims } from '../session/ticket.store';
import type { GatewayMetrics } from '../system/gateway-metrics';
import type { CaughtUp } from './catch-up';
import type { DeltaReceiver } from './fanout.service';
import type { Refused, Sender } from './intent-relay';
import type { TicketOutcome } from './session-door';
import type { LimitedIntent, SessionRules } from './session-rules';
import type { EnterResult } from './world-entry';

/** Who is at the door, and whether they may come in now. */
export interface DoorPort {
  /** The socket's ticket, redeemed once. */
  redeem(ticket: string | null): Promise<TicketOutcome>;
  /** The resume token's record when it is good for this character (spent either way). */
  claimResume(claims: TicketClaims, token: string): Promise<ResumeRecord | undefined>;
  /** Dependency health: what a new socket is told, and the refusal while entering or intents cannot work. */
  notices(): EventDegraded[];
  refusal(): ErrorBody | undefined;
  /** The oldest client accepted now (an operator may raise it while sessions run). */
  minClientVersion(): string;
  readonly serverVersion: string;
}

/** Which character, as the world knows it. */
export interface WorldMember {
  characterId: string;
  name: string;
  sessionId: string;
}

/** The worlds: entering, leaving, and what a client is shown of them. */
export interface WorldPort {
  /** The world the read model last saw the character in, and its home world. */
  locate(characterId: string): Promise<{ worldId: string; homeWorldId: string }>;
  /** Puts the character in its world (following a crossing in flight), within JOIN_TIMEOUT_MS. */
  enter(who: WorldMember & { worldId: string; homeWorldId: string }): Promise<EnterResult>;
  /** Takes the character out; true once the world has applied it (a failure is logged, not thrown). */
  leave(who: WorldMember & { worldId: string }): Promise<boolean>;
  /** `view`: the client has an area of interest, so a replay also names the world's characters where it starts. */
  catchUp(worldId: string, minSeq: number, replayFrom?: number, view?: boolean): Promise<CaughtUp | undefined>;
  /** The seq at which the character arrived in the world after a crossing (undefined after JOIN_TIMEOUT_MS). */
  arrival(characterId: string, worldId: string): Promise<number | undefined>;
  /** Follows, and stops following, a world's live deltas. */
  watch(worldId: string, r: DeltaReceiver): void;
  unwatch(worldId: string, r: DeltaReceiver): void;
}

/** Intents up to the pipeline, the sequencer's acks back. */
export interface IntentPort {
  register(sessionId: string, onAck: (ack: AckEnvelope) => void): void;
  unregister(sessionId: string): void;
  /** Hands the intent on (see intent-relay.ts); what to tell the client when it was not. */
  relay(who: Sender, kind: LimitedIntent, intentSeq: number, intent: ClientIntent, rules: Pick<SessionRules, 'admit'>, traceparent?: string): Promise<Refused | null>;
}

/** Resume tokens (in Redis, keyed by player). */
export interface TokenPort {
  issue(rec: ResumeRecord): Promise<string>;
  revoke(playerId: string, token: string): Promise<void>;
  /** The token outlives the socket by the resume window. */
  linger(token: string, rec: ResumeRecord): Promise<void>;
}

export type SessionMetrics = Pick<GatewayMetrics, 'deltaSent' | 'invalidFrame' | 'rateLimit' | 'intentReceived' | 'intentAnswered' | 'resume' | 'sessionClosed'>;

/** Everything a ClientSession uses of the gateway, grouped by what it is for (SessionServices builds them). */
export interface SessionPorts {
  config: GatewayConfig;
  logger: Logger;
  metrics: SessionMetrics;
  limiter: Pick<RateLimiter, 'take'>;
  door: DoorPort;
  world: WorldPort;
  intents: IntentPort;
  tokens: TokenPort;
  window: Pick<ResumeWindow, 'ms' | 'open'>;
}

/** How the gateway keeps its books on a session (its player's sessions, the registry, presence). */
export interface SessionBooks<S> {
  /** The ticket was good: the session belongs to `claims.playerId`. */
  onAuthenticated(s: S): void;
  /** Hello accepted: the session becomes its player's one live session, ending any other. */
  onHello(s: S): Promise<void>;
  /** The character is in its world (presence starts). */
  onEntered(s: S): void;
  /** The socket dropped: the character stays in its world for the resume window (presence shows it away). */
  onLinger(s: S): void;
  /** The character's leave was sent (`confirmed` when the world applied it), or it was handed to a newer session. */
  onLeft(s: S, confirmed: boolean): void;
  onClosed(s: S): void;
}

export type TerminationReason = 'idle_timeout' | 'logout' | 'replaced' | 'shutdown';
