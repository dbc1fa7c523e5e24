// `ops state`: a world as it stood at a seq (or a time): libs/runtime's stateAt, the nearest stored
// world snapshot at or below it with the log after it folded on by the domain's own fold (what the
// admin time travel shows too). Its characters, items and chat are in the shape of the snapshot a
// client is sent at that seq; it says which snapshot it started from and how many events it folded.
import { knownWorld, readSnapshot, table, UsageError, withDb } from './cli.mjs';
import { progress } from './progress.mjs';
import { stateView } from './state-view.mjs';

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
  notes: 'JSON: { world: {id, name, width, height, seq, recordedAt}, characters (online), items, chat, offline, fold: {fromSnapshot, folded} }.',
  run,
};

async function run(ctx, opts) {
  if (!opts.world) throw new UsageError('state: --world is required');
  const map = knownWorld(ctx, opts.world);
  if (opts.atSeq !== undefined && opts.atTime !== undefined) throw new UsageError('state: give --at-seq or --at-time, not both');
  const { runtime } = ctx.libs;
  const view = await withDb(ctx, (db) =>
    readSnapshot(db, async () => {
      const log = new runtime.LogReader(db);
      const top = await log.head(opts.world);
      const target = opts.atTime !== undefined ? await log.seqAt(opts.world, opts.atTime) : (opts.atSeq ?? top);
      if (target > top) throw new UsageError(`state: world ${opts.world} has no seq ${target}: its log ends at seq ${top}`);
      const bar = progress(`state ${opts.world}`, target, { enabled: opts.progress });
      const at = await runtime.stateAt(db, map, target, { onStart: (from) => bar.setTotal(target - from), onFolded: (n) => bar.add(n) });
      bar.done();
      const chat = opts.chat ? await log.chatUpTo(opts.world, target, opts.chat) : [];
      const [last] = target ? await log.eventsAt(opts.world, [target]) : [];
      return stateView(map, at, chat, last?.recordedAt);
    }),
  );
  if (opts.json) return JSON.stringify(view, null, 2);
  return render(view);
}

function render(v) {
  const inv = (c) => c.inventory.map((i) => i.kind).join(', ') || '-';
  const w = v.world;
  const from = v.fold.fromSnapshot ? `the world snapshot at seq ${v.fold.fromSnapshot}` : 'the empty world (no world snapshot at or below it)';
  const parts = [`world ${w.id} (${w.name}, ${w.width}x${w.height}) at seq ${w.seq}${w.recordedAt ? `, recorded ${w.recordedAt}` : ''}`, `folded ${v.fold.folded} event(s) onto ${from}`, ''];
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
