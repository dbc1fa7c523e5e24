import { DynamicModule, Module } from '@nestjs/common';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
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
import { SessionServices } from './realtime/session-services';
import { CharactersRepository } from './session/characters.repository';
import { PresenceService } from './session/presence.service';
import { ResumeWindow } from './session/resume-window';
import { ResumeStore } from './session/resume.store';
import { SessionController } from './session/session.controller';
import { SessionRegistry } from './session/session-registry';
import { TicketStore } from './session/ticket.store';
import { DependencyMonitor } from './system/dependency-monitor.service';
import { HealthService } from './system/health.service';
import { MinVersionService } from './system/min-version.service';
import { GatewayMetrics } from './system/gateway-metrics';
import { OpsController } from './system/ops.controller';
import { SystemController } from './system/system.controller';
import { ReplayService } from './world/replay.service';
import { SnapshotService } from './world/snapshot.service';
import { METRICS_READER } from './tokens';
import { WorldController } from './world/world.controller';

@Module({})
export class AppModule {
  /** `metricsReader`: the Prometheus reader registered with the OpenTelemetry SDK, served at `/metrics`. */
  static forConfig(config: GatewayConfig, metricsReader: PrometheusExporter): DynamicModule {
    return {
      module: AppModule,
      controllers: [AuthController, SessionController, SystemController, WorldController, AdminController, OpsController],
      providers: [
        ...infraProviders(config),
        { provide: METRICS_READER, useValue: metricsReader },
        GatewayMetrics,
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
        ResumeWindow,
        SnapshotService,
        ReplayService,
        ResumeStore,
        HealthService,
        DependencyMonitor,
        IntentBus,
        FanoutService,
        SessionServices,
        SessionGateway,
        OperatorFeed,
      ],
    };
  }
}
