import { DynamicModule, Module } from '@nestjs/common';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import type { GatewayConfig } from './config';
import { InfraModule } from './infra.module';
import { RealtimeModule } from './realtime/realtime.module';
import { SessionModule } from './session/session.module';
import { SystemModule } from './system/system.module';
import { WorldModule } from './world/world.module';

/** The gateway: its feature modules over the global infrastructure (docs/architecture.md maps them). */
@Module({})
export class AppModule {
  /** `metricsReader`: the Prometheus reader registered with the OpenTelemetry SDK, served at `/metrics`. */
  static forConfig(config: GatewayConfig, metricsReader: PrometheusExporter): DynamicModule {
    return {
      module: AppModule,
      imports: [InfraModule.forRoot(config, metricsReader), AuthModule, SessionModule, WorldModule, SystemModule, AdminModule, RealtimeModule],
    };
  }
}
