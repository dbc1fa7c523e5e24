import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { BootstrapRequestSchema, BootstrapResponse, CloseCode, DEFAULT_WS_PATH, ErrorCode, PROTOCOL_VERSION, TicketResponse } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import { CurrentPlayer } from '../auth/current-player.decorator';
import { PlayerAuthGuard } from '../auth/player-auth.guard';
import { RefreshTokensRepository } from '../auth/refresh-tokens.repository';
import type { Principal } from '../auth/token.service';
import { ControlService } from '../control/control.service';
import { ApiError } from '../errors/api-error';
import { parseBody } from '../errors/parse';
import { LocalSessions } from '../realtime/local-sessions';
import { checkClientVersion } from '../realtime/version-check';
import { MinVersionService } from '../system/min-version.service';
import { SERVER_VERSION } from '../system/version';
import { LOGGER } from '../tokens';
import { SnapshotService } from '../world/snapshot.service';
import { CharactersRepository } from './characters.repository';
import { SessionRegistry } from './session-registry';
import { TicketStore } from './ticket.store';

/** Every call here is a signed-in player's (PlayerAuthGuard). */
@Controller('api/session')
@UseGuards(PlayerAuthGuard)
export class SessionController {
  constructor(
    private readonly characters: CharactersRepository,
    private readonly tickets: TicketStore,
    private readonly snapshots: SnapshotService,
    private readonly sessions: LocalSessions,
    private readonly registry: SessionRegistry,
    private readonly control: ControlService,
    private readonly minVersion: MinVersionService,
    private readonly refreshTokens: RefreshTokensRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Everything a client needs to join: its character (created on the first call), its world and a ticket. */
  @Post('bootstrap')
  @HttpCode(200)
  async bootstrap(@CurrentPlayer() principal: Principal, @Body() body: unknown): Promise<BootstrapResponse> {
    const { clientVersion } = parseBody(BootstrapRequestSchema, body);
    const min = this.minVersion.current;
    if (checkClientVersion({ protocolVersion: clientVersion, clientVersion }, min, SERVER_VERSION)) {
      throw new ApiError(ErrorCode.VERSION_MISMATCH, `client ${clientVersion} is not supported; update to ${min} or later`, {
        details: { minClientVersion: min, protocolVersion: PROTOCOL_VERSION },
      });
    }
    if (this.sessions.full) throw new ApiError(ErrorCode.CAPACITY_EXCEEDED, 'this server is full; try again later', { retryable: true });
    // The ticket names the character as its row does (a guest turned account keeps its guest_ name),
    // not by the account: that is the name others see when it joins.
    const identity = await this.characters.ensureFor(principal.playerId, principal.username);
    let character = await this.characters.view(identity);
    // Fresh: the character as of every event logged so far (its own acks included), not older.
    if (await this.snapshots.catchUp(character.worldId)) character = await this.characters.view(identity);
    const world = await this.snapshots.summary(character.worldId);
    if (!world) throw new ApiError(ErrorCode.WORLD_NOT_FOUND, `world ${character.worldId} does not exist`);
    const ticket = await this.tickets.issue({ playerId: principal.playerId, username: identity.name, characterId: identity.id, roles: principal.roles });
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
  async ticket(@CurrentPlayer() principal: Principal): Promise<TicketResponse> {
    const identity = await this.characters.ensureFor(principal.playerId, principal.username);
    const ticket = await this.tickets.issue({ playerId: principal.playerId, username: identity.name, characterId: identity.id, roles: principal.roles });
    return { ticket, expiresIn: this.tickets.ttlSeconds };
  }

  /**
   * Signs the player out everywhere: tokens and tickets issued until now are refused, every refresh
   * token of every sign-in is revoked, and its live socket, on whichever gateway, ends with `logout`.
   */
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentPlayer() principal: Principal): Promise<void> {
    const at = Date.now();
    const revoked = await this.refreshTokens.revokePlayer(principal.playerId).then(
      () => true,
      (err: Error) => (this.logger.warn({ err: err.message }, 'refresh tokens not revoked: PostgreSQL unreachable'), false),
    );
    await this.registry.markLoggedOut(principal.playerId, at).catch((err: Error) => {
      // Without Redis, tokens cannot be revoked; the live socket still ends.
      this.logger.warn({ err: err.message }, 'logout not recorded: Redis unreachable');
    });
    for (const s of this.sessions.ofPlayer(principal.playerId)) s.terminate('logout', CloseCode.NORMAL);
    this.control.publish({ kind: 'session_end', reason: 'logout', playerId: principal.playerId, at, from: 'gateway' });
    // The sockets are gone, but a refresh token could still sign in again: the client must retry.
    if (!revoked) throw new ApiError(ErrorCode.UNAVAILABLE, 'signed out here, but the refresh tokens could not be revoked; log out again', { retryable: true });
  }
}
