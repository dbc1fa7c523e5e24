// `ops state`: a world as it stood at a seq (or a time), folded from the log with the domain's own
// fold. Its characters, items and chat are in the shape of the snapshot a client is sent at that seq.
import { knownWorld, readSnapshot, table, UsageError, withDb } from './cli.mjs';
import { foldTail, startingPoint, stateView } from './fold.mjs';
import { chatUpTo, head, readEvents, recordedAt, seqAtTime } from './log-queries.mjs';
import { progress } from './progress.mjs';

const PAGE = 5000;

export const stateCommand = {
  name: 'state',
  usage: 'state --world W [--at-seq N | --at-time T] [--chat K] [--json]',
  summary: 'Shows a world as it stood at a seq or a time (default: its head): characters, items, inventories and chat.',
  flags: {
    world: { kind: 'string', value: 'W', help: 'the world (required)' },
    'at-seq': { kind: 'int', value: 'N', help: 'the state right after the event with this seq (0: before any)' },
    'at-time': { kind: 'time', value: 'T', help: 'the state after the last event recorded at or before this time (ISO 8601)' },
    chat: { kind: 'int', value: 'K', default: 50, help: 'chat lines shown, the latest first kept' },
  },
  notes: 'JSON: { world: {id, name, width, height, seq, recordedAt}, characters (online), items, chat, offline }.',
  run,
};

/** The world at `target`: `{ map, seq, state }`, folded a page at a time. */
async function stateAt(ctx, db, worldId, target, bar) {
  const map = knownWorld(ctx, worldId);
  let at = startingPoint(ctx.libs.domain, map);
  for (;;) {
    const page = await readEvents(db, { worldId, after: at.seq, to: target, limit: PAGE });
    if (!page.length) break;
    at = foldTail(ctx.libs.domain, at, page);
    bar?.add(page.length);
    if (page.length < PAGE) break;
  }
  return { map, ...at };
}

async function run(ctx, opts) {
  if (!opts.world) throw new UsageError('state: --world is required');
  const map = knownWorld(ctx, opts.world);
  if (opts.atSeq !== undefined && opts.atTime !== undefined) throw new UsageError('state: give --at-seq or --at-time, not both');
  const view = await withDb(ctx, (db) =>
    readSnapshot(db, async () => {
      const top = await head(db, opts.world);
      const target = opts.atTime !== undefined ? await seqAtTime(db, opts.world, opts.atTime) : (opts.atSeq ?? top);
      if (target > top) throw new UsageError(`state: world ${opts.world} has no seq ${target}: its log ends at seq ${top}`);
      const bar = progress(`state ${opts.world}`, target, { enabled: opts.progress });
      const at = await stateAt(ctx, db, opts.world, target, bar);
      bar.done();
      const chat = opts.chat ? await chatUpTo(db, opts.world, target, opts.chat) : [];
      return stateView(map, at, chat, target ? await recordedAt(db, opts.world, target) : undefined);
    }),
  );
  if (opts.json) return JSON.stringify(view, null, 2);
  return render(view);
}

function render(v) {
  const inv = (c) => c.inventory.map((i) => i.kind).join(', ') || '-';
  const w = v.world;
  const parts = [`world ${w.id} (${w.name}, ${w.width}x${w.height}) at seq ${w.seq}${w.recordedAt ? `, recorded ${w.recordedAt}` : ''}`, ''];
  parts.push(`characters online: ${v.characters.length}`);
  if (v.characters.length) {
    parts.push(table(v.characters.map((c) => ({ id: c.id, name: c.name, at: `${c.x},${c.y}`, facing: c.facing, status: c.away ? 'away' : 'online', inventory: inv(c) }))));
  }
  parts.push('', `characters not online: ${v.offline.length}`);
  if (v.offline.length) {
    parts.push(table(v.offline.map((c) => ({ id: c.id, name: c.name, 'last at': `${c.x},${c.y}`, gone: c.departedTo ? `to ${c.departedTo}` : 'left', inventory: inv(c) }))));
  }
  parts.push('', `items lying: ${v.items.length}`);
  if (v.items.length) parts.push(table(v.items.map((i) => ({ id: i.id, kind: i.kind, at: `${i.x},${i.y}` }))));
  parts.push('', `chat (last ${v.chat.length}):`);
  for (const m of v.chat) parts.push(`  ${m.at.replace('T', ' ').slice(0, 19)}  ${m.from.name}: ${m.text}`);
  return parts.join('\n');
}
