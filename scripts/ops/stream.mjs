// The EVENTS stream as the operator command reads and refills it: the subject, envelope, headers
// and msgID are the sequencer's (apps/sequencer/src/event-publisher.ts), so what is published here
// is what the sequencer would have published.
import { createRequire } from 'node:module';
import { Failure, safeUrl } from './cli.mjs';

const require = createRequire(import.meta.url);

export async function withNats(ctx, fn) {
  const { runtime } = ctx.libs;
  const { jetstream, jetstreamManager } = require('@nats-io/jetstream');
  let nc;
  try {
    nc = await runtime.connectNats(ctx.config.NATS_URL, 'tilemud-ops');
  } catch (err) {
    throw new Failure(`cannot connect to NATS at ${safeUrl(ctx.config.NATS_URL)}: ${err.message}`);
  }
  try {
    const t = runtime.topology(ctx.config.NATS_PREFIX);
    return await fn({ nc, js: jetstream(nc), jsm: await jetstreamManager(nc), t });
  } finally {
    await nc.close().catch(() => undefined);
  }
}

/** The EVENTS stream's info, or a Failure saying it is missing. */
export async function eventsStreamInfo(ctx, nats) {
  try {
    return await nats.jsm.streams.info(nats.t.eventsStream);
  } catch (err) {
    if (ctx.libs.runtime.isNotFound(err)) throw new Failure(`the EVENTS stream ${nats.t.eventsStream} does not exist (a sequencer makes it at start)`);
    throw err;
  }
}

/**
 * Publishes log events in order, pipelined 500 at a time, as the sequencer does: msgID
 * `worldId:seq`, and the trace id the log keeps in `Tilemud-Trace-Id`. Resolves with each one's
 * ack (`duplicate`: the stream's duplicate window already has that msgID). `suffix` makes the
 * msgIDs new (for events the window remembers though the stream lost them).
 */
export async function publishEvents(ctx, nats, events, suffix = '') {
  const { headers } = require('@nats-io/transport-node');
  const acks = [];
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500);
    acks.push(
      ...(await Promise.all(
        batch.map((e) => {
          const h = headers();
          if (e.traceId) h.set(ctx.libs.runtime.HEADER_TRACE_ID, e.traceId);
          return nats.js.publish(nats.t.eventSubject(e.worldId), JSON.stringify(ctx.libs.runtime.envelopeOf(e)), { msgID: `${e.worldId}:${e.seq}${suffix}`, headers: h });
        }),
      )),
    );
  }
  return acks;
}

/**
 * Every message the stream holds for a world's subject, in stream order, from `since` (a time:
 * messages stored before it are skipped) on: `onMessage({ streamSeq, envelope })` for each, the
 * envelope parsed (undefined when it is not JSON). Read with an ordered consumer, which the server
 * forgets by itself; it ends at the subject's last message, or when a pull of 5 s brings nothing.
 */
export async function scanWorld(ctx, nats, worldId, since, onMessage) {
  const { DeliverPolicy } = require('@nats-io/jetstream');
  const subject = nats.t.eventSubject(worldId);
  let last;
  try {
    last = await nats.jsm.streams.getMessage(nats.t.eventsStream, { last_by_subj: subject });
  } catch (err) {
    if (ctx.libs.runtime.isNoMessage(err) || ctx.libs.runtime.isNotFound(err)) return;
    throw err;
  }
  if (!last) return;
  const options = since ? { filter_subjects: subject, opt_start_time: since } : { filter_subjects: subject, deliver_policy: DeliverPolicy.All };
  const consumer = await nats.js.consumers.get(nats.t.eventsStream, options);
  for (;;) {
    const msgs = await consumer.fetch({ max_messages: 1000, expires: 5000 });
    let got = 0;
    for await (const m of msgs) {
      got++;
      let envelope;
      try {
        envelope = m.json();
      } catch {
        envelope = undefined;
      }
      onMessage({ streamSeq: m.seq, envelope });
      if (m.seq >= last.seq || m.info.pending === 0) {
        await consumer.delete().catch(() => undefined);
        return;
      }
    }
    // Nothing more from the start time on (the subject's last message is older than it).
    if (!got) {
      await consumer.delete().catch(() => undefined);
      return;
    }
  }
}

/** Key-sorted JSON: jsonb reorders an object's keys, so the log's and the stream's copies compare by this. */
export function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Where a stream envelope differs from the log's (`want`, envelopeOf the logged event): the first field that does, or undefined. */
export function envelopeDiff(envelope, want) {
  if (!envelope) return 'the message is not JSON';
  for (const k of ['worldId', 'seq', 'type', 'characterId', 'intentSeq']) if (envelope[k] !== want[k]) return `${k}: stream ${JSON.stringify(envelope[k])}, log ${JSON.stringify(want[k])}`;
  if (new Date(envelope.recordedAt).getTime() !== new Date(want.recordedAt).getTime()) return `recordedAt: stream ${envelope.recordedAt}, log ${want.recordedAt}`;
  if (canonical(envelope.data) === canonical(want.data)) return undefined;
  const [a, b] = [envelope.data ?? {}, want.data ?? {}];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => canonical(a[k]) !== canonical(b[k]))
    .map((k) => `data.${k}: stream ${canonical(a[k]) ?? '(none)'}, log ${canonical(b[k]) ?? '(none)'}`)
    .join('; ');
}
