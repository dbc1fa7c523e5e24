// `ops republish`: refills the EVENTS stream from the log for a world and a seq range, on demand
// (what the sequencer does at start). Only the events the stream does not hold are published,
// the sequencer's way (msgID worldId:seq). A message deleted from the stream keeps its msgID in
// the stream's duplicate window (10 min), which would drop the copy as a duplicate: such events
// are published once more under a msgID of their own (worldId:seq:republish-<time>). Events are
// read in today's shape (through the domain's upcasters), as the sequencer republishes them.
import { knownWorld, table, UsageError, withDb } from './cli.mjs';
import { progress } from './progress.mjs';
import { eventsStreamInfo, publishEvents, scanWorld, withNats } from './stream.mjs';

const PAGE = 5000;
/** The stream is read from this long before the first event's time (clocks of two machines). */
const CLOCK_MARGIN_MS = 10 * 60_000;

export const republishCommand = {
  name: 'republish',
  usage: 'republish [--world W] [--from N] [--to M] [--json]',
  summary: 'Publishes on the EVENTS stream the logged events it lacks, for a world (default: every world) and a seq range.',
  flags: {
    world: { kind: 'string', value: 'W', help: 'only this world' },
    from: { kind: 'int', min: 1, value: 'N', help: 'first seq (default 1)' },
    to: { kind: 'int', min: 1, value: 'M', help: "last seq (default: the world's head)" },
  },
  notes: 'Consumers take a refilled event in stream order, after newer ones: the projector compares it with the log and moves on.',
  run,
};

async function run(ctx, opts) {
  if (opts.world) knownWorld(ctx, opts.world);
  if (opts.from && opts.to && opts.from > opts.to) throw new UsageError(`republish: --from ${opts.from} is past --to ${opts.to}`);
  if (!opts.world && (opts.from || opts.to)) throw new UsageError('republish: --from and --to need --world');
  const results = await withDb(ctx, (db) =>
    withNats(ctx, async (nats) => {
      await eventsStreamInfo(ctx, nats);
      const log = new ctx.libs.runtime.LogReader(db);
      const worlds = opts.world ? [{ worldId: opts.world, head: await log.head(opts.world) }] : await log.summaries();
      const out = [];
      for (const w of worlds) {
        const to = Math.min(opts.to ?? w.head, w.head);
        const from = opts.from ?? 1;
        if (opts.world && opts.from > w.head) throw new UsageError(`republish: world ${w.worldId}'s log ends at seq ${w.head}`);
        out.push(await refill(ctx, log, nats, w.worldId, from, to, opts));
      }
      return out;
    }),
  );
  if (opts.json) return JSON.stringify({ worlds: results });
  const rows = results.map((r) => ({
    world: r.worldId,
    seqs: r.to >= r.from ? `${r.from}..${r.to}` : '-',
    'in stream': String(r.held),
    published: String(r.published),
    'under a new msgID': String(r.renamed),
  }));
  const total = results.reduce((n, r) => n + r.published, 0);
  return `${table(rows)}\n${total ? `published ${total} events` : 'the stream held every event of the range: nothing published'}`;
}

async function refill(ctx, log, nats, worldId, from, to, opts) {
  const result = { worldId, from, to, held: 0, published: 0, renamed: 0 };
  if (to < from) return result;
  const [first] = await log.eventsAt(worldId, [from]);
  const since = first ? new Date(new Date(first.recordedAt).getTime() - CLOCK_MARGIN_MS).toISOString() : undefined;
  const held = new Set();
  const scan = progress(`scan stream ${worldId}`, to - from + 1, { enabled: opts.progress, unit: 'messages' });
  await scanWorld(ctx, nats, worldId, since, ({ envelope }) => {
    const seq = envelope?.seq;
    if (Number.isInteger(seq) && seq >= from && seq <= to) {
      held.add(seq);
      scan.add(1);
    }
  });
  scan.done();
  result.held = held.size;
  const bar = progress(`republish ${worldId}`, to - from + 1, { enabled: opts.progress });
  const suffix = `:republish-${Date.now().toString(36)}`;
  for (let after = from - 1; after < to;) {
    const page = await log.eventsAfter(worldId, after, { upTo: to, limit: PAGE });
    if (!page.length) break;
    const missing = page.filter((e) => !held.has(e.seq));
    const acks = await publishEvents(ctx, nats, missing);
    const remembered = missing.filter((_, i) => acks[i].duplicate);
    if (remembered.length) {
      const again = await publishEvents(ctx, nats, remembered, suffix);
      result.renamed += again.filter((a) => !a.duplicate).length;
    }
    result.published += missing.length;
    bar.add(page[page.length - 1].seq - after);
    after = page[page.length - 1].seq;
  }
  bar.done();
  return result;
}
