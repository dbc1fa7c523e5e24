import { jetstream } from '@nats-io/jetstream';
import { connectNats, createLogger, createPool, ensureTopology, loadConfig, Ownership, resetSequencerConsumer, startTracing, topology } from '@tilemud/runtime';
import { SequencerConfigSchema } from './config';
import { EventLog } from './event-log';
import { EventPublisher } from './event-publisher';
import { Handovers } from './handovers';
import { Sequencer } from './sequencer';

async function main(): Promise<void> {
  const config = loadConfig(SequencerConfigSchema, process.env);
  const tracing = startTracing({ serviceName: 'tilemud-sequencer', otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, file: config.OTEL_TRACES_FILE });
  const logger = createLogger('sequencer', config.LOG_LEVEL);
  const pool = createPool(config.DATABASE_URL, 4);
  // One writer: a second sequencer waits here as a standby until this one's process ends.
  const ownership = new Ownership(config.DATABASE_URL, `${config.NATS_PREFIX}:sequencer`, logger);
  await ownership.acquire((err) => {
    // Without the lock another process may be taking over: stop writing at once, as a crash would.
    logger.fatal({ err: err.message }, 'lost ownership of the worlds; exiting');
    process.exit(70);
  });
  const nc = await connectNats(config.NATS_URL, 'tilemud-sequencer');
  const t = topology(config.NATS_PREFIX);
  const jsm = await ensureTopology(nc, t);
  await resetSequencerConsumer(jsm, t);
  const js = jetstream(nc);
  const log = new EventLog(pool);
  const publisher = new EventPublisher(js, jsm, t, log, logger);

  // Committed but never published (a crash between the two): publish before taking new intents.
  const republished = await publisher.republishMissing(await log.worldsInLog());
  if (republished) logger.info({ republished }, 'published events the log had and the stream did not');

  const handovers = new Handovers(js, t, log, logger);
  const sequencer = new Sequencer(nc, t, log, publisher, handovers, logger, { maxBatch: config.SEQUENCER_MAX_BATCH, failpoint: config.TILEMUD_FAILPOINT });
  await sequencer.start();
  // Portal crossings recorded before a crash but not yet arrived: send them again, now and then
  // every few seconds (an arrival is applied once whatever the number of sends).
  await handovers.recover(0);
  setInterval(() => void handovers.recover(2000).catch((err) => logger.warn({ err: (err as Error).message }, 'hand-over recovery failed')), 5000).unref();

  setInterval(() => {
    const stats = sequencer.stats.flush();
    if (stats) logger.info({ stats }, 'sequencer stats (10 s)');
  }, 10_000).unref();

  const consumer = await js.consumers.get(t.intentsStream, t.sequencerConsumer);
  const messages = await consumer.consume({ max_messages: config.SEQUENCER_PREFETCH });
  logger.info({ prefix: t.prefix }, 'sequencer ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'sequencer stopping');
    await messages.close().catch(() => undefined);
    await publisher.flushed();
    await nc.drain().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await ownership.release();
    await tracing.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  for await (const m of messages) sequencer.enqueue(m);
}

main().catch((err: Error) => {
  console.error(`sequencer failed to start: ${err.message}`);
  process.exit(1);
});
