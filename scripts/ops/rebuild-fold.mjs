// `ops rebuild`, the fold: the log read in large pages through libs/runtime's LogReader (several
// pages in flight on connections of their own, so PostgreSQL renders the next ones while this
// process folds the current one) and folded in memory by the projector's own pure fold
// (apps/projector/src/read-model.ts, built): the rows the shadow tables get are the rows the live
// projector would have written, page after page instead of batch after batch.
import { createRequire } from 'node:module';
import { Failure } from './cli.mjs';

const require = createRequire(import.meta.url);

export function projectorFold() {
  try {
    return require('../../apps/projector/dist/read-model.js');
  } catch (err) {
    throw new Error(`cannot load the projector's fold (run npm run build first): ${err.message}`);
  }
}

/** PostgreSQL's timestamptz text as it comes: the reader makes its ISO string from it (saves a Date parse per event). */
const TIMESTAMPTZ = 1184;

/** `count` connections for reading the log, each with its LogReader. */
export async function openReaders(ctx, count) {
  const { pg, runtime } = ctx.libs;
  const types = { getTypeParser: (oid, format) => (oid === TIMESTAMPTZ ? (v) => v : pg.types.getTypeParser(oid, format)) };
  const clients = [];
  try {
    for (let i = 0; i < count; i++) {
      const c = new pg.Client({ connectionString: ctx.config.DATABASE_URL, types });
      c.on('error', () => undefined);
      clients.push(c);
      await c.connect();
    }
  } catch (err) {
    await closeReaders(clients);
    throw new Failure(`cannot connect to PostgreSQL: ${err.message}`);
  }
  return { readers: clients.map((c) => new runtime.LogReader(c)), close: () => closeReaders(clients) };
}

async function closeReaders(clients) {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
}

/**
 * Calls `onPage(envelopes)` for a world's events after `from` up to `to`, in seq order, `size` at a
 * time, with one page in flight per reader. A page that is not exactly its seq range (a hole in
 * the log, or a checkpoint past its end) stops the rebuild: nothing is built over a hole.
 */
export async function readRange(ctx, readers, worldId, from, to, size, onPage) {
  const inFlight = [];
  let next = from;
  let turn = 0;
  const launch = () => {
    if (next >= to) return;
    const after = next;
    const upTo = Math.min(to, after + size);
    next = upTo;
    const page = readers[turn++ % readers.length].eventsAfter(worldId, after, { upTo, limit: upTo - after });
    page.catch(() => undefined); // awaited in order below; one failing first must not go unhandled
    inFlight.push({ after, upTo, page });
  };
  for (let i = 0; i < readers.length; i++) launch();
  while (inFlight.length) {
    const { after, upTo, page } = inFlight.shift();
    const events = await page;
    if (events.length !== upTo - after || events[0]?.seq !== after + 1 || events[events.length - 1]?.seq !== upTo) {
      throw new Failure(`world ${worldId}: the log does not hold every seq from ${after + 1} to ${upTo} (run npm run ops -- verify); nothing was swapped`);
    }
    // The next page goes to the reader this one freed: `readers.length` stay in flight.
    launch();
    onPage(events.map(ctx.libs.runtime.envelopeOf));
  }
}

/**
 * The shadow in memory: every character row, and per world its items, its last chat lines and
 * its seq. `touched` collects what changed since it was last emptied (what the shadow tables need).
 */
export function emptyShadow() {
  return { characters: new Map(), items: new Map(), chat: new Map(), worlds: new Map(), touched: { characters: new Set(), worlds: new Set() } };
}

/** Folds one page of one world's events (in seq order, right after what the shadow holds of it). */
export function foldPage(fold, shadow, worldId, envelopes) {
  if (!envelopes.length) return;
  const rows = fold.foldEvents((id) => shadow.characters.get(id), envelopes);
  for (const r of rows.characters) {
    shadow.characters.set(r.id, r);
    shadow.touched.characters.add(r.id);
  }
  let items = shadow.items.get(worldId);
  if (!items) shadow.items.set(worldId, (items = new Map()));
  for (const [id, item] of rows.items) {
    if (item) items.set(id, item);
    else items.delete(id);
  }
  const chat = [...(shadow.chat.get(worldId) ?? []), ...rows.chat];
  shadow.chat.set(worldId, chat.slice(-fold.CHAT_KEEP));
  const last = envelopes[envelopes.length - 1];
  shadow.worlds.set(worldId, { world_id: worldId, seq: last.seq, updated_at: last.recordedAt });
  shadow.touched.worlds.add(worldId);
}
