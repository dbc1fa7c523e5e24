// Command-line options of scripts/bench.mjs and the plan they make: which jobs run with what sizes.

import { parseArgs } from 'node:util';

export const JOBS = ['tilemud500', 'colyseus500', 'floor', 'spread2000', 'saturation', 'seqsat', 'idle', 'coldstart'];
export const TEN_WORLDS = ['lobby', 'meadow', 'grove', 'dunes', 'marsh', 'harbor', 'quarry', 'orchard', 'tundra', 'canyon'];
/** Roomy worlds for many idle players (the meadow holds fewer than 1,000). */
export const IDLE_WORLDS = ['lobby', 'grove', 'dunes', 'marsh', 'harbor', 'quarry', 'orchard', 'tundra', 'canyon'];

export const USAGE = `TileMUD benchmark suite (issue #16)

usage: npm run bench -- [--quick] [--only NAMES] [--duration S] [--sessions N] [--idle-sessions N]
                        [--gateways N] [--pin]

Starts its own TileMUD (a new database, NATS and Redis prefix; all removed at the end, also on
failure or Ctrl-C), runs the jobs and prints one table: TileMUD, Colyseus and their ratio.

jobs (--only takes a comma-separated list of these; default: all)
  tilemud500    N sessions × 1 intent/s in one world (N = --sessions, default 500)
  colyseus500   the same workload on Colyseus, right after (skipped, with the reason, when it
                cannot be installed)
  floor         the same workload and harness against a server that does nothing but the
                protocol (in memory: intents answered at once, one frame per world every 50,
                20 and 10 ms): the floor this machine and the harness set for any server
  spread2000    2,000 sessions × 1/s over 10 worlds, one gateway/sequencer/projector
  saturation    offered load stepped 1k, 2k, 4k, 6k, 8k, 10k intents/s (1,000 players over 10
                worlds): acked intents/s, ack and delta p99 per step
  seqsat        one sequencer alone: intents published straight to JetStream at 2k, 4k, 6k, 8k,
                10k, 12k intents/s (1,000 players over 10 worlds), no gateway or WebSocket harness
                in the way: answers/s, ack p50/p99 and each process's CPU per step
  idle          gateway memory with N idle sessions (default 10,000) minus with 0, per session,
                after a full GC: RSS, and the JS heap (through the inspector)
  coldstart     sequencer and projector: spawn to ready, with the log the runs above left

options
  --quick             small sizes and short runs (the whole suite in about a minute)
  --only NAMES        run only these jobs
  --duration S        seconds of driving per run (default 20; --quick 4)
  --sessions N        sessions of the one-world runs (default 500; --quick 50)
  --idle-sessions N   sessions of the idle-memory job (default 10000; --quick 200)
  --gateways N        gateway processes (default 1), each on its own port, sharing the worlds
                      through NATS and Redis; the harness spreads its sessions over them round
                      robin (the idle job uses the first only)
  --pin               the load harness on one CPU, the apps the bench starts (sequencer,
                      projector, gateways) on the others (taskset; unpinned, with a note, where
                      it cannot); PostgreSQL, NATS and Redis are not pinned
  --out-dir DIR       where the JSON and SVG go (default reports/)
  -h, --help          this text

Writes reports/bench-<time>.json (every figure) and reports/bench-<time>.svg (ack and delta
p99 against offered load). Exit code 0; 1 when a job failed; 2 on bad arguments; 130 on Ctrl-C.`;

export class UsageError extends Error {}

function int(name, raw, min, max) {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return v;
}

export function stamp(date = new Date()) {
  return date.toISOString().replace(/[:.]/g, '-');
}

/** Parses argv into a plan; null for --help; throws UsageError. */
export function parsePlan(argv, now = new Date()) {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        duration: { type: 'string' },
        sessions: { type: 'string' },
        'idle-sessions': { type: 'string' },
        'out-dir': { type: 'string' },
        gateways: { type: 'string' },
        pin: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UsageError(err.message);
  }
  if (v.help) return null;
  const quick = v.quick === true;
  let only = JOBS;
  if (v.only !== undefined) {
    only = v.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = only.filter((j) => !JOBS.includes(j));
    if (only.length === 0 || unknown.length) throw new UsageError(`--only: unknown job(s) ${unknown.join(', ') || '(none given)'}; jobs: ${JOBS.join(', ')}`);
  }
  const duration = v.duration === undefined ? (quick ? 4 : 20) : int('duration', v.duration, 1, 3600);
  const sessions = v.sessions === undefined ? (quick ? 50 : 500) : int('sessions', v.sessions, 1, 100_000);
  const idleSessions = v['idle-sessions'] === undefined ? (quick ? 200 : 10_000) : int('idle-sessions', v['idle-sessions'], 1, 100_000);
  const gateways = v.gateways === undefined ? 1 : int('gateways', v.gateways, 1, 16);
  const satSessions = quick ? 100 : 1000;
  const offered = quick ? [100, 200, 400] : [1000, 2000, 4000, 6000, 8000, 10_000];
  return {
    quick,
    jobs: JOBS.filter((j) => only.includes(j)),
    stamp: stamp(now),
    outDir: v['out-dir'] ?? 'reports',
    gateways,
    pin: v.pin === true,
    oneWorld: { sessions, duration, rate: 1, chat: 0.1 },
    spread: { name: 'spread2000', sessions: quick ? 200 : 2000, duration, rate: 1, chat: 0.05, worlds: TEN_WORLDS },
    saturation: offered.map((o) => ({
      name: `saturation-${o}`,
      offered: o,
      sessions: satSessions,
      rate: o / satSessions,
      duration: quick ? Math.min(duration, 4) : Math.min(duration, 15),
      chat: 0.05,
      worlds: TEN_WORLDS,
      procs: o >= 4000 ? 2 : 1,
    })),
    seqsat: {
      players: quick ? 100 : 1000,
      worlds: TEN_WORLDS,
      offered: quick ? [200, 400] : [2000, 4000, 6000, 8000, 10_000, 12_000],
      duration: quick ? Math.min(duration, 4) : Math.min(duration, 10),
      grace: quick ? 5 : 15,
    },
    idle: { sessions: idleSessions, worlds: IDLE_WORLDS },
    floor: { frameMs: quick ? [50] : [50, 20, 10] },
  };
}

/** The gateway's MAX_SESSIONS for a plan: room for its largest run, and for stragglers of the one before. */
export function sessionCeiling(plan) {
  return Math.max(plan.idle.sessions, plan.oneWorld.sessions, plan.spread.sessions, ...plan.saturation.map((s) => s.sessions)) + 100;
}
