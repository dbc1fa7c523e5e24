import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLogger, loadConfig, startTracing } from '@tilemud/runtime';
import { AppModule } from './app.module';
import { GatewayConfigSchema } from './config';
import { NestPinoLogger } from './errors/nest-logger';

async function main(): Promise<void> {
  const config = loadConfig(GatewayConfigSchema, process.env);
  const tracing = startTracing({ serviceName: 'tilemud-gateway', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, file: config.OTEL_TRACES_FILE });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    logger: new NestPinoLogger(createLogger('gateway', config.LOG_LEVEL)),
    // JSON only: no urlencoded parser, so a form post never reaches a handler as fields.
    bodyParser: false,
  });
  app.useBodyParser('json');
  // Frames are decoded by the session (with the contract's codec), not by Nest's {event, data}
  // router: a parser that returns nothing keeps Nest from parsing every frame a second time.
  app.useWebSocketAdapter(new WsAdapter(app, { messageParser: () => undefined }));
  app.disable('x-powered-by');
  // Behind a load balancer the client's address (for per-address limits) is in X-Forwarded-For.
  if (config.TRUST_PROXY !== undefined) app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  const clientDist = config.CLIENT_DIST ?? join(__dirname, '..', '..', '..', 'client', 'dist');
  if (existsSync(join(clientDist, 'index.html'))) app.useStaticAssets(clientDist, { index: 'index.html' });
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  const addr = app.getHttpServer().address();
  console.log(JSON.stringify({ level: 30, name: 'gateway', msg: 'gateway ready', port: typeof addr === 'object' && addr ? addr.port : config.PORT }));
  process.on('exit', () => void tracing.shutdown());
}

function trustProxy(v: string): boolean | number | string {
  if (v === 'true' || v === 'false') return v === 'true';
  return /^\d+$/.test(v) ? Number(v) : v;
}

main().catch((err: Error) => {
  console.error(`gateway failed to start: ${err.message}`);
  process.exit(1);
});
