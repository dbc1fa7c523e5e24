import type { IncomingMessage } from 'node:http';
import { Inject, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type WebSocket from 'ws';
import { CloseCode, ErrorCode, makeError, MAX_FRAME_BYTES } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import { ControlService } from '../control/control.service';
import { PresenceService } from '../session/presence.service';
import { ResumeWindow } from '../session/resume-window';
import { SessionRegistry } from '../session/session-registry';
import { GatewayMetrics } from '../system/gateway-metrics';
import { LOGGER } from '../tokens';
import { ClientSession } from './client-session';
import { IntentBus } from './intent.bus';
import { LocalSessions } from './local-sessions';
import type { SessionBooks } from './session-ports';
import { SessionServices } from './session-services';
import { listen, WsSocket } from './ws-socket';

/** How long a shutting-down gateway waits for its sessions' leaves to be confirmed. */
const SHUTDOWN_LEAVE_WAIT_MS = 3000;

/**
 * `/ws`: each connection becomes a ClientSession. The ws server itself enforces the frame limit
 * (a larger frame closes with 1009) before any of our code reads it. The ticket in the upgrade
 * URL is read here and never logged. The gateway keeps the books on its sessions: by player, the
 * cross-gateway registry of live sessions, presence, and the resume windows.
 */
@WebSocketGateway({ path: '/ws', maxPayload: MAX_FRAME_BYTES })
export class SessionGateway implements OnGatewayConnection, OnModuleDestroy {
  private readonly books: SessionBooks<ClientSession>;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly services: SessionServices,
    private readonly bus: IntentBus,
    private readonly sessions: LocalSessions,
    private readonly window: ResumeWindow,
    private readonly registry: SessionRegistry,
    private readonly presence: PresenceService,
    private readonly control: ControlService,
    private readonly metrics: GatewayMetrics,
  ) {
    metrics.observeSessions({
      sessions: () => ({ playing: this.sessions.size, lingering: this.window.count }),
      maxQueuedBytes: () => this.sessions.list().reduce((max, s) => Math.max(max, s.queuedBytes), 0),
    });
    this.books = {
      onAuthenticated: (s) => this.sessions.bind(s),
      onHello: (s) => this.claim(s),
      onEntered: (s) => {
        this.presence.entered(s);
        // An older session of this player lingering here: this one has the character now.
        const playerId = s.claims?.playerId;
        if (playerId) for (const old of this.window.of(playerId)) if (old.sessionId !== s.id) this.window.end(old.sessionId, 'handed_over');
      },
      onLinger: (s) => this.presence.linger(s),
      onLeft: (s, confirmed) => {
        this.window.release(s.id);
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
      if (m.reason === 'logout') for (const l of this.window.of(m.playerId)) if (l.issuedAt <= m.at) this.window.end(l.sessionId, 'logout');
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
    const session = new ClientSession(new WsSocket(ws), ticket, this.services, this.books);
    listen(ws, session, this.metrics);
    this.sessions.add(session);
    session.start();
  }

  /**
   * The session becomes its player's one live session. The one it replaces is ended wherever it
   * is: here directly, elsewhere by a broadcast naming it. Without Redis the broadcast names the
   * player instead, and every gateway ends that player's sessions that went live before this one.
   */
  private async claim(s: ClientSession): Promise<void> {
    const playerId = s.claims?.playerId;
    if (!playerId) return;
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
    const playerId = s.claims?.playerId;
    if (s.liveSince > 0 && playerId) void this.registry.release(playerId, { sessionId: s.id, gatewayId: this.bus.gatewayId }).catch(() => undefined);
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
