#!/usr/bin/env node
// `npm start`: the one command that brings up the whole system on this machine.
//   1. makes sure PostgreSQL, Redis and NATS are up (infra/ensure-services.sh)   --no-services skips it
//   2. builds the backend and the browser client (`npm run build` does both)    --no-build skips it
//   3. applies the database migrations
//   4. runs sequencer, projector and gateway as child processes, output prefixed per app, and
//      supervises them: an app that dies is started again, at once the first time, then with an
//      exponential backoff (capped at 30 s) while it keeps dying, from the start again once it has
//      run for a minute (libs/runtime/src/restart-policy.ts). Every app is built to be killed at any
//      moment (its standby or its restart takes over), so one death never stops the others.
//      An app that refuses its configuration (exit code 78) is not restarted: everything stops.
// Ctrl-C (SIGINT) or SIGTERM stops all three: SIGTERM, up to 10 s grace, then SIGKILL.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

const flags = new Set(process.argv.slice(2));
if (!flags.has('--no-services')) step('checking services', 'bash', [join('infra', 'ensure-services.sh')]);
if (!flags.has('--no-build')) step('building', NPM, ['run', 'build']);
step('migrating', process.execPath, [join('libs', 'runtime', 'dist', 'migrate.cli.js')]);

// Built by the step above: the restart policy is plain, unit-tested code of the runtime library.
const { nextRestart } = await import(pathToFileURL(join(ROOT, 'libs', 'runtime', 'dist', 'restart-policy.js')).href);
const { CONFIG_EXIT_CODE } = await import(pathToFileURL(join(ROOT, 'libs', 'runtime', 'dist', 'config.js')).href);

/** @type {Map<string, import('node:child_process').ChildProcess>} running apps by name */
const running = new Map();
/** Restarts waiting out their backoff, by app name. */
const pendingRestarts = new Map();
let stopping = false;

function pipeLines(stream, out, prefix) {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => out.write(`${prefix} ${line}\n`));
}

const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** Starts one app and watches it; `app.restarts` is its restart policy's state. */
function launch(app) {
  // Own process group: a terminal Ctrl-C reaches only this script, which then stops the apps
  // in order, so an app's exit on that signal is never mistaken for a crash.
  const child = spawn(process.execPath, [app.main], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const startedAt = Date.now();
  running.set(app.name, child);
  pipeLines(child.stdout, process.stdout, `[${app.name}]`);
  pipeLines(child.stderr, process.stderr, `[${app.name}]`);
  let ended = false;
  const died = (how) => {
    if (ended) return;
    ended = true;
    if (running.get(app.name) === child) running.delete(app.name);
    if (stopping) return;
    const ranMs = Date.now() - startedAt;
    if (how === `exit code ${CONFIG_EXIT_CODE}`) {
      complain(`${app.name} refused its configuration (${how}); fix it and start again. Stopping the others`);
      void shutdown(1);
      return;
    }
    const d = nextRestart(app.restarts ?? { failures: 0 }, ranMs);
    app.restarts = d.state;
    const why = d.reset ? '; it had run healthy, so the backoff starts over' : '';
    complain(`${app.name} exited unexpectedly (${how}) after ${seconds(ranMs)}; restarting it in ${seconds(d.delayMs)} (attempt ${d.attempt}${why})`);
    const timer = setTimeout(() => {
      pendingRestarts.delete(app.name);
      if (stopping) return;
      say(`restarting ${app.name}`);
      launch(app);
    }, d.delayMs);
    pendingRestarts.set(app.name, timer);
  };
  child.on('error', (err) => died(`could not be started: ${err.message}`));
  child.on('exit', (code, signal) => died(signal ? `signal ${signal}` : `exit code ${code}`));
}

for (const app of APPS) launch(app);

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
  for (const timer of pendingRestarts.values()) clearTimeout(timer);
  pendingRestarts.clear();
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
