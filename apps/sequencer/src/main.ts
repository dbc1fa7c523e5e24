import '@tilemud/runtime/dist/instrument'; // first: patches pg, ioredis and http as they load
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { CONFIG_EXIT_CODE, ConfigError, startWorker, within } from '@tilemud/runtime';
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
  // This process's share of the worlds: each taken is read afresh and consumed, each given up is
  // drained first (the callbacks run only once the role runs, when everything below exists).
  const leases = w.leases({
    gained: async (worldId) => {
      // Another member may have appended since this one last held the world: read it afresh.
      sequencer.dropWorld(worldId);
      // Committed but never published by the world's previous owner (killed between the two), or a
      // stream made again since the world's log was last published into it: published before
      // taking new intents, so the stream keeps the log's order.
      await keeper.takeOver(worldId);
      await feed.open(worldId);
      // Portal crossings recorded but not yet arrived: sent again (an arrival applies once).
      await handovers.recover(0);
    },
    drain: async (worldId) => {
      await feed.close(worldId);
      await sequencer.settled();
      sequencer.dropWorld(worldId);
      // What it committed goes out before the next owner republishes past the stream (a repeat would be dropped by its msgID anyway).
      await within(publisher.flushed(), 1000);
    },
  });
  const sequencer = new Sequencer(nc, t, log, publisher, handovers, logger, {
    maxBatch: config.SEQUENCER_MAX_BATCH,
    failpoint: config.TILEMUD_FAILPOINT,
    snapshotEvery: config.SNAPSHOT_EVERY,
    leases,
  });
  const feed = new IntentFeed(js, jsm, t, sequencer, logger, config.SEQUENCER_PREFETCH);
  // Consumer looks time out fast: one whose node is gone is found within a few checks, not minutes.
  const probe = await jetstreamManager(nc, { timeout: 1500, checkAPI: false });
  const keeper = new StreamKeeper(jsm, t, publisher, feed, new StreamFills(pool), logger, probe);
  gauges?.memoryHeads(() => sequencer.heads());
  w.keepingUp(() => {
    const waitedMs = Math.round(sequencer.waitingMs());
    if (waitedMs > config.SEQUENCER_READY_MAX_WAIT_MS)
      return { ok: false, reason: `the oldest intent in hand has waited ${waitedMs} ms (SEQUENCER_READY_MAX_WAIT_MS ${config.SEQUENCER_READY_MAX_WAIT_MS})`, details: { waitedMs } };
    if (nc.isClosed()) return { ok: false, reason: 'the NATS connection is closed' };
    return { ok: true, details: { waitedMs } };
  });
  publisher.onStreamLost = (broken) => void (w.active() && keeper.check(broken));

  // The member's connection to PostgreSQL lost (an outage), this process pauses: intents still
  // coming in are answered without a decision, and its leases lapse. Back, it reloads and takes
  // its share of the worlds again (at new epochs), each world as the leases hand it over.
  await w.run({
    pause: () => {
      sequencer.pause();
      void leases.pause();
    },
    recover: async () => {
      await leases.pause();
      await feed.closeAll();
      await sequencer.recover();
    },
    resume: () => {
      sequencer.resume();
      leases.start();
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

  // On SIGTERM: every world is drained (no more intake, the batch in hand finished and answered,
  // intents not yet decided back to the queue for the next owner, committed events out while NATS
  // is still open) and its lease released, so the other members take the worlds at their next
  // beat rather than after the lease's time to live. An event that cannot go out (the stream gone,
  // NATS away) is left to the next owner, which publishes whatever the log holds past the stream.
  w.onStop('worlds', () => leases.stop(), 3000);
  w.onStop('batch in hand', () => sequencer.handBack(), 1000);
  w.onStop('intake', () => feed.closeAll(), 500);
  w.onStop('event publishing', () => publisher.flushed(), 1000);
}

main().catch((err: Error) => {
  console.error(`sequencer failed to start: ${err.message}`);
  // A bad setting will not mend itself: a supervisor seeing this code does not restart the app.
  process.exit(err instanceof ConfigError ? CONFIG_EXIT_CODE : 1);
});
