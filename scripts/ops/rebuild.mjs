// `ops rebuild`: rebuilds the read models from the log with no downtime, never becoming the projector.
//   1. fold   every rebuilt world's log up to the live checkpoint (as it was at the start) in memory,
//             with the projector's own fold, and write the result into shadow tables (rebuild-shadow)
//             while the live read models keep serving and the live projector keeps projecting;
//   2. swap   in ONE transaction holding the read models' swap lock exclusive (every projector batch
//             takes it shared first, so the batch in hand commits before and the next one waits):
//             fold what the projector applied meanwhile, up to its checkpoint now, into the shadow;
//             list the rows where shadow and live differ at that same checkpoint (the drift); replace
//             those live rows by the shadow's. The checkpoints do not move, so the projector goes on
//             from where it was, with the rows of a fold of the log, and its delta chain unbroken.
// Readers (gateways) see the old rows until the commit and the new ones after it: no downtime.
import { Failure, knownWorld, table, withDb } from './cli.mjs';
import { emptyShadow, foldPage, openReaders, projectorFold, readRange } from './rebuild-fold.mjs';
import { createShadow, drift, dropShadow, swapIn, writeShadow, yieldToOtherWorlds } from './rebuild-shadow.mjs';
import { fmtNumber, progress } from './progress.mjs';
import { PROJECTION } from './verify-read-models.mjs';

/** Pages of the log in flight at once, each on a connection of its own. */
const READERS = 3;
/** The longest the swap waits for the projector's batch in hand. */
const LOCK_WAIT = '30s';
/** Drift rows listed (all are counted and repaired). */
const SHOWN = 20;

export const rebuildCommand = {
  name: 'rebuild',
  usage: 'rebuild [--world W] [--page N] [--json] [--progress]',
  summary: 'Rebuilds the read models from the log into shadow tables while the live ones serve, reports the drift, swaps them in one transaction.',
  flags: {
    world: { kind: 'string', value: 'W', help: 'rebuild this world only (default: every world)' },
    page: { kind: 'int', min: 100, default: 20000, help: 'events read per query' },
  },
  notes:
    'Runs beside the live projector (it need not be stopped) and never becomes it. Exit 0: swapped (drift, if any, is listed and repaired). Exit 1: nothing swapped (a hole in the log, another rebuild running). Exit 2: bad input.',
  run,
};

async function run(ctx, opts) {
  if (opts.world !== undefined) knownWorld(ctx, opts.world);
  const fold = projectorFold();
  const lock = fold.READ_MODEL_LOCK;
  return withDb(ctx, async (db) => {
    const { rows } = await db.query("SELECT pg_try_advisory_lock(hashtext('tilemud:rebuild')) AS got");
    if (!rows[0].got) throw new Failure('another rebuild is running (its shadow tables are in use); wait for it');
    const { readers, close } = await openReaders(ctx, READERS);
    try {
      const report = await rebuild(ctx, db, readers, fold, lock, opts);
      return opts.json ? JSON.stringify(report) : render(report);
    } finally {
      await close();
      await dropShadow(db).catch(() => undefined);
    }
  });
}

/** The live checkpoints of the worlds: of `only`, or of every world the log or the checkpoints know. */
async function targets(db, readers, only) {
  const { rows } = await db.query('SELECT world_id, seq::text FROM projection_checkpoints WHERE projection = $1', [PROJECTION]);
  const seqs = new Map(rows.map((r) => [r.world_id, Number(r.seq)]));
  const worlds = only ? [only] : [...new Set([...(await readers[0].worlds()), ...seqs.keys()])].sort();
  return new Map(worlds.map((w) => [w, seqs.get(w) ?? 0]));
}

