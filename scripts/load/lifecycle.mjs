// The run's clockwork: sleeps that an interrupt cuts short, the periodic housekeeping of the seq
// maps, and the progress line every few seconds.

import { monitorEventLoopDelay } from 'node:perf_hooks';

const PROGRESS_EVERY_MS = 5_000;
const HOUSEKEEPING_EVERY_MS = 1_000;
/** An applied intent's send time is kept this long after its ack, for slow deltas. */
const SENT_RETENTION_MS = 60_000;
/** A delta-covered seq waits this long for the ack that names it, then counts as unmatched. */
const PENDING_RETENTION_MS = 15_000;
/** monitorEventLoopDelay's resolution; its samples include this timer period. */
export const LOOP_RESOLUTION_MS = 10;

/** Resolves after ms, or at once when the run is interrupted (see requestStop). */
export function sleep(run, ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      run.sleepers.delete(done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    run.sleepers.add(done);
  });
}

/**
 * An interrupt (Ctrl-C, SIGTERM): stop sending, close the sockets and report. Wakes every sleep.
 * Returns false when the run was already stopping (a second interrupt: the caller quits at once).
 */
export function requestStop(run) {
  if (run.stopping) return false;
  run.stopping = true;
  run.interrupted = true;
  for (const done of [...run.sleepers]) done();
  return true;
}

/** Forgets old send times and gives up on arrivals whose ack never came; tracks the peak RSS. */
export function housekeeping(run, t = run.now()) {
  for (const w of run.worlds.values()) {
    for (const [q, e] of w.sent) {
      if (t - e.at <= SENT_RETENTION_MS) break;
      w.sent.delete(q);
    }
    for (const [q, p] of w.pending) {
      if (t - p[0] <= PENDING_RETENTION_MS) break;
      run.deltas.unmatchedArrivals += (p.length - 1) / 2;
      w.pending.delete(q);
    }
  }
  const rss = process.memoryUsage().rss;
  if (rss > run.peakRss) run.peakRss = rss;
}

/** At the end: delta arrivals whose seq no ack ever named are unmatched. */
export function flushUnmatched(run) {
  for (const w of run.worlds.values()) {
    for (const p of w.pending.values()) run.deltas.unmatchedArrivals += (p.length - 1) / 2;
    w.pending.clear();
  }
}

export function progressLine(run, lagP99Ms) {
  const { opts, setup, intents, deltas, latency } = run;
  const secs = ((run.now() - run.mono.start) / 1000).toFixed(1).padStart(6);
  const pending = run.sessions.reduce((n, s) => n + s.pending.size, 0);
  return (
    `[${secs}s] ${run.phase.padEnd(7)} live ${setup.live}/${opts.sessions}` +
    (setup.failed ? ` failed ${setup.failed}` : '') +
    ` | sent ${intents.sent} acks ${intents.acked} pending ${pending}` +
    ` | deltas ${deltas.frames} samples ${latency.delta.count}` +
    ` | loop p99 ${lagP99Ms.toFixed(1)} ms`
  );
}

/** Starts housekeeping and the progress line (printed with log); returns the function that stops both. */
export function startClockwork(run, log) {
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const housekeepingTimer = setInterval(() => housekeeping(run), HOUSEKEEPING_EVERY_MS);
  const progressTimer = setInterval(() => {
    const lagP99 = Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS);
    loop.reset();
    log(progressLine(run, lagP99));
  }, PROGRESS_EVERY_MS);
  return () => {
    clearInterval(housekeepingTimer);
    clearInterval(progressTimer);
    loop.disable();
  };
}
