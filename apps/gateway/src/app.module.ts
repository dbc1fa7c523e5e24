import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminController } from './admin/admin.controller';
import { OperatorFeed } from './admin/operator-feed';
import { AuthController } from './auth/auth.controller';
import { LoginLimiter } from './auth/login-limiter.service';
import { KeyRingService } from './auth/key-ring.service';
import { PasswordHasher } from './auth/password-hasher.service';
import { PlayersRepository } from './auth/players.repository';
import { RefreshTokensRepository } from './auth/refresh-tokens.repository';
import { TokenService } from './auth/token.service';
import type { GatewayConfig } from './config';
import { ControlService } from './control/control.service';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { InfraLifecycle, infraProviders } from './infra.providers';
import { RateLimiter } from './limits/rate-limiter.service';
import { FanoutService } from './realtime/fanout.service';
import { IntentBus } from './realtime/intent.bus';
import { LocalSessions } from './realtime/local-sessions';
import { SessionGateway } from './realtime/session.gateway';
import { CharactersRepository } from './session/characters.repository';
import { PresenceService } from './session/presence.service';
import { ResumeStore } from './session/resume.store';
import { SessionController } from './session/session.controller';
import { SessionRegistry } from './session/session-registry';
import { TicketStore } from './session/ticket.store';
import { DependencyMonitor } from './system/dependency-monitor.service';
import { HealthService } from './system/health.service';
import { MinVersionService } from './system/min-version.service';
import { SystemController } from './system/system.controller';
import { ReplayService } from './world/replay.service';
import { SnapshotService } from './world/snapshot.service';
import { WorldController } from './world/world.controller';

@Module({})
export class AppModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [AuthController, SessionController, SystemController, WorldController, AdminController],
      providers: [
        ...infraProviders(config),
        InfraLifecycle,
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        KeyRingService,
        TokenService,
        PlayersRepository,
        RefreshTokensRepository,
        CharactersRepository,
        TicketStore,
        SessionRegistry,
        RateLimiter,
        LoginLimiter,
        PasswordHasher,
        ControlService,
        LocalSessions,
        MinVersionService,
        PresenceService,
        SnapshotService,
        ReplayService,
        ResumeStore,
        HealthService,
        DependencyMonitor,
        IntentBus,
        FanoutService,
        SessionGateway,
        OperatorFeed,
      ],
    };
  }
}
