// The bench's one piece of state, handed to every job: the child processes it started (each one
// stopped at the end, whatever happens), the clean-ups owed (database, streams, Redis keys), and
// whether an interrupt asked it to stop. Nothing lives at module level.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** log: one line of progress (stderr by default, so that stdout holds the table). */
export function createContext({ log = (line) => process.stderr.write(`[bench] ${line}\n`) } = {}) {
  return { log, children: new Set(), cleanups: [], stopping: false, wakers: new Set() };
}

export function checkStop(ctx) {
  if (ctx.stopping) throw new Interrupted();
}

/** Asks everything to stop: sleeps wake up, children get SIGTERM. */
export function requestStop(ctx) {
  ctx.stopping = true;
  for (const wake of ctx.wakers) wake();
  for (const c of ctx.children) c.proc.kill('SIGTERM');
}

/** A sleep an interrupt cuts short. */
export function sleep(ctx, ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      ctx.wakers.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    ctx.wakers.add(done);
  });
}

/**
 * Starts a child process the context tracks: its output lines are kept (the last `keep`) and
 * handed to `onLine`. Resolves `exited` with { code, signal }.
 */
export function spawnChild(ctx, label, command, args, { env = process.env, cwd, onLine, keep = 400, stdin = 'ignore' } = {}) {
  checkStop(ctx);
  const proc = spawn(command, args, { env, cwd, stdio: [stdin, 'pipe', 'pipe'] });
  const child = { label, proc, lines: [], startedAt: performance.now() };
  ctx.children.add(child);
  child.exited = new Promise((resolve) => {
    proc.once('error', (err) => {
      child.lines.push(`spawn error: ${err.message}`);
      ctx.children.delete(child);
      resolve({ code: null, signal: null, error: err });
    });
    proc.once('exit', (code, signal) => {
      ctx.children.delete(child);
      resolve({ code, signal });
    });
  });
  for (const stream of [proc.stdout, proc.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      child.lines.push(line);
      if (child.lines.length > keep) child.lines.shift();
      onLine?.(line, performance.now());
    });
  }
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child, graceMs = 8_000) {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return child.exited;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  const r = await child.exited;
  clearTimeout(timer);
  return r;
}

/** Stops every child still running. */
export async function stopChildren(ctx, graceMs = 8_000) {
  await Promise.all([...ctx.children].map((c) => stopChild(c, graceMs)));
}

/** Registers a clean-up; they run last first, each on its own (one failing does not skip the others). */
export function owe(ctx, what, fn) {
  ctx.cleanups.push({ what, fn });
}

export async function runCleanups(ctx) {
  const problems = [];
  while (ctx.cleanups.length) {
    const { what, fn } = ctx.cleanups.pop();
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${err.message}`);
      ctx.log(`clean-up failed: ${what}: ${err.message}`);
    }
  }
  return problems;
}

/** Waits for a line matching `re` from the child (already seen or still to come). */
export function waitForLine(ctx, child, re, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const poll = setInterval(() => {
      const hit = child.lines.find((l) => re.test(l));
      if (hit) return finish(null, hit);
      if (ctx.stopping) return finish(new Interrupted());
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) return finish(new Error(`${what} exited while starting:\n${child.lines.slice(-15).join('\n')}`));
      if (performance.now() - t0 > timeoutMs) finish(new Error(`${what} not ready within ${timeoutMs / 1000} s:\n${child.lines.slice(-15).join('\n')}`));
    }, 20);
    const finish = (err, line) => {
      clearInterval(poll);
      if (err) reject(err);
      else resolve(line);
    };
  });
}
