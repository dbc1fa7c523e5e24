import type { ErrorBody, EventDegraded } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import type { RateLimiter } from '../limits/rate-limiter.service';
import type { ResumeStore } from '../session/resume.store';
import type { TicketStore } from '../session/ticket.store';
import type { GatewayMetrics } from '../system/gateway-metrics';
import type { ReplayService } from '../world/replay.service';
import type { SnapshotService } from '../world/snapshot.service';
import type { ClientSession } from './client-session';
import type { FanoutService } from './fanout.service';
import type { IntentBus } from './intent.bus';

/** What a ClientSession needs of the gateway; the hooks are how the gateway keeps its books. */
export interface SessionDeps {
  config: GatewayConfig;
  logger: Logger;
  tickets: TicketStore;
  bus: IntentBus;
  fanout: FanoutService;
  snapshots: SnapshotService;
  replay: ReplayService;
  resume: ResumeStore;
  limiter: RateLimiter;
  metrics: GatewayMetrics;
  /** Dependency health: notices for a new socket, and whether intents are refused now. */
  health: { notices(): EventDegraded[]; refusal(): ErrorBody | undefined };
  serverVersion: string;
  /** The oldest client accepted now (an operator may raise it while sessions run). */
  minClientVersion(): string;
  /** The world the read model last saw the character in, and its home world. */
  worldOf(characterId: string): Promise<{ worldId: string; homeWorldId: string }>;
  /** The ticket was good: the session belongs to `claims.playerId`. */
  onAuthenticated(s: ClientSession): void;
  /** Hello accepted: the session becomes its player's one live session, ending any other. */
  onHello(s: ClientSession): Promise<void>;
  /** The character is in its world (presence starts). */
  onEntered(s: ClientSession): void;
  /** The socket dropped: the character stays in its world for the resume window (presence keeps it listed). */
  onLinger(s: ClientSession): void;
  /** The character's leave was sent; `confirmed` when the world applied it. */
  onLeft(s: ClientSession, confirmed: boolean): void;
  onClosed(s: ClientSession): void;
}

export type TerminationReason = 'idle_timeout' | 'logout' | 'replaced' | 'shutdown';
