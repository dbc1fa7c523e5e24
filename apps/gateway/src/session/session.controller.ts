import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { BootstrapRequestSchema, BootstrapResponse, DEFAULT_WS_PATH, ErrorCode, PROTOCOL_VERSION, TicketResponse } from '@tilemud/contracts';
import { Inject } from '@nestjs/common';
import { TokenService } from '../auth/token.service';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { parseBody } from '../errors/parse';
import { checkClientVersion } from '../realtime/version-check';
import { SERVER_VERSION } from '../system/version';
import { CONFIG } from '../tokens';
import { SnapshotService } from '../world/snapshot.service';
import { CharactersRepository } from './characters.repository';
import { TicketStore } from './ticket.store';

@Controller('api/session')
export class SessionController {
  constructor(
    private readonly tokens: TokenService,
    private readonly characters: CharactersRepository,
    private readonly tickets: TicketStore,
    private readonly snapshots: SnapshotService,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Everything a client needs to join: its character (created on the first call), its world and a ticket. */
  @Post('bootstrap')
  @HttpCode(200)
  async bootstrap(@Headers('authorization') auth: string | undefined, @Body() body: unknown): Promise<BootstrapResponse> {
    const principal = await this.tokens.fromHeader(auth);
    const { clientVersion } = parseBody(BootstrapRequestSchema, body);
    const mismatch = checkClientVersion({ protocolVersion: clientVersion, clientVersion }, this.config.MIN_CLIENT_VERSION, SERVER_VERSION);
    if (mismatch) {
      throw new ApiError(ErrorCode.VERSION_MISMATCH, `client ${clientVersion} is not supported; update to ${this.config.MIN_CLIENT_VERSION} or later`, {
        details: { minClientVersion: this.config.MIN_CLIENT_VERSION, protocolVersion: PROTOCOL_VERSION },
      });
    }
    const identity = await this.characters.ensureFor(principal.playerId, principal.username);
    const character = await this.characters.view(identity);
    const world = await this.snapshots.summary(character.worldId);
    if (!world) throw new ApiError(ErrorCode.WORLD_NOT_FOUND, `world ${character.worldId} does not exist`);
    const ticket = await this.tickets.issue({ playerId: principal.playerId, username: principal.username, characterId: identity.id, roles: principal.roles });
    return {
      serverVersion: SERVER_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      player: { id: principal.playerId, username: principal.username },
      character,
      world,
      ws: { path: DEFAULT_WS_PATH, ticket, expiresIn: this.tickets.ttlSeconds },
    };
  }

  /** A fresh ticket for reconnecting. */
  @Post('ticket')
  @HttpCode(200)
  async ticket(@Headers('authorization') auth: string | undefined): Promise<TicketResponse> {
    const principal = await this.tokens.fromHeader(auth);
    const identity = await this.characters.ensureFor(principal.playerId, principal.username);
    const ticket = await this.tickets.issue({ playerId: principal.playerId, username: principal.username, characterId: identity.id, roles: principal.roles });
    return { ticket, expiresIn: this.tickets.ttlSeconds };
  }
}
