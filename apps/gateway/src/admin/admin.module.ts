import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { SystemModule } from '../system/system.module';
import { AdminController } from './admin.controller';
import { OperatorFeed } from './operator-feed';
import { TimeTravelController } from './time-travel.controller';
import { TimeTravelService } from './time-travel.service';

/**
 * Operator endpoints (`/api/admin`), behind AdminGuard: the minimum client version, the operator
 * page's figures, and the worlds' logs (heads, lag, dead letters, time travel).
 */
@Module({
  imports: [AuthModule, SystemModule],
  controllers: [AdminController, TimeTravelController],
  providers: [OperatorFeed, TimeTravelService],
})
export class AdminModule {}
