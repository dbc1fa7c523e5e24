// `ops verify`: checks the deployment's event log and what is derived from it, and names the first
// bad world and seq (exit 1) or says it is clean (exit 0). The checks, in the order problems are
// ranked (verify-report.mjs describes each):
//   guards       action_events refuses UPDATE, DELETE and TRUNCATE, and hashes every insert
//   log          every world's log gapless from seq 1, its hash chain unbroken, every hash its event's
//   truncation   nothing remembers a seq past a world's head (a log that lost its tail proves itself:
//                the checkpoints, the world snapshots and the EVENTS stream name it)
//   checkpoints  no projection checkpoint ahead of its world's head
//   snapshots    no stored world snapshot past its world's head
//   stream       the EVENTS stream holds every event of each world's last N seqs, equal to the log's
//   read-model   the read models equal the projector's fold of the log up to each checkpoint
import { readSnapshot, withDb } from './cli.mjs';
import { progress } from './progress.mjs';
import { checkpoints, compareReadModels, expectedReadModels, PROJECTION, storedReadModels } from './verify-read-models.mjs';
import { guardProblems, render, report, truncations } from './verify-report.mjs';
import { checkStream } from './verify-stream.mjs';
import { eventsStreamInfo, withNats } from './stream.mjs';

export const verifyCommand = {
  name: 'verify',
  usage: 'verify [--stream-last N|all] [--skip-read-models] [--json]',
  summary: 'Checks every world: log gapless and hash-chained, no truncated tail, checkpoints and snapshots not ahead, EVENTS stream holding the log, read models equal to a fold of the log.',
  flags: {
    'stream-last': { kind: 'int-or-all', value: 'N|all', default: 10000, help: "check the stream for each world's last N seqs (0: skip the stream)" },
    'skip-read-models': { kind: 'bool', help: 'do not fold the log to compare the read models' },
  },
  notes:
    'Exit 0: clean. Exit 1: problems, the first named as `world W seq S`. The guards, the log, the checkpoints, the snapshots and the read models are read in one snapshot of the database; the stream after it.',
  run,
};

async function run(ctx, opts) {
  const { runtime } = ctx.libs;
  const problems = [];
  const worlds = new Map();
  /** What remembers seqs of each world: `{ worldId, what, seq }`, checked against its head at the end. */
  const witnesses = [];
  const world = (worldId) => {
    if (!worlds.has(worldId)) worlds.set(worldId, { worldId, head: 0, events: 0, checkpoint: null, snapshot: null, stream: null });
    return worlds.get(worldId);
  };
  await withDb(ctx, async (db) => {
    const log = new runtime.LogReader(db);
    await readSnapshot(db, async () => {
      problems.push(...guardProblems(await runtime.logGuards(db)));
      for (const w of await log.summaries()) Object.assign(world(w.worldId), { head: w.head, events: w.events });
      for (const b of await log.breaks()) problems.push({ check: 'log', worldId: b.worldId, seq: b.seq, message: b.problem });
      for (const cp of await checkpoints(db)) {
        const w = world(cp.worldId);
        if (cp.projection === PROJECTION) w.checkpoint = cp.seq;
        witnesses.push({ worldId: cp.worldId, what: `checkpoint ${cp.projection}`, seq: cp.seq });
        if (cp.seq > w.head)
          problems.push({ check: 'checkpoints', worldId: cp.worldId, seq: w.head + 1, message: `checkpoint ${cp.projection} is at seq ${cp.seq} but the log ends at seq ${w.head}` });
      }
      for (const [worldId, seq] of await new runtime.WorldSnapshots(db).newest()) {
        const w = world(worldId);
        w.snapshot = seq;
        witnesses.push({ worldId, what: 'a world snapshot', seq });
        if (seq > w.head) problems.push({ check: 'snapshots', worldId, seq: w.head + 1, message: `a world snapshot is stored at seq ${seq} but the log ends at seq ${w.head}` });
      }
      if (!opts.skipReadModels) {
        const targets = [...worlds.values()].map((w) => ({ worldId: w.worldId, to: Math.min(w.checkpoint ?? 0, w.head) }));
        const bar = progress(
          'verify read models',
          targets.reduce((n, t) => n + t.to, 0),
          { enabled: opts.progress },
        );
        const expected = await expectedReadModels(ctx, log, targets, bar);
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
          const r = await checkStream(ctx, log, nats, w, opts.streamLast, maxAgeMs, opts.progress);
          w.stream = r.counts;
          if (r.ahead !== undefined) witnesses.push({ worldId: w.worldId, what: 'the EVENTS stream', seq: r.ahead });
          problems.push(...r.problems);
        }
      });
    }
  });
  problems.push(...truncations(worlds, witnesses));
  const out = report(worlds, problems, opts);
  process.stdout.write(`${opts.json ? JSON.stringify(out, null, 2) : render(out, opts)}\n`);
  return out.ok ? 0 : 1;
}
