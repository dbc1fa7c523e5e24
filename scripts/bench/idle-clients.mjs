#!/usr/bin/env node
// Holds N idle sessions for the idle-memory figure: guest -> bootstrap -> socket -> hello (the load
// harness's own setup, scripts/load/setup.mjs), then nothing but a `ping` every 10 s. Prints one
// line `idle ready {"live":…,"failed":…}` once every session is up; on SIGTERM/SIGINT logs them
// out, closes the sockets and exits.
// Usage: node scripts/bench/idle-clients.mjs --url URL --sessions N [--worlds A,B --database-url URL]

import { requestStop, startClockwork } from '../load/lifecycle.mjs';
import { parseOptions } from '../load/options.mjs';
import { createPlacer } from '../load/placement.mjs';
import { createRun } from '../load/run.mjs';
import { closeAll, runSetup } from '../load/setup.mjs';

const PING_EVERY_MS = 10_000;

async function main() {
  // The harness's options (its --duration and --rate are not used: nothing is driven).
  const opts = parseOptions([...process.argv.slice(2), '--duration', '1', '--rate', '1', '--report', '/dev/null']);
  const run = createRun(opts);
  let stop;
  const stopped = new Promise((resolve) => {
    stop = resolve;
  });
  const onSignal = () => {
    requestStop(run);
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  run.placer = createPlacer(opts);
  const t0 = performance.now();
  const stopClockwork = startClockwork(run, console.log); // the harness's progress line while setting up
  try {
    await runSetup(run);
  } finally {
    stopClockwork();
    await run.placer?.close();
  }
  const reasons = run.setup.failuresByReason;
  const p50 = (h) => Math.round(h.percentile(50));
  const setupMs = Object.fromEntries(Object.entries(run.setup.latency).map(([k, h]) => [k, p50(h)]));
  const up = { live: run.setup.live, failed: run.setup.failed, failures: reasons, setupP50Ms: setupMs, seconds: (performance.now() - t0) / 1000 };
  console.log(`idle ready ${JSON.stringify(up)}`);
  const pinger = setInterval(() => {
    const ping = JSON.stringify({ type: 'ping', ts: Date.now() });
    for (const s of run.sessions) if (s.live && !s.closed) s.ws.send(ping);
  }, PING_EVERY_MS);
  await stopped;
  clearInterval(pinger);
  run.stopping = false; // closing is not interrupted: log out and close
  const closing = await closeAll(run);
  console.log(`idle closed ${JSON.stringify(closing)}`);
  process.exit(0);
}

main().catch((err) => {
  console.error('idle-clients:', err);
  process.exit(1);
});
