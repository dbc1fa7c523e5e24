import { Controller, Get, Headers, Param, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { Character, ErrorCode } from '@tilemud/contracts';
import { CurrentPlayer } from '../auth/current-player.decorator';
import { PlayerAuthGuard } from '../auth/player-auth.guard';
import type { Principal } from '../auth/token.service';
import { ApiError } from '../errors/api-error';
import { CharactersRepository } from '../session/characters.repository';
import { SnapshotService } from './snapshot.service';

@Controller('api')
@UseGuards(PlayerAuthGuard)
export class WorldController {
  constructor(
    private readonly characters: CharactersRepository,
    private readonly snapshots: SnapshotService,
  ) {}

  /** A world's full state, for the caller's own world only; ETag is its seq. */
  @Get('worlds/:worldId/snapshot')
  async snapshot(@CurrentPlayer() principal: Principal, @Headers('if-none-match') inm: string | undefined, @Param('worldId') worldId: string, @Res() res: Response): Promise<void> {
    const identity = await this.characters.ensureFor(principal.playerId, principal.username);
    const own = await this.characters.view(identity);
    const summary = await this.snapshots.summary(worldId);
    if (!summary) throw new ApiError(ErrorCode.WORLD_NOT_FOUND, `world ${worldId} does not exist`);
    if (own.worldId !== worldId) throw new ApiError(ErrorCode.FORBIDDEN, 'that is not your world');
    const loaded = (await this.snapshots.fresh(worldId))!;
    const etag = `"${loaded.seq}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-cache');
    if (
      inm &&
      inm
        .split(',')
        .map((s) => s.trim())
        .includes(etag)
    ) {
      res.status(304).end();
      return;
    }
    res.status(200).json(loaded.snapshot);
  }

  /** The caller's own character only. */
  @Get('characters/:id')
  async character(@CurrentPlayer() principal: Principal, @Param('id') id: string): Promise<Character> {
    const c = await this.characters.byId(id);
    if (c && c.playerId !== principal.playerId) throw new ApiError(ErrorCode.FORBIDDEN, 'that is not your character');
    if (!c) throw new ApiError(ErrorCode.NOT_FOUND, 'no such character');
    return this.characters.view(c);
  }
}
