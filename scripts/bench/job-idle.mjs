// Job idle: a fresh gateway's memory with 0 sessions, then with N idle sessions (authenticated, in
// a world, sending nothing but pings). Two figures per session: the RSS growth read from /proc
// ((RSS with N − RSS with 0) / N: what the machine pays, garbage and allocator slack included), and
// the growth of what is retained (heap + external after a full GC, through the inspector the
// gateway is started with here). Both are read after a full GC, so that garbage not yet collected
// does not count. BENCH_HEAP_SNAPSHOTS=<dir> also writes a heap snapshot at 0 and at N;
// BENCH_IDLE_HOLD_S=<s> keeps the sessions up that long after the reading; BENCH_IDLE_NODE_ARGS
// adds node options to the gateway (e.g. `--cpu-prof --cpu-prof-dir=DIR`).
// The gateway is started afresh first, so the earlier runs' heap does not count.
import path from 'node:path';
import { sleep, spawnChild, stopChild, waitForLine } from './context.mjs';
import { connectInspector, heapSnapshot, inspectorUrl, memoryAfterGc } from './inspector.mjs';
import { cpusFor, pinnedCommand } from './pin.mjs';
import { ROOT, rssBytes, startApp, stopApp } from './system.mjs';

const SETTLE_MS = 3_000;
/**
 * Setting the sessions up is what takes the time: each join is written to everyone already in its
 * world (about N²/18 frame writes for N sessions over nine worlds, at up to 10,000 per world per
 * second), and on a shared 2-core machine that starved the setup to 5–9 sessions per second. The
 * fan-out's own throttle, lowered for this job, merges the joins into fewer frames; an idle
 * session holds nothing for its deltas, so the memory read does not depend on it.
 */
const IDLE_GATEWAY_ENV = { FANOUT_MAX_SENDS_PER_S: '1000' };

/** KiB per session; null when a figure is missing. */
export function kibPerSession(rssZero, rssN, n) {
  if (rssZero === null || rssN === null || rssZero === undefined || rssN === undefined || !n) return null;
  return (rssN - rssZero) / 1024 / n;
}

/** The gateway's memory after a full GC: RSS from /proc, heap and external from the inspector (null without one). */
async function reading(pid, inspector, label) {
  const mem = inspector ? await memoryAfterGc(inspector).catch(() => null) : null;
  const rss = await rssBytes(pid);
  // After the RSS is read: writing a snapshot grows the process.
  if (inspector && process.env.BENCH_HEAP_SNAPSHOTS) await heapSnapshot(inspector, path.join(process.env.BENCH_HEAP_SNAPSHOTS, `gateway-${label}.heapsnapshot`));
  return { rss, heapUsed: mem?.heapUsed ?? null, heapTotal: mem?.heapTotal ?? null, external: mem ? mem.external : null, retained: mem ? mem.heapUsed + mem.external : null };
}

const mib = (b) => (b === null ? '?' : (b / 2 ** 20).toFixed(1));

export async function runIdle(ctx, { system, plan }) {
  const { sessions, worlds } = plan.idle;
  await stopApp(system, 'gateway');
  const extra = process.env.BENCH_IDLE_NODE_ARGS?.split(' ').filter(Boolean) ?? []; // e.g. --cpu-prof
  await startApp(ctx, system, 'gateway', ['--inspect=127.0.0.1:0', ...extra], IDLE_GATEWAY_ENV);
  await sleep(ctx, SETTLE_MS);
  const gateway = system.apps.gateway;
  const url = inspectorUrl(gateway.lines);
  const inspector = url ? await connectInspector(url).catch(() => null) : null;
  if (!inspector) ctx.log('idle: no inspector on the gateway: RSS only, without a GC first');
  try {
    const zero = await reading(gateway.proc.pid, inspector, '0');
    ctx.log(`idle: gateway with 0 sessions, after GC: RSS ${mib(zero.rss)} MiB, heap ${mib(zero.heapUsed)} MiB, external ${mib(zero.external)} MiB; opening ${sessions} idle sessions`);
    const args = [path.join(ROOT, 'scripts', 'bench', 'idle-clients.mjs'), '--url', system.baseUrl, '--sessions', String(sessions), '--worlds', worlds.join(','), '--database-url', system.databaseUrl];
    const onLine = (line) => /^\[\s*[\d.]+s\]/.test(line) && ctx.log(`  idle ${line}`);
    // The first gateway only (system.baseUrl): its memory is the figure.
    const [command, argv] = pinnedCommand(cpusFor(system.pin, 'harness'), process.execPath, args);
    const holder = spawnChild(ctx, 'idle clients', command, argv, { cwd: ROOT, onLine });
    try {
      const line = await waitForLine(ctx, holder, /^idle ready /, 120_000 + sessions * 250, 'idle clients');
      const up = JSON.parse(line.slice('idle ready '.length));
      ctx.log(`idle: ${up.live} up in ${up.seconds?.toFixed(0)} s (${(up.live / up.seconds).toFixed(1)}/s); setup p50 ms ${JSON.stringify(up.setupP50Ms)}`);
      await sleep(ctx, SETTLE_MS);
      const n = await reading(gateway.proc.pid, inspector, String(up.live));
      const kib = kibPerSession(zero.rss, n.rss, up.live);
      const heapKib = kibPerSession(zero.heapUsed, n.heapUsed, up.live);
      const retainedKib = kibPerSession(zero.retained, n.retained, up.live);
      ctx.log(
        `idle: ${up.live} live (${up.failed} failed), after GC: RSS ${mib(n.rss)} MiB (${kib?.toFixed(1)} KiB per session), ` +
          `heap ${mib(n.heapUsed)} MiB (${heapKib?.toFixed(1)} KiB per session), heap + external ${retainedKib?.toFixed(1)} KiB per session`,
      );
      // BENCH_IDLE_HOLD_S=<s>: keep everything up a while, to look at the gateway (/proc/<pid>/smaps).
      if (process.env.BENCH_IDLE_HOLD_S) {
        ctx.log(`idle: holding for ${process.env.BENCH_IDLE_HOLD_S} s (gateway pid ${gateway.proc.pid})`);
        await sleep(ctx, Number(process.env.BENCH_IDLE_HOLD_S) * 1000);
      }
      return {
        sessions: { requested: sessions, live: up.live, failed: up.failed, failures: up.failures, setupSeconds: up.seconds, setupP50Ms: up.setupP50Ms },
        worlds: worlds.length,
        zero,
        withSessions: n,
        rssZeroBytes: zero.rss,
        rssBytes: n.rss,
        kibPerSession: kib,
        heapKibPerSession: heapKib,
        retainedKibPerSession: retainedKib,
      };
    } finally {
      await stopChild(holder, 20_000);
    }
  } finally {
    inspector?.close();
  }
}
