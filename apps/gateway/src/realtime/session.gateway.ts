import type { IncomingMessage } from 'node:http';
import { Inject, OnApplicationShutdown } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type WebSocket from 'ws';
import { CloseCode, MAX_FRAME_BYTES } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { CharactersRepository } from '../session/characters.repository';
import { TicketStore } from '../session/ticket.store';
import { SERVER_VERSION } from '../system/version';
import { CONFIG, LOGGER } from '../tokens';
import { SnapshotService } from '../world/snapshot.service';
import { ClientSession } from './client-session';
import { FanoutService } from './fanout.service';
import { IntentBus } from './intent.bus';

/**
 * `/ws`: each connection becomes a ClientSession. The ws server itself enforces the frame limit
 * (a larger frame closes with 1009) before any of our code reads it.
 */
@WebSocketGateway({ path: '/ws', maxPayload: MAX_FRAME_BYTES })
export class SessionGateway implements OnGatewayConnection, OnApplicationShutdown {
  private readonly sessions = new Set<ClientSession>();

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tickets: TicketStore,
    private readonly bus: IntentBus,
    private readonly fanout: FanoutService,
    private readonly snapshots: SnapshotService,
    private readonly characters: CharactersRepository,
  ) {}

  private readonly statsTimer = setInterval(() => {
    const stats = this.bus.stats.flush();
    if (stats) this.logger.info({ stats, sessions: this.sessions.size }, 'gateway stats (10 s)');
  }, 10_000).unref();

  handleConnection(ws: WebSocket, req: IncomingMessage): void {
    const ticket = new URL(req.url ?? '/', 'http://gateway').searchParams.get('ticket');
    const session = new ClientSession(ws, ticket, {
      config: this.config,
      logger: this.logger,
      tickets: this.tickets,
      bus: this.bus,
      fanout: this.fanout,
      snapshots: this.snapshots,
      serverVersion: SERVER_VERSION,
      worldOf: async (characterId) => {
        const c = await this.characters.byId(characterId);
        return c ? (await this.characters.view(c)).worldId : 'lobby';
      },
      onClosed: (s) => this.sessions.delete(s),
    });
    this.sessions.add(session);
    session.start();
  }

  get count(): number {
    return this.sessions.size;
  }

  onApplicationShutdown(): void {
    clearInterval(this.statsTimer);
    for (const s of [...this.sessions]) s.terminate('shutdown', CloseCode.GOING_AWAY);
  }
}
