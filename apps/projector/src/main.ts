import '@tilemud/runtime/dist/instrument'; // first: patches pg, ioredis and http as they load
import { jetstream } from '@nats-io/jetstream';
import { CONFIG_EXIT_CODE, ConfigError, ConsumerLoop, contextFrom, endSpan, HEADER_TRACE_LINKS, injectTrace, linksTo, SpanKind, startSpan, startWorker } from '@tilemud/runtime';
import { headers } from '@nats-io/transport-node';
import { ProjectorConfigSchema } from './config';
import { ProjectionLoop } from './projection-loop';
import { Projector } from './projector';
import { ConsumerHeal } from './consumer-heal';
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
  const loop = new ProjectionLoop(projector, logger, config.PROJECTOR_MAX_BATCH, deadLetters);
  const heal = new ConsumerHeal(w.jsm, t, () => feed, logger);
  const feed = new ConsumerLoop(
    js,
    t.eventsStream,
    t.projectorConsumer,
    { max_messages: config.PROJECTOR_MAX_BATCH * 2 },
    (m) => loop.enqueue(m),
    logger,
    () => void heal.run(true),
  );

  // The same steps take the read models at start, after a standby takes over, and after an outage.
  await w.run({
    pause: (why) => {
      loop.pause();
      // Another process owns the read models: leave the events to it.
      if (why === 'standby') void feed.stop();
    },
    recover: async () => {
      await loop.idle();
      await projector.loadCheckpoints();
      const caughtUp = await projector.catchUp();
      logger.info({ events: caughtUp }, 'read models caught up with the log');
    },
    resume: () => {
      loop.resume();
      feed.start();
    },
  });
  w.keepingUp(() => {
    const worst = lag?.max();
    if (worst && worst.events > config.PROJECTOR_READY_MAX_LAG) {
      return { ok: false, reason: `world ${worst.world} is ${worst.events} events behind its log (PROJECTOR_READY_MAX_LAG ${config.PROJECTOR_READY_MAX_LAG})`, details: { maxLag: worst.events } };
    }
    return { ok: true, details: { maxLag: worst?.events ?? null } };
  });
  // Order does not matter here (gaps are filled from the log): a fresh consume is enough.
  feed.restartOnReconnect(nc);
  // A deleted stream or consumer is healed even when nothing is published.
  setInterval(() => void (w.active() && heal.run(false)), config.STREAM_CHECK_INTERVAL_MS).unref();
  logger.info({ prefix: t.prefix }, 'projector ready');

  setInterval(() => {
    const s = loop.stats.flush();
    if (s) logger.info({ stats: s }, 'projector stats (10 s)');
  }, 10_000).unref();

  // On SIGTERM: the batch in hand commits and is acked; events not yet in a batch are nak'd for
  // the next owner (which catches up from the log in any case, and skips by seq what it has).
  w.onStop(
    'batch in hand',
    async () => {
      loop.pause();
      await loop.idle();
    },
    2500,
  );
  w.onStop('intake', () => feed.stop(), 500);
}

main().catch((err: Error) => {
  console.error(`projector failed to start: ${err.message}`);
  // A bad setting will not mend itself: a supervisor seeing this code does not restart the app.
  process.exit(err instanceof ConfigError ? CONFIG_EXIT_CODE : 1);
});
