// Job coldstart: the sequencer and the projector stopped and started again, one at a time, with
// the log as the runs before left it: milliseconds from spawn to the app's ready line.
import { logLength, startApp, stopApp } from './system.mjs';

export async function runColdstart(ctx, { system }) {
  const log = await logLength(system.databaseUrl);
  const out = { logEvents: log.events, logWorlds: log.worlds };
  for (const name of ['sequencer', 'projector']) {
    await stopApp(system, name);
    out[`${name}Ms`] = await startApp(ctx, system, name);
    ctx.log(`coldstart: ${name} ready in ${out[`${name}Ms`].toFixed(0)} ms (log: ${log.events} events in ${log.worlds} worlds)`);
  }
  return out;
}
