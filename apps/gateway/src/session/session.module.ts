import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ControlModule } from '../control/control.module';
import { RelayModule } from '../realtime/relay.module';
import { SystemModule } from '../system/system.module';
import { WorldModule } from '../world/world.module';
import { PresenceService } from './presence.service';
import { ResumeWindow } from './resume-window';
import { ResumeStore } from './resume.store';
import { SessionController } from './session.controller';
import { TicketStore } from './ticket.store';

/**
 * A player's way in and out (`/api/session`: bootstrap, ticket, logout) and what outlives one
 * socket: WebSocket tickets, resume tokens, the resume window (who lingers, and until when), and presence (who is in each world, across gateways).
 */
@Module({
  imports: [AuthModule, ControlModule, RelayModule, SystemModule, WorldModule],
  controllers: [SessionController],
  providers: [TicketStore, ResumeStore, ResumeWindow, PresenceService],
  exports: [TicketStore, ResumeStore, ResumeWindow, PresenceService],
})
export class SessionModule {}
