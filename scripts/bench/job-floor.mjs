// Job floor: the one-world workload (N sessions × 1 intent/s, the same harness) against a server
// that does no work but the protocol (floor-server.mjs), once per frame interval. It answers how
// far the latency targets are the machine's and the harness's, and how far TileMUD's: no server
// measured with this harness on this machine can show less than this floor. A step that fails is
// recorded with its error and the next interval runs.

import path from 'node:path';
import { checkStop, spawnChild, stopChild, waitForLine } from './context.mjs';
import { cpusFor, pinnedCommand } from './pin.mjs';
import { ROOT } from './system.mjs';
import { runTileLoad } from './tilemud-load.mjs';

const READY = /^floor ready (http:\/\/\S+)/;

export async function runFloor(ctx, { plan, dir, layout }) {
  const w = plan.oneWorld;
  const steps = [];
  for (const frameMs of plan.floor.frameMs) {
    checkStop(ctx);
    const label = `frames every ${frameMs} ms`;
    // With --pin the floor server runs on the apps' CPUs, as TileMUD's gateway would.
    const [command, args] = pinnedCommand(cpusFor(layout?.pin, 'apps'), process.execPath, [path.join(ROOT, 'scripts', 'bench', 'floor-server.mjs'), '--frame-ms', String(frameMs)]);
    const child = spawnChild(ctx, `floor ${frameMs} ms`, command, args, { cwd: ROOT });
    try {
      const url = READY.exec(await waitForLine(ctx, child, READY, 30_000, `floor server (${frameMs} ms)`))[1];
      const system = { baseUrl: url, urls: [url], apps: { floor: child }, pin: layout?.pin ?? null };
      const step = { name: `floor-${frameMs}`, sessions: w.sessions, duration: w.duration, rate: w.rate, chat: w.chat, worlds: null };
      steps.push({ frameMs, label, ...(await runTileLoad(ctx, system, step, dir)) });
    } catch (err) {
      checkStop(ctx);
      steps.push({ frameMs, label, error: err.message.split('\n')[0] });
    } finally {
      await stopChild(child);
    }
  }
  return { sessions: w.sessions, rate: w.rate, steps };
}
