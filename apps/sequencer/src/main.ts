import '@tilemud/runtime/dist/instrument'; // first: patches pg, ioredis and http as they load
import { jetstream } from '@nats-io/jetstream';
import { CONFIG_EXIT_CODE, ConfigError, startWorker } from '@tilemud/runtime';
import { SequencerConfigSchema } from './config';
import { EventLog } from './event-log';
import { EventPublisher } from './event-publisher';
import { Handovers } from './handovers';
import { IntentFeed } from './intent-feed';
import { Sequencer } from './sequencer';
import { observeSequencer } from './sequencer-metrics';
import { StreamFills } from './stream-fills';
import { StreamKeeper } from './stream-keeper';

async function main(): Promise<void> {
  let gauges: ReturnType<typeof observeSequencer> | undefined;
  const w = await startWorker('sequencer', SequencerConfigSchema, undefined, ({ pool, active }) => (gauges = observeSequencer(pool, active)));
  const { config, logger, pool, nc, t, jsm } = w;
  const js = jetstream(nc);
  const log = new EventLog(pool);
  const publisher = new EventPublisher(js, jsm, t, log, logger);
  const handovers = new Handovers(js, t, log, logger);
  const sequencer = new Sequencer(nc, t, log, publisher, handovers, logger, { maxBatch: config.SEQUENCER_MAX_BATCH, failpoint: config.TILEMUD_FAILPOINT, snapshotEvery: config.SNAPSHOT_EVERY });
  const feed = new IntentFeed(js, jsm, t, sequencer, logger, config.SEQUENCER_PREFETCH);
  const keeper = new StreamKeeper(jsm, t, log, publisher, feed, new StreamFills(pool), logger);
  gauges?.memoryHeads(() => sequencer.heads());
  w.keepingUp(() => {
    const waitedMs = Math.round(sequencer.waitingMs());
    if (waitedMs > config.SEQUENCER_READY_MAX_WAIT_MS)
      return { ok: false, reason: `the oldest intent in hand has waited ${waitedMs} ms (SEQUENCER_READY_MAX_WAIT_MS ${config.SEQUENCER_READY_MAX_WAIT_MS})`, details: { waitedMs } };
    if (nc.isClosed()) return { ok: false, reason: 'the NATS connection is closed' };
    return { ok: true, details: { waitedMs } };
  });
  publisher.onStreamLost = (broken) => void (w.active() && keeper.check(broken));

  // The same steps take the worlds at start, after a standby takes over, and after an outage.
  await w.run({
    pause: (why) => {
      sequencer.pause();
      // Another process owns the worlds: leave every intent to it. (While PostgreSQL is merely
      // unreachable intents keep coming in, to be answered without a decision.)
      if (why === 'standby') void feed.stop();
    },
    recover: async () => {
      await feed.stop();
      await sequencer.recover();
      await feed.reset();
      // Committed but never published (a crash between the two, or a publish lost in an outage),
      // or a stream made again since the log was last published into it: publish before taking
      // new intents.
      await keeper.takeOver();
      // Portal crossings recorded but not yet arrived: send them again (an arrival applies once).
      await handovers.recover(0);
    },
    resume: () => {
      sequencer.resume();
      feed.start();
    },
  });
  feed.watchReconnects(nc, () => w.active());
  publisher.retryOnReconnect(nc);
  setInterval(() => void (w.active() && keeper.check()), config.STREAM_CHECK_INTERVAL_MS).unref();
  setInterval(() => {
    if (w.active()) void handovers.recover(2000).catch((err) => logger.warn({ err: (err as Error).message }, 'hand-over recovery failed'));
  }, 5000).unref();

  setInterval(() => {
    const stats = sequencer.stats.flush();
    if (stats) logger.info({ stats }, 'sequencer stats (10 s)');
  }, 10_000).unref();
  logger.info({ prefix: t.prefix }, 'sequencer ready');

  // On SIGTERM: the batch in hand is finished and answered, intents not yet decided go back to
  // the queue for the next owner, and committed events go out while NATS is still open. An event
  // that cannot (the stream gone, NATS away) is left to the next owner, which publishes whatever
  // the log holds past the stream (`republishMissing`).
  w.onStop('batch in hand', () => sequencer.handBack(), 2500);
  w.onStop('intake', () => feed.stop(), 500);
  w.onStop('event publishing', () => publisher.flushed(), 1000);
}

main().catch((err: Error) => {
  console.error(`sequencer failed to start: ${err.message}`);
  // A bad setting will not mend itself: a supervisor seeing this code does not restart the app.
  process.exit(err instanceof ConfigError ? CONFIG_EXIT_CODE : 1);
});
