// Job idle: a fresh gateway's RSS with 0 sessions, then with N idle sessions (authenticated, in a
// world, sending nothing but pings), read from /proc: (RSS with N − RSS with 0) / N in KiB.
// The gateway is started afresh first, so the earlier runs' heap does not count.
import path from 'node:path';
import { sleep, spawnChild, stopChild, waitForLine } from './context.mjs';
import { ROOT, rssBytes, startApp, stopApp } from './system.mjs';

const SETTLE_MS = 3_000;

/** KiB per session; null when a figure is missing. */
export function kibPerSession(rssZero, rssN, n) {
  if (rssZero === null || rssN === null || !n) return null;
  return (rssN - rssZero) / 1024 / n;
}

export async function runIdle(ctx, { system, plan }) {
  const { sessions, worlds } = plan.idle;
  await stopApp(system, 'gateway');
  await startApp(ctx, system, 'gateway');
  await sleep(ctx, SETTLE_MS);
  const pid = system.apps.gateway.proc.pid;
  const rssZero = await rssBytes(pid);
  ctx.log(`idle: gateway RSS with 0 sessions ${(rssZero / 2 ** 20).toFixed(1)} MiB; opening ${sessions} idle sessions`);
  const args = [path.join(ROOT, 'scripts', 'bench', 'idle-clients.mjs'), '--url', system.baseUrl, '--sessions', String(sessions), '--worlds', worlds.join(','), '--database-url', system.databaseUrl];
  const onLine = (line) => /^\[\s*[\d.]+s\]/.test(line) && ctx.log(`  idle ${line}`);
  const holder = spawnChild(ctx, 'idle clients', process.execPath, args, { cwd: ROOT, onLine });
  try {
    // Generous: joins slow down as the worlds fill (each newcomer gets a snapshot of everyone);
    // 10,000 came up at about 9 per second on a busy 2-core machine.
    const line = await waitForLine(ctx, holder, /^idle ready /, 120_000 + sessions * 250, 'idle clients');
    const up = JSON.parse(line.slice('idle ready '.length));
    await sleep(ctx, SETTLE_MS);
    const rssN = await rssBytes(pid);
    const kib = kibPerSession(rssZero, rssN, up.live);
    ctx.log(`idle: ${up.live} live (${up.failed} failed), gateway RSS ${(rssN / 2 ** 20).toFixed(1)} MiB: ${kib?.toFixed(1)} KiB per session`);
    return { sessions: { requested: sessions, live: up.live, failed: up.failed, failures: up.failures }, worlds: worlds.length, rssZeroBytes: rssZero, rssBytes: rssN, kibPerSession: kib };
  } finally {
    await stopChild(holder, 20_000);
  }
}
