import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ControlModule } from '../control/control.module';
import { LimitsModule } from '../limits/limits.module';
import { SessionModule } from '../session/session.module';
import { SystemModule } from '../system/system.module';
import { WorldModule } from '../world/world.module';
import { RelayModule } from './relay.module';
import { SessionGateway } from './session.gateway';
import { SessionServices } from './session-services';

/** The WebSocket server (`/ws`): the top of the gateway, using every other module; exports nothing. */
@Module({
  imports: [AuthModule, ControlModule, LimitsModule, RelayModule, SessionModule, SystemModule, WorldModule],
  providers: [SessionServices, SessionGateway],
})
export class RealtimeModule {}
