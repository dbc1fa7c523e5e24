import '@tilemud/runtime/dist/instrument'; // first: patches pg, ioredis and http as they load
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { CONFIG_EXIT_CODE, ConfigError, createLogger, createMetricsReader, loadConfig, logDestination, Logger, registerRuntimeMetrics, startTracing } from '@tilemud/runtime';
import { AppModule } from './app.module';
import { GatewayConfig, GatewayConfigSchema } from './config';
import { NestPinoLogger } from './errors/nest-logger';
import { guardConnections } from './limits/connection-guard';
import { ClientFaultLog } from './realtime/log-throttle';
import { GatewayWsAdapter } from './realtime/ws-adapter';

async function main(): Promise<void> {
  const config = loadConfig(GatewayConfigSchema, process.env);
  const metricReader = createMetricsReader();
  const tracing = startTracing({ serviceName: 'tilemud-gateway', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, file: config.OTEL_TRACES_FILE, metricReader });
  registerRuntimeMetrics();
  const log = createLogger('gateway', config.LOG_LEVEL, logDestination(config));
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, metricReader), {
    logger: new NestPinoLogger(log),
    // JSON only: no urlencoded parser, so a form post never reaches a handler as fields.
    bodyParser: false,
  });
  app.useBodyParser('json');
  app.useWebSocketAdapter(new GatewayWsAdapter(app, log));
  app.disable('x-powered-by');
  // Behind a load balancer the client's address (for per-address limits) is in X-Forwarded-For.
  if (config.TRUST_PROXY !== undefined) app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  const express = app.getHttpAdapter().getInstance() as { get(setting: string): unknown };
  guardDoor(app.getHttpServer(), config, express.get('trust proxy fn') as (addr: string, i: number) => boolean, new ClientFaultLog(log));
  const clientDist = config.CLIENT_DIST ?? join(__dirname, '..', '..', '..', 'client', 'dist');
  if (existsSync(join(clientDist, 'index.html'))) app.useStaticAssets(clientDist, { index: 'index.html' });
  stopWithin(log, config.SHUTDOWN_TIMEOUT_MS);
  // Nest's hooks tell every socket (`shutdown`, 1001) and close the connections, then exit.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.listen(config.PORT, config.HOST);
  const addr = app.getHttpServer().address();
  console.log(JSON.stringify({ level: 30, name: 'gateway', msg: 'gateway ready', port: typeof addr === 'object' && addr ? addr.port : config.PORT }));
  process.on('exit', () => void tracing.shutdown());
}

/**
 * A connection must say what it wants within HTTP_HEADERS_TIMEOUT_MS, and one address holds at
 * most MAX_CONNECTIONS_PER_ADDRESS (a trusted proxy's connections are many clients': not capped).
 */
function guardDoor(server: Server, config: GatewayConfig, trusted: (addr: string, i: number) => boolean, faults: ClientFaultLog): void {
  server.headersTimeout = config.HTTP_HEADERS_TIMEOUT_MS;
  server.requestTimeout = Math.max(config.HTTP_REQUEST_TIMEOUT_MS, config.HTTP_HEADERS_TIMEOUT_MS);
  // Node checks these timeouts every 30 s by default: a connection could outlive them by that much.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(1000, config.HTTP_HEADERS_TIMEOUT_MS);
  guardConnections(server, {
    maxPerAddress: config.MAX_CONNECTIONS_PER_ADDRESS,
    firstRequestTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS + 1000,
    exempt: (addr) => trusted(addr, 0),
    onRefused: (key) => faults.note('CONNECTIONS_PER_ADDRESS', 'connection refused: too many from one address', { address: key }),
  });
}

/** Says the gateway is stopping, and exits at the deadline if the graceful close has not by then. */
function stopWithin(logger: Logger, deadlineMs: number): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal, deadlineMs }, 'gateway stopping');
      setTimeout(() => {
        logger.error({ deadlineMs }, `gateway did not stop within ${deadlineMs} ms; exiting anyway`);
        process.exit(1);
      }, deadlineMs).unref();
    });
  }
}

function trustProxy(v: string): boolean | number | string {
  if (v === 'true' || v === 'false') return v === 'true';
  return /^\d+$/.test(v) ? Number(v) : v;
}

main().catch((err: Error) => {
  console.error(`gateway failed to start: ${err.message}`);
  // A bad setting will not mend itself: a supervisor seeing this code does not restart the app.
  process.exit(err instanceof ConfigError ? CONFIG_EXIT_CODE : 1);
});
