// Job coldstart: the sequencer and the projector stopped and started again, one at a time, with
// the log as the runs before left it. Two figures each: ms from spawn to the app's ready line, and
// ms from spawn until it holds again every world it held before the stop (each world taken and
// loaded: the sequencer from the newest world snapshot and the events after it, the projector
// caught up from its checkpoint). The suite runs it twice, after the first load and at the end,
// so that the two log lengths show whether a start grows with the log.
import { logLength, queryOnce, startApp, stopApp } from './system.mjs';

const TAKEN = /"msg":"world taken"/;
const WORLD_ID = /"worldId":"([^"]+)"/;

/** The worlds whose 'world taken' lines are among `lines`. */
export function worldsTaken(lines) {
  const taken = new Set();
  for (const l of lines) if (TAKEN.test(l)) taken.add(WORLD_ID.exec(l)?.[1]);
  taken.delete(undefined);
  return taken;
}

async function heldWorlds(databaseUrl, role) {
  const rows = await queryOnce(databaseUrl, 'SELECT count(*)::int AS n FROM world_leases WHERE role = $1 AND expires_at > clock_timestamp()', [role]);
  return rows[0].n;
}

/** Resolves with ms from the child's spawn until `n` worlds were taken (polls its output). */
function allTaken(ctx, child, n, timeoutMs) {
  const seen = new Set();
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const poll = setInterval(() => {
      for (const w of worldsTaken(child.lines)) seen.add(w);
      if (seen.size >= n) return done(null, performance.now() - child.startedAt);
      if (ctx.stopping || performance.now() - t0 > timeoutMs) done(new Error(`${child.label}: ${seen.size} of ${n} worlds taken after ${timeoutMs / 1000} s`));
    }, 10);
    const done = (err, ms) => {
      clearInterval(poll);
      if (err) reject(err);
      else resolve(ms);
    };
  });
}

/** Worlds whose read model is behind the log (the projector's checkpoint below the log's head). */
const BEHIND = `SELECT count(*)::int AS n FROM (SELECT world_id, max(seq) AS head FROM action_events GROUP BY world_id) l
  LEFT JOIN projection_checkpoints c ON c.projection = 'world_read_model' AND c.world_id = l.world_id WHERE coalesce(c.seq, 0) < l.head`;

/**
 * Waits until the work of the jobs before has settled: the log has not grown for a second and
 * every world is projected up to its head. Otherwise a start would be timed with the intents still
 * queued (the idle job's 10,000 logouts) to decide or project, which is not what a start costs.
 * Answers ms waited.
 */
export async function settled(ctx, databaseUrl, timeoutMs = 120_000) {
  const t0 = performance.now();
  let last = -1;
  let stableSince = t0;
  for (;;) {
    const { events } = await logLength(databaseUrl);
    const [{ n: behind }] = await queryOnce(databaseUrl, BEHIND);
    const now = performance.now();
    if (events !== last) [last, stableSince] = [events, now];
    if (behind === 0 && now - stableSince >= 1000) return now - t0;
    if (ctx.stopping || now - t0 > timeoutMs) throw new Error(`coldstart: the log still grows or is not projected after ${timeoutMs / 1000} s (${behind} worlds behind)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runColdstart(ctx, { system }) {
  const settledMs = await settled(ctx, system.databaseUrl);
  if (settledMs > 1500) ctx.log(`coldstart: waited ${(settledMs / 1000).toFixed(1)} s for the jobs before to settle (log still growing or not yet projected)`);
  const log = await logLength(system.databaseUrl);
  const out = { logEvents: log.events, logWorlds: log.worlds, settledMs };
  for (const name of ['sequencer', 'projector']) {
    const worlds = await heldWorlds(system.databaseUrl, `${system.id}:${name}`); // the lease table's role: <prefix>:<app>
    await stopApp(system, name);
    out[`${name}Ms`] = await startApp(ctx, system, name);
    out[`${name}WorldsMs`] = await allTaken(ctx, system.apps[name], worlds, 60_000);
    out[`${name}Worlds`] = worlds;
    ctx.log(`coldstart: ${name} ready in ${out[`${name}Ms`].toFixed(0)} ms, its ${worlds} worlds held in ${out[`${name}WorldsMs`].toFixed(0)} ms (log: ${log.events} events in ${log.worlds} worlds)`);
  }
  return out;
}
