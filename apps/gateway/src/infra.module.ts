import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { GatewayConfig } from './config';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { InfraLifecycle, infraProviders } from './infra.providers';
import { GatewayMetrics } from './system/gateway-metrics';
import { CONFIG, GATEWAY_ID, LOGGER, METRICS_READER, NATS, PG_POOL, REDIS, TOPOLOGY } from './tokens';

/**
 * What every feature module uses, so global: the parsed config, the logger, this gateway's id,
 * the connections (PostgreSQL, Redis, NATS) and the metrics every part records into. Being global,
 * its shutdown hooks run last: the connections close after every session has been told.
 * Every REST failure leaves through ApiExceptionFilter, registered here for the whole app.
 */
@Global()
@Module({})
export class InfraModule {
  /** `metricsReader`: the Prometheus reader registered with the OpenTelemetry SDK, served at `/metrics`. */
  static forRoot(config: GatewayConfig, metricsReader: PrometheusExporter): DynamicModule {
    return {
      module: InfraModule,
      providers: [...infraProviders(config), { provide: METRICS_READER, useValue: metricsReader }, GatewayMetrics, InfraLifecycle, { provide: APP_FILTER, useClass: ApiExceptionFilter }],
      exports: [CONFIG, LOGGER, GATEWAY_ID, TOPOLOGY, PG_POOL, REDIS, NATS, METRICS_READER, GatewayMetrics],
    };
  }
}
