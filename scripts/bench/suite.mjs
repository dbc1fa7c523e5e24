// The suite: its own system up, the chosen jobs in order, everything stopped and removed at the
// end (also when a job fails or an interrupt arrives). A failed job is recorded and the next runs.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Interrupted, runCleanups, stopChildren } from './context.mjs';
import { runColdstart } from './job-coldstart.mjs';
import { runColyseus500 } from './job-colyseus500.mjs';
import { runFloor } from './job-floor.mjs';
import { runIdle } from './job-idle.mjs';
import { runSaturation } from './job-saturation.mjs';
import { runSeqsat } from './job-seqsat.mjs';
import { runSpread2000 } from './job-spread2000.mjs';
import { runTilemud500 } from './job-tilemud500.mjs';
import { sessionCeiling } from './options.mjs';
import { resolvePin } from './pin.mjs';
import { startSystem } from './system.mjs';

const JOB_RUNNERS = {
  tilemud500: runTilemud500,
  colyseus500: runColyseus500,
  floor: runFloor,
  spread2000: runSpread2000,
  saturation: runSaturation,
  seqsat: runSeqsat,
  idle: runIdle,
  coldstart: runColdstart,
};
/** Jobs that need no TileMUD system. */
const STANDALONE = new Set(['colyseus500', 'floor']);

/**
 * The layout the plan asks for, as run: gateway processes, and where --pin put what (resolvePin;
 * unpinned with a note where it cannot pin).
 */
export function layoutOf(plan, pin = resolvePin(plan.pin)) {
  return { gateways: plan.gateways ?? 1, pin };
}

/** Answers { results, cleanupProblems, interrupted }. dir: where the harness reports go; layout: layoutOf(plan). */
export async function runSuite(ctx, plan, dir, layout = layoutOf(plan)) {
  const results = {};
  let interrupted = false;
  let cleanupProblems = [];
  try {
    await mkdir(dir, { recursive: true });
    let system = null;
    let systemError = null;
    let early = null;
    if (plan.jobs.some((j) => !STANDALONE.has(j))) {
      try {
        system = await startSystem(ctx, { maxSessions: sessionCeiling(plan), gateways: layout.gateways, pin: layout.pin });
      } catch (err) {
        if (err instanceof Interrupted) throw err;
        systemError = `the bench's TileMUD did not start: ${err.message.split('\n')[0]}`;
        ctx.log(systemError);
      }
    }
    for (const job of plan.jobs) {
      if (!STANDALONE.has(job) && system === null) {
        results[job] = { error: systemError };
        continue;
      }
      const t0 = performance.now();
      try {
        results[job] = await JOB_RUNNERS[job](ctx, { system, plan, dir, layout });
      } catch (err) {
        if (err instanceof Interrupted || ctx.stopping) throw new Interrupted();
        results[job] = { error: err.message };
        ctx.log(`${job} failed: ${err.message}`);
      }
      results[job].seconds = Math.round((performance.now() - t0) / 100) / 10;
      // Cold start is measured twice: here, after the first load, with a short log, and at its
      // place in the order (last, by default) with the log every job left: a start that grows with
      // the log shows as the difference.
      if (plan.jobs.includes('coldstart') && job !== 'coldstart' && !STANDALONE.has(job) && early === null) {
        early = await runColdstart(ctx, { system, plan, dir }).catch((err) => ({ error: err.message }));
      }
    }
    if (results.coldstart && early) results.coldstart.early = early;
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    interrupted = true;
  } finally {
    await stopChildren(ctx);
    cleanupProblems = await runCleanups(ctx);
  }
  return { results, cleanupProblems, interrupted };
}

export const reportsDirFor = (plan) => path.join(plan.outDir, `bench-${plan.stamp}`);
