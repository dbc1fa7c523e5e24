import { jetstream } from '@nats-io/jetstream';
import { resetSequencerConsumer, startWorker } from '@tilemud/runtime';
import { SequencerConfigSchema } from './config';
import { EventLog } from './event-log';
import { EventPublisher } from './event-publisher';
import { Handovers } from './handovers';
import { Sequencer } from './sequencer';

async function main(): Promise<void> {
  const { config, logger, pool, nc, t, jsm, onStop } = await startWorker('sequencer', SequencerConfigSchema);
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

  onStop(async () => {
    await messages.close();
    await publisher.flushed();
  });

  for await (const m of messages) sequencer.enqueue(m);
}

main().catch((err: Error) => {
  console.error(`sequencer failed to start: ${err.message}`);
  process.exit(1);
});
