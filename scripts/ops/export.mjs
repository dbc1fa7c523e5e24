// `ops export`: a world's log (or every world's) as NDJSON. Line 1 is a header (format, version,
// the log's columns, each world's head and count); then one line per event, every column of its
// row (as PostgreSQL's to_jsonb renders it: timestamps at full precision; version, prev_hash and
// hash, the chain as "\\x…" hex, which import checks), world by world in seq order. All of it is
// read in one snapshot of the database, through the log reader of libs/runtime.
import { createWriteStream } from 'node:fs';
import { knownWorld, readSnapshot, UsageError, withDb, writer } from './cli.mjs';
import { progress } from './progress.mjs';

export const EXPORT_FORMAT = 'tilemud-action-events';
export const EXPORT_VERSION = 1;
const PAGE = 5000;

export const exportCommand = {
  name: 'export',
  usage: 'export [--world W] [--out FILE] [--json]',
  summary: "Writes a world's log (default: every world's) as NDJSON: a header line, then one line per event.",
  flags: {
    world: { kind: 'string', value: 'W', help: 'only this world' },
    out: { kind: 'string', value: 'FILE', help: 'write to this file (default: stdout; the summary then goes to stderr)' },
  },
  notes: `Header: {"format":"${EXPORT_FORMAT}","version":${EXPORT_VERSION},"exportedAt","columns":[…],"worlds":{"<id>":{"head","events"}}}.`,
  run,
};

async function run(ctx, opts) {
  if (opts.world) knownWorld(ctx, opts.world);
  const file = opts.out ? createWriteStream(opts.out) : undefined;
  const fileDone = file && new Promise((resolve, reject) => file.on('finish', resolve).on('error', reject));
  const out = writer(file ?? process.stdout);
  const { runtime } = ctx.libs;
  const summary = await withDb(ctx, (db) =>
    readSnapshot(db, async () => {
      const log = new runtime.LogReader(db);
      const heads = (await log.summaries()).filter((w) => !opts.world || w.worldId === opts.world);
      if (opts.world && !heads.length) throw new UsageError(`export: world ${opts.world} has no events`);
      const header = {
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        exportedAt: new Date().toISOString(),
        columns: await runtime.logColumns(db),
        worlds: Object.fromEntries(heads.map((w) => [w.worldId, { head: w.head, events: w.events }])),
      };
      await out(`${JSON.stringify(header)}\n`);
      const bar = progress(
        'export',
        heads.reduce((n, w) => n + w.events, 0),
        { enabled: opts.progress },
      );
      for (const w of heads) {
        for (let after = 0; ;) {
          const rows = await log.exportPage(w.worldId, after, PAGE);
          if (!rows.length) break;
          await out(rows.map((r) => `${r.json}\n`).join(''));
          bar.add(rows.length);
          after = rows[rows.length - 1].seq;
        }
      }
      bar.done();
      return { worlds: header.worlds, events: heads.reduce((n, w) => n + w.events, 0), out: opts.out ?? '-' };
    }),
  );
  if (file) {
    file.end();
    await fileDone;
  }
  const text = opts.json
    ? JSON.stringify(summary)
    : `exported ${summary.events} events of ${
        Object.entries(summary.worlds)
          .map(([id, w]) => `${id} (1..${w.head})`)
          .join(', ') || 'no world'
      }${opts.out ? ` to ${opts.out}` : ''}`;
  // With the data on stdout, the summary goes beside it.
  if (file) return text;
  process.stderr.write(`${text}\n`);
  return undefined;
}
