import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { CONFIG_EXIT_CODE, ConfigError, createLogger, loadConfig, Logger, startTracing } from '@tilemud/runtime';
import { AppModule } from './app.module';
import { GatewayConfigSchema } from './config';
import { NestPinoLogger } from './errors/nest-logger';

async function main(): Promise<void> {
  const config = loadConfig(GatewayConfigSchema, process.env);
  const tracing = startTracing({ serviceName: 'tilemud-gateway', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, file: config.OTEL_TRACES_FILE });
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    logger: new NestPinoLogger(logger),
    bodyParser: true,
  });
  // Frames are decoded by the session (with the contract's codec), not by Nest's {event, data}
  // router: a parser that returns nothing keeps Nest from parsing every frame a second time.
  app.useWebSocketAdapter(new WsAdapter(app, { messageParser: () => undefined }));
  app.disable('x-powered-by');
  // Behind a load balancer the client's address (for per-address limits) is in X-Forwarded-For.
  if (config.TRUST_PROXY !== undefined) app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  const clientDist = config.CLIENT_DIST ?? join(__dirname, '..', '..', '..', 'client', 'dist');
  if (existsSync(join(clientDist, 'index.html'))) app.useStaticAssets(clientDist, { index: 'index.html' });
  stopWithin(logger, config.SHUTDOWN_TIMEOUT_MS);
  // Nest's hooks tell every socket (`shutdown`, 1001) and close the connections, then exit.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.listen(config.PORT, config.HOST);
  const addr = app.getHttpServer().address();
  console.log(JSON.stringify({ level: 30, name: 'gateway', msg: 'gateway ready', port: typeof addr === 'object' && addr ? addr.port : config.PORT }));
  process.on('exit', () => void tracing.shutdown());
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
