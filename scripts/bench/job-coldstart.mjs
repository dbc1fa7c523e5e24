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

export async function runColdstart(ctx, { system }) {
  const log = await logLength(system.databaseUrl);
  const out = { logEvents: log.events, logWorlds: log.worlds };
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
