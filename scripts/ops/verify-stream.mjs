// verify's stream check: the EVENTS stream holds every log event of a world's last N seqs (those
// it should still hold: younger than the stream's max age, older than a few seconds), each equal
// to the log's (read in today's shape, as the sequencer publishes it), and nothing past the log's
// head (a log that lost its tail, or was truncated).
import { progress } from './progress.mjs';
import { envelopeDiff, scanWorld } from './stream.mjs';

const PAGE = 5000;
/** The stream is read from this long before the first event's time (clocks of two machines). */
const CLOCK_MARGIN_MS = 10 * 60_000;
/**
 * The sequencer publishes in seq order: a seq missing below the highest one the stream holds is a
 * hole; one above it may still be on its way, and counts as missing only once this old.
 */
const IN_FLIGHT_MS = 10_000;

/**
 * Checks one world (`{ worldId, head }` from the log) with `log`, a LogReader; `last`: how many of
 * its last seqs (`'all'`: all). Problems are `{ check: 'stream', worldId, seq, message }`; `counts`
 * says how many seqs were checked and held; `ahead`, the highest seq the stream holds past the
 * log's head (undefined: none), is a witness of a truncated log.
 */
export async function checkStream(ctx, log, nats, world, last, maxAgeMs, showProgress) {
  const { worldId } = world;
  const from = last === 'all' ? 1 : Math.max(1, world.head - last + 1);
  const problems = [];
  const counts = { from, to: world.head, checked: 0, held: 0 };
  const [first] = world.head >= from ? await log.eventsAt(worldId, [from]) : [];
  const since = last === 'all' || !first ? undefined : new Date(new Date(first.recordedAt).getTime() - CLOCK_MARGIN_MS).toISOString();
  const copies = new Map();
  let ahead;
  let highest = 0;
  const bar = progress(`verify stream ${worldId}`, Math.max(0, world.head - from + 1), { enabled: showProgress, unit: 'messages' });
  await scanWorld(ctx, nats, worldId, since, ({ streamSeq, envelope }) => {
    const seq = envelope?.seq;
    if (!Number.isInteger(seq)) {
      problems.push({ check: 'stream', worldId, seq: null, message: `stream message ${streamSeq} on the world's subject is not an event envelope` });
      return;
    }
    highest = Math.max(highest, seq);
    if (seq >= from && seq <= world.head) {
      copies.set(seq, [...(copies.get(seq) ?? []), envelope]);
      bar.add(1);
    }
  });
  bar.done();
  // The log may have grown since it was read: only a seq past its head now is one it lacks.
  if (highest > world.head) {
    const now = await log.head(worldId);
    if (highest > now) {
      ahead = highest;
      problems.push({ check: 'stream', worldId, seq: now + 1, message: `the stream holds seqs up to ${highest} but the log ends at seq ${now}: the log lost events the stream has` });
    }
  }
  const oldest = Date.now() - maxAgeMs + 60_000;
  const youngest = Date.now() - IN_FLIGHT_MS;
  for (let after = from - 1; after < world.head;) {
    const page = await log.eventsAfter(worldId, after, { upTo: world.head, limit: PAGE });
    if (!page.length) break;
    for (const e of page) {
      const held = copies.get(e.seq);
      const t = new Date(e.recordedAt).getTime();
      if (!held) {
        if (t >= oldest && (e.seq < highest || t <= youngest)) problems.push({ check: 'stream', worldId, seq: e.seq, message: `the stream lacks seq ${e.seq} (${e.type})` });
        continue;
      }
      counts.checked++;
      counts.held++;
      for (const envelope of held) {
        const d = envelopeDiff(envelope, ctx.libs.runtime.envelopeOf(e));
        if (d) problems.push({ check: 'stream', worldId, seq: e.seq, message: `the stream's copy of seq ${e.seq} differs from the log: ${d}` });
      }
    }
    counts.checked += page.filter((e) => !copies.has(e.seq)).length;
    after = page[page.length - 1].seq;
  }
  return { problems, counts, ahead };
}
