// `ops verify`: checks the deployment's event log and what is derived from it, and names the first
// bad world and seq (exit 1) or says it is clean (exit 0):
//   log          every world's log gapless from seq 1 to its head
//   checkpoints  no projection checkpoint ahead of its world's head
//   stream       the EVENTS stream holds every event of each world's last N seqs, equal to the log's
//   read-model   the read models equal the projector's fold of the log up to each checkpoint
import { readSnapshot, table, withDb } from './cli.mjs';
import { firstGap, worldHeads } from './log-queries.mjs';
import { progress } from './progress.mjs';
import { checkpoints, compareReadModels, expectedReadModels, PROJECTION, storedReadModels } from './verify-read-models.mjs';
import { checkStream } from './verify-stream.mjs';
import { eventsStreamInfo, withNats } from './stream.mjs';

const CHECKS = ['log', 'checkpoints', 'stream', 'read-model'];
/** Problems listed per check and world; the rest are counted. */
const SHOWN = 10;

export const verifyCommand = {
  name: 'verify',
  usage: 'verify [--stream-last N|all] [--skip-read-models] [--json]',
  summary: 'Checks every world: log gapless, checkpoints not ahead, EVENTS stream holding the log, read models equal to a fold of the log.',
  flags: {
    'stream-last': { kind: 'int-or-all', value: 'N|all', default: 10000, help: "check the stream for each world's last N seqs (0: skip the stream)" },
    'skip-read-models': { kind: 'bool', help: 'do not fold the log to compare the read models' },
  },
  notes: 'Exit 0: clean. Exit 1: problems, the first named as `world W seq S`. The log, the checkpoints and the read models are read in one snapshot of the database; the stream after it.',
  run,
};

async function run(ctx, opts) {
  const problems = [];
  const worlds = new Map();
  await withDb(ctx, async (db) => {
    await readSnapshot(db, async () => {
      for (const w of await worldHeads(db)) {
        worlds.set(w.worldId, { worldId: w.worldId, head: w.head, events: w.events, checkpoint: null, stream: null });
        const gap = await firstGap(db, w.worldId);
        if (gap) problems.push({ check: 'log', worldId: w.worldId, seq: gap.missing, message: `seq ${gap.missing} is missing from the log (the next is ${gap.found})` });
      }
      const cps = await checkpoints(db);
      for (const cp of cps) {
        const w = worlds.get(cp.worldId);
        if (cp.projection === PROJECTION && w) w.checkpoint = cp.seq;
        const top = w?.head ?? 0;
        if (cp.seq > top) problems.push({ check: 'checkpoints', worldId: cp.worldId, seq: top + 1, message: `checkpoint ${cp.projection} is at seq ${cp.seq} but the log ends at seq ${top}` });
      }
      if (!opts.skipReadModels) {
        const targets = [...worlds.values()].map((w) => ({ worldId: w.worldId, to: Math.min(w.checkpoint ?? 0, w.head) }));
        const bar = progress('verify read models', targets.reduce((n, t) => n + t.to, 0), { enabled: opts.progress });
        const expected = await expectedReadModels(db, targets, bar);
        bar.done();
        problems.push(...compareReadModels(await storedReadModels(db), expected));
      }
    });
    if (opts.streamLast !== 0 && worlds.size) {
      await withNats(ctx, async (nats) => {
        const info = await eventsStreamInfo(ctx, nats).catch((err) => {
          // A missing stream is a finding about every world, not a reason to report nothing.
          for (const w of worlds.values()) problems.push({ check: 'stream', worldId: w.worldId, seq: null, message: err.message });
        });
        if (!info) return;
        const maxAgeMs = info.config.max_age ? info.config.max_age / 1e6 : Number.MAX_SAFE_INTEGER;
        for (const w of worlds.values()) {
          const r = await checkStream(ctx, db, nats, w, opts.streamLast, maxAgeMs, opts.progress);
          w.stream = r.counts;
          problems.push(...r.problems);
        }
      });
    }
  });
  const sorted = sortProblems(problems);
  const first = sorted[0];
  const report = {
    ok: !first,
    first: first ? { check: first.check, worldId: first.worldId, seq: first.seq, message: first.message } : null,
    worlds: [...worlds.values()],
    problems: sorted,
  };
  const text = opts.json ? JSON.stringify(report, null, 2) : render(report, opts);
  process.stdout.write(`${text}\n`);
  return first ? 1 : 0;
}

/** By check (in the order above), then world, then seq: the first is the one to look at first. */
function sortProblems(problems) {
  const order = (p) => CHECKS.indexOf(p.check);
  return [...problems].sort((a, b) => order(a) - order(b) || a.worldId.localeCompare(b.worldId) || (a.seq ?? Infinity) - (b.seq ?? Infinity));
}

function render(report, opts) {
  const rows = report.worlds.map((w) => {
    const bad = (check) => report.problems.some((p) => p.worldId === w.worldId && p.check === check);
    return {
      world: w.worldId,
      head: String(w.head),
      log: bad('log') ? 'GAP' : 'gapless',
      checkpoint: w.checkpoint === null ? '-' : `${w.checkpoint}${bad('checkpoints') ? ' AHEAD' : ''}`,
      stream: w.stream ? `${w.stream.held}/${w.stream.checked} of ${w.stream.from}..${w.stream.to}${bad('stream') ? ' BAD' : ''}` : opts.streamLast === 0 ? 'skipped' : bad('stream') ? 'BAD' : '-',
      'read models': opts.skipReadModels ? 'skipped' : bad('read-model') ? 'DIFFER' : 'equal',
    };
  });
  const lines = [rows.length ? table(rows) : 'the log has no events'];
  const shown = new Map();
  for (const p of report.problems) {
    const key = `${p.check}/${p.worldId}`;
    shown.set(key, (shown.get(key) ?? 0) + 1);
    if (shown.get(key) <= SHOWN) lines.push(`  ${p.check}: world ${p.worldId}${p.seq === null ? '' : ` seq ${p.seq}`}: ${p.message}`);
  }
  for (const [key, n] of shown) if (n > SHOWN) lines.push(`  ${key}: … and ${n - SHOWN} more`);
  const f = report.first;
  lines.push(f ? `verify: FAILED, ${report.problems.length} problem(s); first: world ${f.worldId}${f.seq === null ? '' : ` seq ${f.seq}`} (${f.check}): ${f.message}` : 'verify: OK');
  return lines.join('\n');
}
