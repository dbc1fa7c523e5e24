// `ops import`: an export (see export.mjs) back into the log of the database DATABASE_URL names,
// for worlds whose log there is empty (it refuses otherwise). One transaction: the rows go in
// through libs/runtime's log/import.ts, the log's chain trigger computing every hash anew, which
// must equal the hash the export carries (an edited export is refused at its first changed event);
// each world is checked whole from 1 to the head the header names; only then is it committed.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Failure, UsageError, withDb } from './cli.mjs';
import { EXPORT_FORMAT, EXPORT_VERSION } from './export.mjs';
import { progress } from './progress.mjs';

const BATCH = 2000;

export const importCommand = {
  name: 'import',
  usage: 'import --in FILE [--world W] [--json]',
  summary: 'Loads an export into this database, whose log must be empty for the worlds imported; all or nothing.',
  flags: {
    in: { kind: 'string', value: 'FILE', help: 'the export to read (- for stdin; required)' },
    world: { kind: 'string', value: 'W', help: "only this world of the file (default: all of the file's)" },
  },
  notes: 'Run `npm run migrate` on a new database first. The projector builds the read models from the imported log once it runs.',
  run,
};

function checkHeader(line) {
  let header;
  try {
    header = JSON.parse(line);
  } catch {
    throw new UsageError('import: line 1 is not JSON: not an export');
  }
  if (header?.format !== EXPORT_FORMAT) throw new UsageError(`import: not an export of the log (format ${JSON.stringify(header?.format)})`);
  if (header.version !== EXPORT_VERSION) throw new UsageError(`import: export format version ${header.version} is not one this command reads (${EXPORT_VERSION})`);
  if (!Array.isArray(header.columns) || typeof header.worlds !== 'object') throw new UsageError('import: the header has no columns or worlds');
  return header;
}

async function run(ctx, opts) {
  if (!opts.in) throw new UsageError('import: --in FILE is required (- for stdin)');
  const input = opts.in === '-' ? process.stdin : createReadStream(opts.in);
  const opened = new Promise((resolve, reject) => (opts.in === '-' ? resolve() : input.once('open', resolve).once('error', reject)));
  await opened.catch((err) => {
    throw new UsageError(`import: cannot read ${opts.in}: ${err.message}`);
  });
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new UsageError('import: the file is empty');
  const header = checkHeader(first.value);
  if (opts.world && !header.worlds[opts.world]) throw new UsageError(`import: the export has no world ${opts.world} (it has ${Object.keys(header.worlds).join(', ') || 'none'})`);
  const worlds = opts.world ? [opts.world] : Object.keys(header.worlds);
  for (const w of worlds) if (!ctx.libs.domain.getWorld(w)) process.stderr.write(`ops: warning: world ${w} is not one this build knows; imported all the same\n`);

  const { runtime } = ctx.libs;
  const summary = await withDb(ctx, async (db) => {
    const log = new runtime.LogReader(db);
    const columns = await runtime.logColumns(db);
    const extra = header.columns.filter((c) => !columns.includes(c));
    if (extra.length) throw new Failure(`import: the export has columns this database's log lacks (${extra.join(', ')}): migrate it first`);
    const missing = columns.filter((c) => !header.columns.includes(c));
    if (missing.length) throw new Failure(`import: the export lacks columns this database's log has (${missing.join(', ')}): it was made by an older version`);
    await db.query('BEGIN');
    try {
      // Nobody appends to these worlds while they are filled (a sequencer started too early waits).
      await runtime.lockForImport(db);
      for (const w of worlds) if ((await log.head(w)) > 0) throw new Failure(`import: refused: world ${w} already has events in this database (its log must be empty)`);
      const counts = await load(runtime, db, lines, new Set(worlds), header, opts);
      for (const w of worlds) {
        const [broken] = await log.breaks(w);
        if (broken) throw new Failure(`import: world ${w} seq ${broken.seq}: ${broken.problem}; nothing imported`);
        const top = await log.head(w);
        if (top !== header.worlds[w].head || counts.get(w) !== header.worlds[w].events) {
          throw new Failure(
            `import: world ${w}: the header says ${header.worlds[w].events} events up to seq ${header.worlds[w].head}, the file had ${counts.get(w) ?? 0} up to ${top}; nothing imported`,
          );
        }
      }
      await db.query('COMMIT');
      return { worlds: Object.fromEntries(worlds.map((w) => [w, { head: header.worlds[w].head, events: counts.get(w) }])) };
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
  if (opts.json) return JSON.stringify({ imported: summary.worlds });
  return `imported ${Object.entries(summary.worlds)
    .map(([w, s]) => `${w}: ${s.events} events (1..${s.head})`)
    .join(', ')}`;
}

/**
 * Reads the event lines, inserting those of `worlds` in batches; each world's seqs must run 1, 2,
 * 3…, and each row's hash as the log computes it must be the one the file carries.
 */
async function load(runtime, db, lines, worlds, header, opts) {
  const total = [...worlds].reduce((n, w) => n + header.worlds[w].events, 0);
  const bar = progress('import', total, { enabled: opts.progress });
  const last = new Map();
  let batch = [];
  const flush = async () => {
    if (!batch.length) return;
    const { difference: d } = await runtime.importRows(db, batch);
    if (d) {
      throw new Failure(
        `import: refused: world ${d.worldId} seq ${d.seq}: the export carries ${d.field} ${d.carried ?? '(none)'} but the log computes ${d.computed ?? '(none)'} for the event: the file was changed after its export; nothing imported`,
      );
    }
    bar.add(batch.length);
    batch = [];
  };
  for (let n = 2, line = await lines.next(); !line.done; n++, line = await lines.next()) {
    if (!line.value.trim()) continue;
    let row;
    try {
      row = JSON.parse(line.value);
    } catch {
      throw new UsageError(`import: line ${n} is not JSON`);
    }
    if (!worlds.has(row.world_id)) {
      if (!(row.world_id in header.worlds)) throw new UsageError(`import: line ${n}: world ${row.world_id} is not in the header`);
      continue;
    }
    const expected = (last.get(row.world_id) ?? 0) + 1;
    if (row.seq !== expected) throw new Failure(`import: line ${n}: world ${row.world_id} seq ${row.seq} where ${expected} was due; nothing imported`);
    last.set(row.world_id, row.seq);
    batch.push(line.value);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  bar.done();
  return last;
}