async function rebuild(ctx, db, readers, fold, lock, opts) {
  const all = opts.world === undefined;
  const shadow = emptyShadow();
  const foldTo = (worldId, from, to, bar) =>
    readRange(ctx, readers, worldId, from, to, opts.page, (page) => {
      foldPage(fold, shadow, worldId, page);
      bar?.add(page.length);
    });

  // 1. The fold, beside the live projector.
  const started = await targets(db, readers, opts.world);
  const total = [...started.values()].reduce((n, s) => n + s, 0);
  const bar = progress('rebuild', total, { enabled: opts.progress });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const [worldId, to] of started) await foldTo(worldId, 0, to, bar);
  const foldMs = performance.now() - t0;
  // This process's own CPU time for the fold: on a busy machine the wall clock says more about the neighbours.
  const cpu = process.cpuUsage(cpu0);
  bar.done();
  await createShadow(db);
  await writeShadow(db, shadow, PROJECTION);
  const builtMs = performance.now() - t0;

  // 2. The swap: one transaction, the projector's batches held off for its length.
  const t1 = performance.now();
  await db.query('BEGIN');
  try {
    // A projector stuck inside a batch (a paused process) must not hold the rebuild forever.
    await db.query(`SET LOCAL lock_timeout = '${LOCK_WAIT}'`);
    await db.query(`SELECT pg_advisory_xact_lock(${lock})`).catch((err) => {
      throw err.code === '55P03' ? new Failure(`the projector held the read models' swap lock for ${LOCK_WAIT} (a batch stuck?); nothing was swapped`) : err;
    });
    await db.query('SET LOCAL lock_timeout = 0');
    const now = await targets(db, readers, opts.world);
    let caughtUp = 0;
    for (const [worldId, to] of now) {
      const from = started.get(worldId) ?? 0;
      if (to < from) throw new Failure(`world ${worldId}: the live checkpoint went back from ${from} to ${to} during the rebuild (read models reset?); nothing was swapped, run it again`);
      await foldTo(worldId, from, to);
      caughtUp += to - from;
    }
    await writeShadow(db, shadow, PROJECTION);
    const worlds = [...now.keys()];
    if (!all) await yieldToOtherWorlds(db, worlds);
    const drifted = await drift(db, worlds, all, PROJECTION);
    const written = await swapIn(db, worlds, all, PROJECTION);
    await db.query('COMMIT');
    const swapMs = performance.now() - t1;
    return {
      worlds: worlds.map((worldId) => ({ worldId, seq: now.get(worldId) })),
      events: total,
      foldMs: Math.round(foldMs),
      eventsPerSecond: foldMs > 0 ? Math.round((total * 1000) / foldMs) : null,
      foldCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      shadowBuiltMs: Math.round(builtMs),
      caughtUp,
      swapMs: Math.round(swapMs),
      rowsWritten: written,
      drift: { rows: drifted.length, byTable: countBy(drifted, (d) => d.table), shown: drifted.slice(0, SHOWN).map(describe) },
    };
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

const countBy = (list, key) => list.reduce((m, x) => ({ ...m, [key(x)]: (m[key(x)] ?? 0) + 1 }), {});

/** A drift row for people: what the live row had that the log's fold has not. */
function describe(d) {
  const what = !d.live
    ? 'missing from the live read model'
    : !d.shadow
      ? "live only: not in the log's fold"
      : Object.keys(d.shadow)
          .filter((k) => JSON.stringify(d.live[k]) !== JSON.stringify(d.shadow[k]))
          .map((k) => `${k}: live ${JSON.stringify(d.live[k])}, log ${JSON.stringify(d.shadow[k])}`)
          .join('; ');
  return { table: d.table, worldId: d.worldId, key: d.key, difference: what };
}

function render(r) {
  const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `rebuilt ${r.worlds.map((w) => `${w.worldId} (seq ${fmtNumber(w.seq)})`).join(', ') || 'nothing (the log is empty)'}`,
    `fold: ${fmtNumber(r.events)} events in ${secs(r.foldMs)} (${fmtNumber(r.eventsPerSecond ?? 0)} events/s, ${secs(r.foldCpuMs)} of CPU); shadow tables written after ${secs(r.shadowBuiltMs)}`,
    `swap: ${fmtNumber(r.caughtUp)} events the projector applied meanwhile folded in, ${fmtNumber(r.rowsWritten)} live rows deleted or inserted, in ${r.swapMs} ms under the read models' lock`,
  ];
  if (!r.drift.rows) return [...lines, 'drift: none (the live read models equaled the fold of the log)'].join('\n');
  const more = r.drift.rows > r.drift.shown.length ? [`(${r.drift.rows - r.drift.shown.length} more)`] : [];
  return [...lines, `drift: ${r.drift.rows} row(s) differed from the fold of the log, now repaired:`, table(r.drift.shown), ...more].join('\n');
}
