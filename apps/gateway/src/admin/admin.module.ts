import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { SystemModule } from '../system/system.module';
import { AdminController } from './admin.controller';
import { OperatorFeed } from './operator-feed';

/** Operator endpoints (`/api/admin`), behind AdminGuard: the minimum client version and the operator page's figures. */
@Module({
  imports: [AuthModule, SystemModule],
  controllers: [AdminController],
  providers: [OperatorFeed],
})
export class AdminModule {}
