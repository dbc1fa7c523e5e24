// `ops events`: a world's log, filtered, as a table or NDJSON; --follow tails it live by polling
// the log (the truth, gapless, in seq order) until interrupted or --to is reached.
import { knownWorld, readSnapshot, table, UsageError, withDb, writer } from './cli.mjs';
import { progress } from './progress.mjs';

const PAGE = 1000;
const FOLLOW_POLL_MS = 250;
const FOLLOW_LAST = 10;

export const eventsCommand = {
  name: 'events',
  usage: 'events --world W [--from N] [--to M] [--character C] [--type T[,T…]] [--follow] [--json]',
  summary: "Lists a world's logged events in seq order: a table, or with --json one event per line (NDJSON).",
  flags: {
    world: { kind: 'string', value: 'W', help: 'the world (required)' },
    from: { kind: 'int', min: 1, value: 'N', help: 'first seq' },
    to: { kind: 'int', min: 1, value: 'M', help: 'last seq' },
    last: { kind: 'int', min: 1, value: 'K', help: 'only the last K seqs up to --to (or the head); the other filters apply within them' },
    character: { kind: 'string', value: 'C', help: 'only events made by or naming this character id' },
    type: { kind: 'string', value: 'T', help: 'only these event types (comma separated)' },
    follow: { kind: 'bool', help: 'keep going: print new events as they are logged (Ctrl-C ends); starts with the last 10 seqs unless --from or --last says' },
  },
  notes: 'NDJSON fields: worldId, seq, type, data (as stored), version (its schema version), characterId, intentSeq, eventIndex, recordedAt, traceId.',
  run,
};

function check(ctx, opts) {
  if (!opts.world) throw new UsageError('events: --world is required');
  knownWorld(ctx, opts.world);
  if (opts.from && opts.to && opts.from > opts.to) throw new UsageError(`events: --from ${opts.from} is past --to ${opts.to}`);
  if (opts.last && opts.from) throw new UsageError('events: give --from or --last, not both');
  if (opts.character && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(opts.character)) {
    throw new UsageError(`events: --character: not a character id (a UUID): ${opts.character}`);
  }
  const types = opts.type ? opts.type.split(',').map((t) => t.trim()) : undefined;
  const known = ctx.libs.domain.WORLD_EVENT_TYPES;
  const unknown = types?.filter((t) => !known.includes(t));
  if (unknown?.length) throw new UsageError(`events: unknown event type ${unknown.join(', ')} (types: ${known.join(', ')})`);
  return types;
}

async function run(ctx, opts) {
  const types = check(ctx, opts);
  if (!opts.follow) return list(ctx, opts, types, { stopped: false });
  // Ctrl-C (or SIGTERM) ends a follow cleanly, from its first moment on: exit 0.
  const state = { stopped: false };
  const stop = () => (state.stopped = true);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await list(ctx, opts, types, state);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function list(ctx, opts, types, state) {
  const out = writer();
  await withDb(ctx, async (db) => {
    // As stored: each event in the version it was written with (the NDJSON says which).
    const log = new ctx.libs.runtime.LogReader(db, { raw: true });
    const top = await log.head(opts.world);
    const to = opts.to ?? (opts.follow ? Number.MAX_SAFE_INTEGER : top);
    // Following with no start given begins as tail -f does: with the last few.
    const last = opts.last ?? (opts.follow && !opts.from ? FOLLOW_LAST : undefined);
    let after = last ? Math.max(0, Math.min(to, top) - last) : (opts.from ?? 1) - 1;
    const filter = { characterId: opts.character, types };
    const bar = progress('events', await log.count(opts.world, after, Math.min(to, top)), { enabled: opts.progress });
    // A table is measured over its rows; past one page (or when following) rows go out as they
    // come, in fixed columns, so a long listing is never held in memory.
    const rows = [];
    let streaming = false;
    const startStreaming = async () => {
      streaming = true;
      await out([COLUMNS, ...rows.splice(0)].map((r) => `${fixed(r)}\n`).join(''));
    };
    if (opts.follow && !opts.json) await startStreaming();
    const emit = async (events) => {
      if (opts.json) return out(events.map((e) => `${JSON.stringify(toLine(e))}\n`).join(''));
      if (streaming) return out(events.map((e) => `${fixed(row(e))}\n`).join(''));
      rows.push(...events.map(row));
      if (rows.length > PAGE) await startStreaming();
    };
    // What is there now, a page at a time, all read at one moment of the log.
    after = await readSnapshot(db, async () => {
      for (;;) {
        const page = await log.eventsAfter(opts.world, after, { ...filter, upTo: Math.min(to, top), limit: PAGE });
        const scanned = page.length ? page[page.length - 1].seq - after : 0;
        if (!page.length) return Math.min(to, top);
        bar.add(scanned);
        await emit(page);
        after = page[page.length - 1].seq;
      }
    });
    bar.done();
    if (!opts.json && !streaming) {
      const cells = rows.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]])));
      await out(cells.length ? `${table(cells, COLUMNS)}\n` : `no events in world ${opts.world}${after ? ` up to seq ${after}` : ''} match\n`);
    }
    if (opts.follow) await follow(log, opts.world, filter, after, to, emit, state);
  });
}

