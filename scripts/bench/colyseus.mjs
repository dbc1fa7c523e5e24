// The Colyseus yardstick (/work/shared/bench/colyseus, read-only): copied to a temporary folder
// keyed by the hash of its package-lock.json and installed there once (`npm install`, not `npm ci`:
// see its README), so a second bench run starts at once. Its server and driver then run the same
// workload as the TileMUD step beside it. No registry, no Colyseus: the caller reports it skipped.

import { createHash } from 'node:crypto';
import { cp, chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnChild, stopChild, waitForLine } from './context.mjs';
import { freePort } from './system.mjs';

export const COLYSEUS_SOURCE = process.env.BENCH_COLYSEUS_DIR || '/work/shared/bench/colyseus';
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const MARKER = '.bench-installed';

/** The cache folder for a package-lock's contents. */
export function installDir(lockText, tmp = os.tmpdir()) {
  const hash = createHash('sha256').update(lockText).digest('hex').slice(0, 16);
  return path.join(tmp, `tilemud-bench-colyseus-${hash}`);
}

const exists = (p) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Answers { dir } when Colyseus is installed (now or before), else { skipped: why }. */
export async function ensureColyseus(ctx) {
  let lock;
  try {
    lock = await readFile(path.join(COLYSEUS_SOURCE, 'package-lock.json'), 'utf8');
  } catch (err) {
    return { skipped: `no Colyseus bench at ${COLYSEUS_SOURCE} (${err.code ?? err.message})` };
  }
  const dir = installDir(lock);
  if (await exists(path.join(dir, MARKER))) return { dir, cached: true };
  // Installed beside the final folder and renamed when complete: an interrupted install is never reused.
  const work = `${dir}.partial-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await cp(COLYSEUS_SOURCE, work, { recursive: true });
  await chmod(work, 0o755);
  for (const f of ['package.json', 'package-lock.json', '.npmrc']) await chmod(path.join(work, f), 0o644).catch(() => undefined);
  ctx.log(`colyseus: npm install in ${work} (first run only; cached by package-lock hash)`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawnChild(ctx, 'colyseus npm install', npm, ['install', '--no-audit', '--no-fund'], { cwd: work });
  const timer = setTimeout(() => void stopChild(child), INSTALL_TIMEOUT_MS);
  const r = await child.exited;
  clearTimeout(timer);
  if (r.code !== 0) {
    await rm(work, { recursive: true, force: true });
    // npm's first error lines name the cause (code, then e.g. "request to … failed, reason: …").
    const why =
      child.lines
        .filter((l) => /npm (ERR!|error)/.test(l))
        .slice(0, 2)
        .map((l) => l.replace(/^npm (ERR!|error)\s*/, ''))
        .join(' / ') || `exit ${r.code ?? r.signal}`;
    return { skipped: `npm install failed: ${why.slice(0, 300)}` };
  }
  await writeFile(path.join(work, MARKER), `${new Date().toISOString()}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(work, dir);
  return { dir, cached: false };
}

/** Parses the driver's stdout: its first line is one JSON object. */
export function parseDriverOutput(lines) {
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line);
    } catch {
      // not the figures line
    }
  }
  return null;
}

/** Runs Colyseus's server and driver: sessions × rate for duration s. Answers the driver's figures. */
export async function runColyseus(ctx, dir, { sessions, duration, rate }) {
  const port = await freePort();
  ctx.log(`colyseus: ${sessions} sessions × ${rate}/s for ${duration} s`);
  const env = { ...process.env, PORT: String(port), PATCH_RATE: '50' };
  const server = spawnChild(ctx, 'colyseus server', process.execPath, ['server.mjs'], { cwd: dir, env });
  try {
    await waitForLine(ctx, server, /colyseus baseline on/, 30_000, 'colyseus server');
    const driver = spawnChild(ctx, 'colyseus driver', process.execPath, ['load.mjs', String(sessions), String(duration), String(rate)], {
      cwd: dir,
      env: { ...process.env, BASELINE_URL: `http://127.0.0.1:${port}` },
    });
    const timer = setTimeout(() => void stopChild(driver), (duration + 60 + sessions / 10) * 1000);
    const r = await driver.exited;
    clearTimeout(timer);
    const out = parseDriverOutput(driver.lines);
    if (r.code !== 0 || out === null) throw new Error(`colyseus driver failed (exit ${r.code ?? r.signal}):\n${driver.lines.slice(-8).join('\n')}`);
    const n = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
    return {
      sessions: { requested: sessions, live: out.sessions, failed: out.connectFails },
      durationSeconds: out.seconds,
      acksPerSec: out.throughput,
      intents: { sent: out.intents, acked: out.acks, applied: out.applied, rejected: out.rejected, missingAcks: out.unanswered },
      ackMs: { count: out.acks, p50: n(out.ack?.p50), p95: n(out.ack?.p95), p99: n(out.ack?.p99), max: n(out.ack?.max) },
      deltaMs: { count: out.delta?.samples ?? 0, p50: n(out.delta?.p50), p95: n(out.delta?.p95), p99: n(out.delta?.p99), max: n(out.delta?.max) },
      errors: out.errors,
      note: driver.lines.find((l) => l.startsWith('[driver]')) ?? null,
    };
  } finally {
    await stopChild(server);
  }
}
