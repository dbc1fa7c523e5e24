import { JsMsg, jetstream } from '@nats-io/jetstream';
import { endSpan, EventEnvelope, EventEnvelopeSchema, injectTrace, IntervalStats, spanFromHeaders, startWorker, withTransaction } from '@tilemud/runtime';
import { headers } from '@nats-io/transport-node';
import { ProjectorConfigSchema } from './config';
import { Projector } from './projector';
import { resetReadModels } from './read-model';

async function main(): Promise<void> {
  const { config, logger, pool, nc, t, onStop } = await startWorker('projector', ProjectorConfigSchema, async ({ logger, pool }) => {
    if (process.argv.includes('--rebuild')) {
      // Operators: drop the read models and fold the whole log again.
      await withTransaction(pool, resetReadModels);
      logger.info('read models dropped; rebuilding from the log');
    }
  });
  const js = jetstream(nc);
  let traceSource: JsMsg | undefined;
  const projector = new Projector(
    pool,
    (frame) => {
      const h = headers();
      h.set('Tilemud-Seq', String(frame.seq));
      if (traceSource) {
        const span = spanFromHeaders('projector.delta', traceSource.headers);
        injectTrace(h, span);
        endSpan(span);
      }
      nc.publish(t.deltaSubject(frame.worldId), JSON.stringify(frame), { headers: h });
    },
    logger,
  );
  await projector.loadCheckpoints();
  const caughtUp = await projector.catchUp();
  logger.info({ events: caughtUp }, 'read models caught up with the log');

  const consumer = await js.consumers.get(t.eventsStream, t.projectorConsumer);
  const messages = await consumer.consume({ max_messages: config.PROJECTOR_MAX_BATCH * 2 });
  logger.info({ prefix: t.prefix }, 'projector ready');

  const stats = new IntervalStats();
  setInterval(() => {
    const s = stats.flush();
    if (s) logger.info({ stats: s }, 'projector stats (10 s)');
  }, 10_000).unref();
  const queue: JsMsg[] = [];
  let draining = false;
  const drain = async () => {
    draining = true;
    while (queue.length) {
      const batch = queue.splice(0, config.PROJECTOR_MAX_BATCH);
      const events: EventEnvelope[] = [];
      for (const m of batch) {
        const parsed = EventEnvelopeSchema.safeParse(safeJson(m));
        if (parsed.success) events.push(parsed.data);
        else {
          logger.warn('poison event terminated');
          m.term();
        }
      }
      const span = spanFromHeaders('projector.project', batch[batch.length - 1]?.headers);
      span.setAttribute('tilemud.events', events.length);
      try {
        traceSource = batch[batch.length - 1];
        const started = performance.now();
        await projector.project(events);
        stats.time('projectMs', performance.now() - started);
        stats.count('batches');
        stats.count('events', events.length);
        batch.forEach((m) => m.ack());
        endSpan(span);
      } catch (err) {
        endSpan(span, err);
        logger.error({ err: (err as Error).message }, 'projection failed; will retry');
        batch.forEach((m) => m.nak(1000));
        await new Promise((r) => setTimeout(r, 1000));
      } finally {
        traceSource = undefined;
      }
    }
    draining = false;
  };

  onStop(() => messages.close());

  for await (const m of messages) {
    queue.push(m);
    if (!draining) void drain();
  }
}

function safeJson(m: JsMsg): unknown {
  try {
    return m.json();
  } catch {
    return undefined;
  }
}

main().catch((err: Error) => {
  console.error(`projector failed to start: ${err.message}`);
  process.exit(1);
});
