// One load run from start to end: setup, settle, drive, grace, close; returns the report.
// The caller (scripts/load.mjs) parses the options, wires the signals and writes the files.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runDrive, runGrace, settleBeforeDrive } from './drive.mjs';
import { createPlacer } from './placement.mjs';
import { flushUnmatched, housekeeping, LOOP_RESOLUTION_MS, startClockwork } from './lifecycle.mjs';
import { buildReport, countMissingAcks, evaluate } from './report.mjs';
import { closeAll, runSetup } from './setup.mjs';

/** log: where the progress lines go. */
export async function runLoad(run, log = console.log) {
  const { opts, mono, times, now } = run;
  const stopClockwork = startClockwork(run, log);
  log(
    `load: ${opts.sessions} sessions, ${opts.duration} s at ${opts.rate}/s each, chat ${opts.chat}` +
      `${opts.ramp ? `, ramp ${opts.ramp} s` : ''}${opts.worlds ? `, worlds ${opts.worlds.join(',')}` : ''} -> ${opts.url}${opts.smoke ? ' (smoke)' : ''}`,
  );

  run.placer = createPlacer(opts);
  try {
    await runSetup(run);
  } finally {
    await run.placer?.close();
    run.placer = null;
  }
  mono.setupEnd = now();
  times.setupEndedAt = new Date();
  log(`load: setup done in ${((mono.setupEnd - mono.start) / 1000).toFixed(1)} s: ${run.setup.live} live, ${run.setup.failed} failed`);

  let driveCpu = null;
  let driveLoop = null;
  if (run.setup.live > 0) await settleBeforeDrive(run);
  if (run.setup.live > 0 && !run.stopping) {
    driveLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    driveLoop.enable();
    const cpu0 = process.cpuUsage();
    run.phase = 'drive';
    mono.driveStart = now();
    times.driveStartedAt = new Date();
    await runDrive(run);
    mono.driveEnd = now();
    times.driveEndedAt = new Date();
    driveCpu = process.cpuUsage(cpu0);
    driveLoop.disable();
    log(`load: drive done in ${((mono.driveEnd - mono.driveStart) / 1000).toFixed(1)} s`);
    run.phase = 'grace';
    await runGrace(run);
  }
  mono.measureEnd = now();
  times.measureEndedAt = new Date();
  run.phase = 'closing';
  const missingAcks = countMissingAcks(run);
  flushUnmatched(run);

  const closing = await closeAll(run);
  stopClockwork();
  housekeeping(run);
  run.phase = 'done';
  times.endedAt = new Date();

  const report = buildReport(run, { driveCpu, driveLoop, closing, missingAcks });
  report.problems = evaluate(report, opts);
  report.exitCode = run.interrupted ? 130 : report.problems.length ? 1 : 0;
  return report;
}
