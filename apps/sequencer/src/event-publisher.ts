import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { headers, NatsConnection } from '@nats-io/transport-node';
import { EventEnvelope, HEADER_TRACE_ID, isNoMessage, isNoStream, isNotFound, isStoreFailure, Logger, Topology } from '@tilemud/runtime';
import type { EventLog, EventRow } from './event-log';

const RECONNECTED = 'NATS reconnected; publishing again';

function toEnvelope(e: EventRow): EventEnvelope {
  return {
    worldId: e.worldId,
    seq: e.seq,
    type: e.type,
    data: e.payload,
    characterId: e.characterId,
    intentSeq: e.intentSeq,
    recordedAt: e.recordedAt,
  };
}

/**
 * Distributes committed events on the EVENTS stream, in seq order, each with msgID worldId:seq so
 * a retry or a restart never publishes one twice. The log is the truth; this only copies it out.
 */
export class EventPublisher {
  private queue: EventRow[] = [];
  private running = false;
  private readonly idle: Array<() => void> = [];
  /** Fails the publishes waiting for their acks, or ends the wait before a retry (see `retryOnReconnect`). */
  private abandon?: (err: Error) => void;
  /** Ends the pause before the next retry (the stream was just made again). */
  private wake?: () => void;
  /** A publish found no stream to take it (deleted), or a stream that cannot store (broken): see StreamKeeper. */
  onStreamLost?: (broken: boolean) => void;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly t: Topology,
    private readonly log: EventLog,
    private readonly logger: Logger,
  ) {}

  enqueue(events: EventRow[]): void {
    this.queue.push(...events);
    if (!this.running) void this.run();
  }

  /**
   * After a NATS reconnect, the publishes still waiting for their acks are sent again at once:
   * they went out on the dead connection, and would otherwise be retried only once their request
   * timed out (5 s), holding every later event (and so every delta) back until then.
   */
  retryOnReconnect(nc: NatsConnection): void {
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') this.abandon?.(new Error(RECONNECTED));
    })();
  }

  /** Resolves once everything enqueued so far is on the stream. */
  flushed(): Promise<void> {
    return this.running || this.queue.length ? new Promise((r) => this.idle.push(r)) : Promise.resolve();
  }

  private async run(): Promise<void> {
    this.running = true;
    let backoff = 100;
    while (this.queue.length) {
      const batch = this.queue.slice(0, 500);
      // Pipelined: publishes go out together, and the stream keeps their order on one connection.
      const abandoned = new Promise<never>((_, reject) => (this.abandon = reject));
      abandoned.catch(() => undefined);
      const results = await Promise.allSettled(batch.map((e) => Promise.race([this.publishOne(e), abandoned])));
      this.abandon = undefined;
      const firstFailure = results.findIndex((r) => r.status === 'rejected');
      if (firstFailure === -1) {
        this.queue.splice(0, batch.length);
        backoff = 100;
        continue;
      }
      // Keep the failed one and everything after it; msgID dedupe absorbs any that did land. Nothing
      // committed is ever dropped here: through a NATS outage this retries until the stream has it,
      // at most 2 s apart so that events flow again soon after NATS is back.
      this.queue.splice(0, firstFailure);
      const err = (results[firstFailure] as PromiseRejectedResult).reason as Error | undefined;
      if (err?.message === RECONNECTED) {
        backoff = 100;
        continue;
      }
      const noStream = isNoStream(err);
      const broken = isStoreFailure(err);
      this.logger.warn({ err: err?.message, noStream, broken, backoffMs: backoff, waiting: this.queue.length }, 'event publish failed; retrying');
      if (noStream || broken) this.onStreamLost?.(broken);
      await new Promise<void>((r) => {
        this.abandon = () => r(); // a reconnect ends the wait too
        this.wake = r;
        setTimeout(r, backoff);
      });
      this.abandon = undefined;
      this.wake = undefined;
      backoff = Math.min(backoff * 2, 2000);
    }
    this.running = false;
    this.idle.splice(0).forEach((r) => r());
  }

  private async publishOne(e: EventRow): Promise<void> {
    const h = headers();
    // Read back from the log, an event has its trace id but no span id: named, never made into a parent.
    if (e.traceparent) h.set('traceparent', e.traceparent);
    else if (e.traceId) h.set(HEADER_TRACE_ID, e.traceId);
    const ack = await this.js.publish(this.t.eventSubject(e.worldId), JSON.stringify(toEnvelope(e)), { msgID: `${e.worldId}:${e.seq}`, headers: h });
    this.highestStreamSeq = Math.max(this.highestStreamSeq, ack.seq);
  }

  /** The highest EVENTS stream sequence a publish of this process was acked at (a stream made again starts over below it). */
  highestStreamSeq = 0;

  /** Publishes what is waiting now rather than after the pause between retries. */
  retryNow(): void {
    this.wake?.();
  }

  /**
   * Events committed before a crash but never published: whatever the log has past the stream's
   * last. `fromStart`: the whole log (a recreated stream, which may already hold newer events than
   * those it lacks); msgID dedupe drops the ones it has. Published a chunk at a time.
   */
  async republishMissing(worldIds: string[], fromStart = false): Promise<number> {
    let total = 0;
    for (const worldId of worldIds) {
      let after = fromStart ? 0 : await this.lastPublishedSeq(worldId);
      for (;;) {
        const rows = await this.log.eventsAfter(worldId, after);
        if (!rows.length) break;
        this.enqueue(rows);
        total += rows.length;
        after = rows[rows.length - 1]!.seq;
        await this.flushed();
      }
    }
    await this.flushed();
    return total;
  }

  private async lastPublishedSeq(worldId: string): Promise<number> {
    try {
      const m = await this.jsm.streams.getMessage(this.t.eventsStream, { last_by_subj: this.t.eventSubject(worldId) });
      return m ? (m.json<EventEnvelope>().seq ?? 0) : 0;
    } catch (err) {
      if (isNoMessage(err) || isNotFound(err)) return 0;
      throw err;
    }
  }
}
