import '@tilemud/runtime/dist/instrument'; // first: patches pg, ioredis and http as they load
import { jetstream } from '@nats-io/jetstream';
import { CONFIG_EXIT_CODE, ConfigError, contextFrom, ensureWorldProjectorConsumer, endSpan, HEADER_TRACE_LINKS, injectTrace, linksTo, SpanKind, startSpan, startWorker } from '@tilemud/runtime';
import { headers } from '@nats-io/transport-node';
import { ProjectorConfigSchema } from './config';
import { ProjectionLoop } from './projection-loop';
import { Projector } from './projector';
import { WorldFeeds } from './world-feeds';
import { DeadLetters } from './dead-letters';
import { PROJECTION } from './read-model';
import { Lag, observeProjector } from './projector-metrics';

async function main(): Promise<void> {
  // The in-place rebuild is gone: it emptied the live read models, and a forgotten flag on a standby
  // did so at the next failover. `ops rebuild` builds shadow tables beside the live ones and swaps
  // them in one transaction, and never becomes the projector. Refused as a bad setting (exit 78):
  // a supervisor does not restart it.
  if (process.argv.includes('--rebuild')) {
    throw new ConfigError('--rebuild is gone (it emptied the live read models); run `npm run ops -- rebuild` beside the running projector instead');
  }
  let lag: Lag | undefined;
  const w = await startWorker('projector', ProjectorConfigSchema, undefined, ({ pool }) => (lag = observeProjector(pool, PROJECTION)));
  const { config, logger, pool, nc, t } = w;
  const js = jetstream(nc);
  const projector = new Projector(
    pool,
    (frame) => {
      const h = headers();
      h.set('Tilemud-Seq', String(frame.seq));
      // One span per frame: under the last event's apply span, linking every event's apply span.
      const carried = loop.traceSource?.frameLinks(frame.worldId, frame.prevSeq, frame.seq) ?? [];
      if (carried.length) {
        const span = startSpan('projector.delta', contextFrom(carried[carried.length - 1]), {
          kind: SpanKind.PRODUCER,
          links: linksTo(carried),
          attributes: { 'tilemud.world': frame.worldId, 'tilemud.seq': frame.seq },
        });
        injectTrace(h, span);
        h.set(HEADER_TRACE_LINKS, carried.join(','));
        endSpan(span);
      }
      nc.publish(t.deltaSubject(frame.worldId), JSON.stringify(frame), { headers: h });
    },
    logger,
  );
  const deadLetters = new DeadLetters(pool, logger);
  const loop = new ProjectionLoop(projector, logger, config.PROJECTOR_MAX_BATCH, deadLetters, (worldId) => leases.lost(worldId));
  const feeds = new WorldFeeds(
    js,
    w.jsm,
    t,
    config.PROJECTOR_MAX_BATCH * 2,
    (m) => loop.enqueue(m),
    (worldId) => projector.catchUpWorld(worldId),
    logger,
  );
  // World leases: this process projects its share of the worlds, each world one process at a time.
  const leases = w.leases({
    gained: async (worldId) => {
      // The consumer first (it keeps what is published from now on), then the log up to now: nothing falls between.
      await ensureWorldProjectorConsumer(w.jsm, t, worldId);
      await projector.loadCheckpoint(worldId);
      const caughtUp = await projector.catchUpWorld(worldId);
      feeds.start(worldId);
      logger.info({ worldId, events: caughtUp, checkpoint: projector.checkpoint(worldId) }, 'world read model caught up with the log');
    },
    drain: async (worldId) => {
      await feeds.stop(worldId);
      // Resolves once the batch in hand (which may hold the world's events) has committed; its
      // events still queued are offered again, to the next holder.
      await projector.forget(worldId);
    },
  });
  let paused = Promise.resolve();

  // The role's lock is this process's own (never contended): losing it means PostgreSQL went away.
  await w.run({
    pause: () => {
      loop.pause();
      // Every world drained and its lease left to expire: taken again, at a new epoch, after recovery.
      paused = leases.pause().catch((err: Error) => logger.warn({ err: err.message }, 'worlds not all drained on pause; their leases expire'));
    },
    recover: async () => {
      await paused;
      await loop.idle();
    },
    resume: () => {
      loop.resume();
      leases.start();
    },
  });
  w.keepingUp(() => {
    const worst = lag?.max();
    if (worst && worst.events > config.PROJECTOR_READY_MAX_LAG) {
      return { ok: false, reason: `world ${worst.world} is ${worst.events} events behind its log (PROJECTOR_READY_MAX_LAG ${config.PROJECTOR_READY_MAX_LAG})`, details: { maxLag: worst.events } };
    }
    return { ok: true, details: { maxLag: worst?.events ?? null } };
  });
  feeds.restartOnReconnect(nc);
  // A deleted stream or consumer is healed even when nothing is published.
  setInterval(() => w.active() && feeds.check(), config.STREAM_CHECK_INTERVAL_MS).unref();
  logger.info({ prefix: t.prefix, member: w.member }, 'projector ready');

  setInterval(() => {
    const s = loop.stats.flush();
    if (s) logger.info({ stats: s }, 'projector stats (10 s)');
  }, 10_000).unref();

  // On SIGTERM: the batch in hand commits and is acked; events not yet in a batch are nak'd for
  // the next holder (which catches up from the log in any case, and skips by seq what it has).
  // Then every world is given up and its lease released: the other members take them at their next beat.
  w.onStop(
    'batch in hand',
    async () => {
      loop.pause();
      await loop.idle();
    },
    2500,
  );
  w.onStop('world leases', () => leases.stop(), 1500);
}

main().catch((err: Error) => {
  console.error(`projector failed to start: ${err.message}`);
  // A bad setting will not mend itself: a supervisor seeing this code does not restart the app.
  process.exit(err instanceof ConfigError ? CONFIG_EXIT_CODE : 1);
});
