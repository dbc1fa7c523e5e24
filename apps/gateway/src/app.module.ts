import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthController } from './auth/auth.controller';
import { PlayersRepository } from './auth/players.repository';
import { TokenService } from './auth/token.service';
import type { GatewayConfig } from './config';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { InfraLifecycle, infraProviders } from './infra.providers';
import { FanoutService } from './realtime/fanout.service';
import { IntentBus } from './realtime/intent.bus';
import { SessionGateway } from './realtime/session.gateway';
import { CharactersRepository } from './session/characters.repository';
import { SessionController } from './session/session.controller';
import { TicketStore } from './session/ticket.store';
import { HealthService } from './system/health.service';
import { SystemController } from './system/system.controller';
import { SnapshotService } from './world/snapshot.service';
import { WorldController } from './world/world.controller';

@Module({})
export class AppModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [AuthController, SessionController, SystemController, WorldController],
      providers: [
        ...infraProviders(config),
        InfraLifecycle,
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        TokenService,
        PlayersRepository,
        CharactersRepository,
        TicketStore,
        SnapshotService,
        HealthService,
        IntentBus,
        FanoutService,
        SessionGateway,
      ],
    };
  }
}
