import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RelayModule } from '../realtime/relay.module';
import { CharactersRepository } from '../session/characters.repository';
import { ReplayService } from './replay.service';
import { SnapshotService } from './snapshot.service';
import { WorldController } from './world.controller';

/**
 * The worlds' state as the log has it (`/api/worlds/:id/snapshot`, `/api/characters/:id`):
 * snapshots, replays of missed deltas, and the characters (one per player) in them.
 */
@Module({
  imports: [AuthModule, RelayModule],
  controllers: [WorldController],
  providers: [SnapshotService, ReplayService, CharactersRepository],
  exports: [SnapshotService, ReplayService, CharactersRepository],
})
export class WorldModule {}
