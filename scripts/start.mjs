#!/usr/bin/env node
// `npm start`: the one command that brings up the whole system on this machine.
//   1. makes sure PostgreSQL, Redis and NATS are up (infra/ensure-services.sh)
//   2. builds the backend and the browser client (`npm run build` does both)
//   3. applies the database migrations
//   4. runs sequencer, projector and gateway as child processes, output prefixed per app
// Ctrl-C (SIGINT) or SIGTERM stops all three: SIGTERM, up to 10 s grace, then SIGKILL.
// If one app dies on its own, the others are stopped and this exits non-zero.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const STOP_GRACE_MS = 10_000;
const HEALTH_TIMEOUT_MS = 30_000;
const HEALTH_POLL_MS = 250;

const APPS = [
  { name: 'sequencer', main: 'apps/sequencer/dist/main.js' },
  { name: 'projector', main: 'apps/projector/dist/main.js' },
  { name: 'gateway', main: 'apps/gateway/dist/main.js' },
];

const say = (msg) => process.stdout.write(`[start] ${msg}\n`);
const complain = (msg) => process.stderr.write(`[start] ${msg}\n`);

/** Runs one preparation step in the foreground; a failed step ends the start with its own message above. */
function step(title, command, args) {
  say(title);
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: process.env });
  if (r.error) {
    complain(`${title} failed: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) {
    complain(`${title} failed (${r.signal ? `signal ${r.signal}` : `exit code ${r.status}`})`);
    process.exit(r.status || 1);
  }
}

step('checking services', 'bash', [join('infra', 'ensure-services.sh')]);
step('building', NPM, ['run', 'build']);
step('migrating', process.execPath, [join('libs', 'runtime', 'dist', 'migrate.cli.js')]);

/** @type {Map<string, import('node:child_process').ChildProcess>} running apps by name */
const running = new Map();
let stopping = false;

function pipeLines(stream, out, prefix) {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => out.write(`${prefix} ${line}\n`));
}

for (const app of APPS) {
  // Own process group: a terminal Ctrl-C reaches only this script, which then stops the apps
  // in order, so an app's exit on that signal is never mistaken for a crash.
  const child = spawn(process.execPath, [app.main], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.set(app.name, child);
  pipeLines(child.stdout, process.stdout, `[${app.name}]`);
  pipeLines(child.stderr, process.stderr, `[${app.name}]`);
  child.on('error', (err) => {
    if (!running.has(app.name)) return;
    running.delete(app.name);
    complain(`${app.name} could not be started: ${err.message}`);
    void shutdown(1);
  });
  child.on('exit', (code, signal) => {
    if (!running.has(app.name)) return;
    running.delete(app.name);
    if (stopping) return;
    complain(`${app.name} exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); stopping the others`);
    void shutdown(1);
  });
}

function signalAll(sig) {
  for (const child of running.values()) {
    try {
      child.kill(sig);
    } catch {
      /* already gone */
    }
  }
}

async function shutdown(exitCode) {
  if (stopping) return;
  stopping = true;
  if (running.size) say(`stopping ${[...running.keys()].join(', ')}`);
  signalAll('SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (running.size && Date.now() < deadline) await sleep(100);
  if (running.size) {
    complain(`still running after ${STOP_GRACE_MS / 1000} s, killing: ${[...running.keys()].join(', ')}`);
    signalAll('SIGKILL');
    const killDeadline = Date.now() + 2_000;
    while (running.size && Date.now() < killDeadline) await sleep(50);
  }
  process.exit(exitCode);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (stopping) {
      // A second Ctrl-C: do not wait for the grace period.
      signalAll('SIGKILL');
      process.exit(0);
    }
    void shutdown(0);
  });
}
// Whatever ends this process, do not leave the apps behind.
process.on('exit', () => signalAll('SIGKILL'));

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitForGateway() {
  const port = process.env.PORT || '3000';
  const bind = process.env.HOST;
  const host = !bind || bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  const url = `http://${host}:${port}/api/health`;
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no answer';
  while (!stopping && Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err?.cause?.code ?? err?.message ?? String(err);
    }
    await sleep(HEALTH_POLL_MS);
  }
  if (!stopping) complain(`gateway did not report healthy at ${url} within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last}); still running, see the logs above`);
  return false;
}

if (await waitForGateway()) {
  if (!stopping) process.stdout.write(`TileMUD is up: http://localhost:${process.env.PORT || 3000}/ (Ctrl-C to stop)\n`);
}
