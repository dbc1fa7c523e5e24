import type { IncomingMessage } from 'node:http';
import { Inject, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type WebSocket from 'ws';
import { CloseCode, ErrorCode, makeError, MAX_FRAME_BYTES } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { ControlService } from '../control/control.service';
import { RateLimiter } from '../limits/rate-limiter.service';
import { CharactersRepository } from '../session/characters.repository';
import { PresenceService } from '../session/presence.service';
import { ResumeStore } from '../session/resume.store';
import { SessionRegistry } from '../session/session-registry';
import { TicketStore } from '../session/ticket.store';
import { DependencyMonitor } from '../system/dependency-monitor.service';
import { GatewayMetrics } from '../system/gateway-metrics';
import { MinVersionService } from '../system/min-version.service';
import { SERVER_VERSION } from '../system/version';
import { CONFIG, LOGGER } from '../tokens';
import { ReplayService } from '../world/replay.service';
import { SnapshotService } from '../world/snapshot.service';
import { ClientSession } from './client-session';
import { FanoutService } from './fanout.service';
import { IntentBus } from './intent.bus';
import { LocalSessions } from './local-sessions';
import type { SessionDeps } from './session-deps';

/** How long a shutting-down gateway waits for its sessions' leaves to be confirmed. */
const SHUTDOWN_LEAVE_WAIT_MS = 3000;

/**
 * `/ws`: each connection becomes a ClientSession. The ws server itself enforces the frame limit
 * (a larger frame closes with 1009) before any of our code reads it. The ticket in the upgrade
 * URL is read here and never logged.
 */
@WebSocketGateway({ path: '/ws', maxPayload: MAX_FRAME_BYTES })
export class SessionGateway implements OnGatewayConnection, OnModuleDestroy {
  private readonly deps: SessionDeps;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    tickets: TicketStore,
    private readonly bus: IntentBus,
    fanout: FanoutService,
    snapshots: SnapshotService,
    characters: CharactersRepository,
    limiter: RateLimiter,
    private readonly sessions: LocalSessions,
    private readonly registry: SessionRegistry,
    private readonly presence: PresenceService,
    private readonly control: ControlService,
    minVersion: MinVersionService,
    replay: ReplayService,
    resume: ResumeStore,
    health: DependencyMonitor,
    private readonly metrics: GatewayMetrics,
  ) {
    metrics.observeSessions({
      sessions: () => ({ playing: this.sessions.size, lingering: this.sessions.lingeringCount }),
      maxQueuedBytes: () => this.sessions.list().reduce((max, s) => Math.max(max, s.queuedBytes), 0),
    });
    this.deps = {
      config,
      logger,
      tickets,
      bus,
      fanout,
      snapshots,
      replay,
      resume,
      limiter,
      metrics,
      health,
      serverVersion: SERVER_VERSION,
      minClientVersion: () => minVersion.current,
      worldOf: async (characterId) => {
        const c = (await characters.byId(characterId))!;
        return { worldId: (await characters.view(c)).worldId, homeWorldId: c.homeWorldId };
      },
      onAuthenticated: (s) => this.sessions.bind(s),
      onHello: (s) => this.claim(s),
      onEntered: (s) => {
        this.presence.entered(s);
        // An older session of this player lingering here: this one has the character now.
        for (const old of this.sessions.lingeringOf(s.claims!.playerId)) if (old !== s) old.endLinger('handed_over');
      },
      onLinger: (s) => {
        this.sessions.linger(s);
        this.presence.linger(s);
      },
      onLeft: (s, confirmed) => {
        this.sessions.unlinger(s);
        void this.presence.untrack(s, confirmed);
      },
      onClosed: (s) => this.onClosed(s),
    };
    control.on('session_end', (m) => {
      for (const s of m.sessionId ? [this.sessions.byId(m.sessionId)] : this.sessions.ofPlayer(m.playerId)) {
        if (!s || s.claims?.playerId !== m.playerId || s.id === m.keepSessionId) continue;
        // Without a session id (logout, or a replace while Redis was down) only sessions older than the message end.
        if (!m.sessionId && (m.reason === 'logout' ? s.claims.issuedAt > m.at : s.liveSince > m.at)) continue;
        s.terminate(m.reason, m.reason === 'logout' ? CloseCode.NORMAL : CloseCode.REPLACED);
      }
      // A logout also takes out a character whose socket is gone but is waiting out its resume window.
      if (m.reason === 'logout') for (const s of this.sessions.lingeringOf(m.playerId)) if (s.claims!.issuedAt <= m.at) s.endLinger('logout');
    });
  }

  private readonly statsTimer = setInterval(() => {
    const stats = this.bus.stats.flush();
    if (stats) this.logger.info({ stats, sessions: this.sessions.size }, 'gateway stats (10 s)');
  }, 10_000).unref();

  handleConnection(ws: WebSocket, req: IncomingMessage): void {
    if (this.sessions.full) {
      ws.once('close', (code: number) => this.metrics.connectionClosed(code));
      ws.send(JSON.stringify({ type: 'event.error', error: makeError(ErrorCode.CAPACITY_EXCEEDED, 'this server is full; try again later') }));
      ws.close(CloseCode.UNAVAILABLE, 'at capacity');
      return;
    }
    const ticket = new URL(req.url ?? '/', 'http://gateway').searchParams.get('ticket');
    const session = new ClientSession(ws, ticket, this.deps);
    this.sessions.add(session);
    session.start();
  }

  /**
   * The session becomes its player's one live session. The one it replaces is ended wherever it
   * is: here directly, elsewhere by a broadcast naming it. Without Redis the broadcast names the
   * player instead, and every gateway ends that player's sessions that went live before this one.
   */
  private async claim(s: ClientSession): Promise<void> {
    const playerId = s.claims!.playerId;
    s.liveSince = Date.now();
    this.presence.track(s);
    const base = { kind: 'session_end' as const, reason: 'replaced' as const, playerId, at: s.liveSince, from: this.bus.gatewayId };
    for (const other of this.sessions.ofPlayer(playerId)) if (other !== s && other.liveSince > 0) other.terminate('replaced', CloseCode.REPLACED);
    try {
      const prev = await this.registry.claim(playerId, { sessionId: s.id, gatewayId: this.bus.gatewayId });
      if (prev && prev.sessionId !== s.id && prev.gatewayId !== this.bus.gatewayId) this.control.publish({ ...base, sessionId: prev.sessionId });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'session registry unreachable: replacing by broadcast');
      this.control.publish({ ...base, keepSessionId: s.id });
    }
  }

  private onClosed(s: ClientSession): void {
    this.sessions.remove(s);
    this.presence.forget(s);
    if (s.liveSince > 0) void this.registry.release(s.claims!.playerId, { sessionId: s.id, gatewayId: this.bus.gatewayId }).catch(() => undefined);
  }

  get count(): number {
    return this.sessions.size;
  }

  /** Shutdown: every session is told (1001), and their leaves get a moment to be confirmed. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.statsTimer);
    const all = this.sessions.list();
    for (const s of all) s.terminate('shutdown', CloseCode.GOING_AWAY);
    const settled = Promise.all(all.map((s) => s.leaving));
    await Promise.race([settled, new Promise((r) => setTimeout(r, SHUTDOWN_LEAVE_WAIT_MS).unref())]);
  }
}
