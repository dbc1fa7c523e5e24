import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { RateLimiter } from '../limits/rate-limiter.service';
import { CharactersRepository } from '../session/characters.repository';
import { ResumeStore } from '../session/resume.store';
import { ResumeWindow } from '../session/resume-window';
import { TicketStore } from '../session/ticket.store';
import { DependencyMonitor } from '../system/dependency-monitor.service';
import { GatewayMetrics } from '../system/gateway-metrics';
import { MinVersionService } from '../system/min-version.service';
import { SERVER_VERSION } from '../system/version';
import { CONFIG, LOGGER } from '../tokens';
import { ReplayService } from '../world/replay.service';
import { SnapshotService } from '../world/snapshot.service';
import { catchUp } from './catch-up';
import { FanoutService } from './fanout.service';
import { IntentBus } from './intent.bus';
import { relayIntent } from './intent-relay';
import { claimResume, redeemTicket } from './session-door';
import type { DoorPort, IntentPort, SessionMetrics, SessionPorts, TokenPort, WorldPort } from './session-ports';
import { enterWorld, leaveWorld } from './world-entry';

/** How long a leave may take to be answered before it is left to presence expiry. */
const LEAVE_TIMEOUT_MS = 10_000;

/** The gateway's services as the ports every ClientSession uses (session-ports.ts), built once. */
@Injectable()
export class SessionServices implements SessionPorts {
  readonly door: DoorPort;
  readonly world: WorldPort;
  readonly intents: IntentPort;
  readonly tokens: TokenPort;

  constructor(
    @Inject(CONFIG) readonly config: GatewayConfig,
    @Inject(LOGGER) readonly logger: Logger,
    readonly limiter: RateLimiter,
    readonly window: ResumeWindow,
    @Inject(GatewayMetrics) readonly metrics: SessionMetrics,
    tickets: TicketStore,
    resume: ResumeStore,
    health: DependencyMonitor,
    minVersion: MinVersionService,
    characters: CharactersRepository,
    bus: IntentBus,
    fanout: FanoutService,
    snapshots: SnapshotService,
    replay: ReplayService,
  ) {
    this.door = {
      redeem: (ticket) => redeemTicket(tickets, ticket),
      claimResume: (claims, token) => claimResume(resume, logger, claims, token),
      notices: () => health.notices(),
      refusal: () => health.refusal(),
      minClientVersion: () => minVersion.current,
      serverVersion: SERVER_VERSION,
    };
    this.world = {
      locate: async (characterId) => {
        const c = await characters.byId(characterId);
        if (!c) throw new Error(`character ${characterId} not found`); // its ticket named it: the session fails (4503)
        return { worldId: (await characters.view(c)).worldId, homeWorldId: c.homeWorldId };
      },
      enter: (who) => enterWorld(bus, who, config.JOIN_TIMEOUT_MS),
      leave: (who) =>
        leaveWorld(bus, who, LEAVE_TIMEOUT_MS)
          .then(() => true)
          .catch((err) => (logger.warn({ err: (err as Error).message }, 'leave not confirmed'), false)),
      catchUp: (worldId, minSeq, replayFrom, view) => catchUp({ fanout, snapshots, replay, maxReplay: config.RESUME_MAX_REPLAY_EVENTS }, worldId, minSeq, replayFrom, view),
      arrival: (characterId, worldId) => snapshots.arrival(characterId, worldId, config.JOIN_TIMEOUT_MS),
      watch: (worldId, r) => fanout.join(worldId, r),
      unwatch: (worldId, r) => fanout.leave(worldId, r),
    };
    this.intents = {
      register: (sessionId, onAck) => bus.register(sessionId, onAck),
      unregister: (sessionId) => bus.unregister(sessionId),
      relay: (who, kind, intentSeq, intent, rules, traceparent) => relayIntent({ bus, health, metrics, logger }, rules, who, kind, intentSeq, intent, traceparent),
    };
    this.tokens = {
      issue: (rec) => resume.issue(rec),
      revoke: (playerId, token) => resume.revoke(playerId, token),
      linger: (token, rec) => resume.linger(token, rec),
    };
  }
}