/** Polls the log past `after` until `to` is passed or `state.stopped` (interrupted). */
async function follow(log, worldId, filter, after, to, emit, state) {
  while (!state.stopped && after < to) {
    // The head first, then the events up to it: one logged between two reads is never skipped.
    const top = Math.min(to, await log.head(worldId));
    while (after < top) {
      const page = await log.eventsAfter(worldId, after, { ...filter, upTo: top, limit: PAGE });
      if (page.length) await emit(page);
      after = page.length === PAGE ? page[page.length - 1].seq : top;
    }
    if (!state.stopped && after < to) await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
  }
}

const toLine = (e) => ({
  worldId: e.worldId,
  seq: e.seq,
  type: e.type,
  data: e.payload,
  version: e.version,
  characterId: e.characterId,
  intentSeq: e.intentSeq,
  eventIndex: e.eventIndex,
  recordedAt: e.recordedAt,
  traceId: e.traceId,
});

const COLUMNS = ['seq', 'recorded at', 'type', 'character', 'intent', 'what'];
/** Followed rows come one by one: fixed widths instead of a table's measured ones. */
const WIDTHS = [8, 23, 24, 9, 7];
const fixed = (cells) =>
  cells
    .map((c, i) => (i < WIDTHS.length ? c.padEnd(WIDTHS[i]) : c))
    .join('  ')
    .trimEnd();

function row(e) {
  return [
    String(e.seq),
    e.recordedAt.replace('T', ' ').slice(0, 23),
    e.type,
    e.characterId ? e.characterId.slice(0, 8) : '-',
    e.intentSeq === null ? '-' : `${e.intentSeq}.${e.eventIndex}`,
    summary(e),
  ];
}

/** One short phrase per event type, for the table. */
export function summary({ type, payload: d }) {
  switch (type) {
    case 'world.seeded':
      return `${d.items.length} items`;
    case 'character.entered':
    case 'character.arrived':
      return `${d.name} at ${d.x},${d.y}${type === 'character.arrived' ? ` from ${d.fromWorldId}` : ''}`;
    case 'character.moved':
      return `to ${d.x},${d.y} facing ${d.facing}`;
    case 'chat.posted':
      return `${d.name}: ${d.text.length > 60 ? `${d.text.slice(0, 57)}...` : d.text}`;
    case 'item.picked_up':
    case 'item.dropped':
      return `${d.item.kind} ${d.item.id} at ${d.item.x},${d.item.y}`;
    case 'inventory.item_removed':
      return `${d.item.kind} ${d.item.id} to ${String(d.toCharacterId).slice(0, 8)}`;
    case 'inventory.item_added':
      return `${d.item.kind} ${d.item.id} from ${String(d.fromCharacterId).slice(0, 8)}`;
    case 'character.emoted':
      return d.emote;
    case 'character.departed':
      return `to ${d.toWorldId} (epoch ${d.epoch})`;
    case 'character.session_changed':
      return `session ${String(d.sessionId).slice(0, 8)}`;
    default:
      return '';
  }
}
