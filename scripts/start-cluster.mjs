#!/usr/bin/env node
// `npm run start:cluster`: the cluster layout on this machine (issue #15), as `npm start` is the
// single-process one:
//   - a three-node NATS cluster (infra/nats-cluster/run.sh), the streams with 3 replicas;
//   - two sequencers and two projectors, all active: the ten worlds are shared out among the
//     members of each role through world leases in PostgreSQL (one owner per world at a time);
//     when one dies, the other takes its worlds once their leases expire (LEASE_TTL_MS, 2 s);
//   - two gateways (PORT+1, PORT+2) behind HAProxy on PORT (default 3000, infra/haproxy/haproxy.cfg).
// Steps as in scripts/start.mjs: services (PostgreSQL and Redis; --no-services skips), build
// (--no-build skips), migrations, then every process supervised: one that dies is started again
// with the same backoff as `npm start`. Ctrl-C (SIGINT) or SIGTERM stops them all, and the NATS
// nodes this script started.
//   PORT            HAProxy, where players connect (default 3000); gateways PORT+1 and PORT+2
//   HOST            HAProxy's bind address (default 0.0.0.0); the gateways listen on 127.0.0.1
//   METRICS_PORT    first ops port: sequencers +0 and +2, projectors +1 and +3 (default 9464)
//   HAPROXY_STATS_PORT  HAProxy's stats page (default 8404)
//   NATS_CLUSTER_DIR, NATS_CLUSTER_PORT  see infra/nats-cluster/run.sh (client ports 4231-4233)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NATS_CLUSTER = join(ROOT, 'infra', 'nats-cluster', 'run.sh');
const STOP_GRACE_MS = 10_000;
const UP_TIMEOUT_MS = 60_000;

const PORT = Number(process.env.PORT || 3000);
const BIND = process.env.HOST || '0.0.0.0';
const OPS = Number(process.env.METRICS_PORT || 9464);
const STATS = Number(process.env.HAPROXY_STATS_PORT || 8404);

const say = (msg) => process.stdout.write(`[cluster] ${msg}\n`);
const complain = (msg) => process.stderr.write(`[cluster] ${msg}\n`);

/** Runs one preparation step in the foreground; a failed step ends the start (after `undo`). */
function step(title, command, args, env = process.env, undo = () => undefined) {
  say(title);
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  if (r.error || r.status !== 0) {
    complain(`${title} failed (${r.error?.message ?? (r.signal ? `signal ${r.signal}` : `exit code ${r.status}`)})`);
    undo();
    process.exit(r.status || 1);
  }
}

function haproxyBin() {
  const found = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  if (existsSync('/usr/sbin/haproxy')) return '/usr/sbin/haproxy';
  complain('haproxy is not installed: apt-get install -y haproxy');
  process.exit(1);
}

const flags = new Set(process.argv.slice(2));
const haproxy = haproxyBin();
// PostgreSQL and Redis only: ensure-services.sh leaves NATS alone when NATS_URL is not this
// machine's (the single server on 4222 is not part of this layout; the cluster is started below).
if (!flags.has('--no-services')) step('checking services', 'bash', [join('infra', 'ensure-services.sh')], { ...process.env, NATS_URL: 'nats://nats-cluster.invalid:4231' });
if (!flags.has('--no-build')) step('building', NPM, ['run', 'build']);
step('migrating', process.execPath, [join('libs', 'runtime', 'dist', 'migrate.cli.js')]);

// The NATS nodes that were down before: those this script starts, and stops at the end.
const natsStatus = spawnSync('bash', [NATS_CLUSTER, 'status'], { cwd: ROOT, encoding: 'utf8' }).stdout;
const startedNodes = [1, 2, 3].filter((n) => !new RegExp(`^n${n} up`, 'm').test(natsStatus));
const stopNats = () => {
  for (const n of startedNodes) spawnSync('bash', [NATS_CLUSTER, 'stop', String(n)], { cwd: ROOT, stdio: 'inherit' });
};
step('starting the NATS cluster', 'bash', [NATS_CLUSTER, 'start'], process.env, stopNats);
const NATS_URL = spawnSync('bash', [NATS_CLUSTER, 'urls'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();

const runtime = await import(pathToFileURL(join(ROOT, 'libs', 'runtime', 'dist', 'nats', 'index.js')).href);
// STREAM_CHECK_INTERVAL_MS 1 s: a consumer whose leader was on a lost NATS node may never answer
// again (nats-server 2.9); the workers' stall watch makes it again after two such looks.
const shared = { NATS_URL, NATS_STREAM_REPLICAS: process.env.NATS_STREAM_REPLICAS || '3', STREAM_CHECK_INTERVAL_MS: process.env.STREAM_CHECK_INTERVAL_MS || '1000' };
await ensureStreams();

/**
 * Makes the streams once, before the apps start: six processes creating and scaling the same
 * replicated streams at once make the cluster's JetStream API answer slower than the apps' 5 s
 * request timeout, and a gateway would exit on it (to be restarted). Retries while the cluster
 * elects its leaders.
 */
async function ensureStreams() {
  say(`making the streams (${shared.NATS_STREAM_REPLICAS} replicas)`);
  const prefix = process.env.NATS_PREFIX || 'tilemud';
  const nc = await runtime.connectNats(NATS_URL, 'start-cluster');
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await runtime.ensureTopology(nc, runtime.topology(prefix), Number(shared.NATS_STREAM_REPLICAS));
      } catch (err) {
        if (attempt >= 10) {
          complain(`cannot make the streams on ${NATS_URL}: ${err.message}`);
          stopNats();
          process.exit(1);
        }
        await new Promise((r) => setTimeout(r, 1000)); // the cluster is still electing: try again
      }
    }
  } finally {
    await nc.close();
  }
}

const { nextRestart } = await import(pathToFileURL(join(ROOT, 'libs', 'runtime', 'dist', 'restart-policy.js')).href);
const { CONFIG_EXIT_CODE } = await import(pathToFileURL(join(ROOT, 'libs', 'runtime', 'dist', 'config.js')).href);

const gateway = (n) => ({
  name: `gateway-${n}`,
  main: 'apps/gateway/dist/main.js',
  env: { PORT: String(PORT + n), HOST: '127.0.0.1', GATEWAY_ID: `gw${n}`, TRUST_PROXY: 'loopback' },
  url: `http://127.0.0.1:${PORT + n}`,
});
const worker = (role, n, port) => ({ name: `${role}-${n}`, main: `apps/${role}/dist/main.js`, env: { METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' }, url: `http://127.0.0.1:${port}` });
const APPS = [
  worker('sequencer', 1, OPS),
  worker('projector', 1, OPS + 1),
  worker('sequencer', 2, OPS + 2),
  worker('projector', 2, OPS + 3),
  gateway(1),
  gateway(2),
  {
    name: 'haproxy',
    command: haproxy,
    args: ['-db', '-f', join(ROOT, 'infra', 'haproxy', 'haproxy.cfg')],
    env: { HAPROXY_BIND: `${BIND}:${PORT}`, HAPROXY_STATS_BIND: `127.0.0.1:${STATS}`, GATEWAY_1: `127.0.0.1:${PORT + 1}`, GATEWAY_2: `127.0.0.1:${PORT + 2}` },
    url: `http://127.0.0.1:${STATS}/stats`,
  },
];

/** @type {Map<string, import('node:child_process').ChildProcess>} running processes by name */
const running = new Map();
const pendingRestarts = new Map();
let stopping = false;

function pipeLines(stream, out, prefix) {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${prefix} ${line}\n`));
}
const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** Starts one process and restarts it with backoff when it dies (as scripts/start.mjs does). */
function launch(app) {
  // Own process group: Ctrl-C reaches only this script, which then stops everything in order.
  const child = spawn(app.command ?? process.execPath, app.args ?? [app.main], { cwd: ROOT, env: { ...process.env, ...shared, ...app.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
    if (how === `exit code ${CONFIG_EXIT_CODE}`) {
      complain(`${app.name} refused its configuration (${how}); fix it and start again. Stopping the others`);
      void shutdown(1);
      return;
    }
    const ranMs = Date.now() - startedAt;
    const d = nextRestart(app.restarts ?? { failures: 0 }, ranMs);
    app.restarts = d.state;
    complain(`${app.name} exited unexpectedly (${how}) after ${seconds(ranMs)}; restarting it in ${seconds(d.delayMs)} (attempt ${d.attempt})`);
    pendingRestarts.set(
      app.name,
      setTimeout(() => {
        pendingRestarts.delete(app.name);
        if (!stopping) launch(app);
      }, d.delayMs),
    );
  };
  child.on('error', (err) => died(`could not be started: ${err.message}`));
  child.on('exit', (code, signal) => died(signal ? `signal ${signal}` : `exit code ${code}`));
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function shutdown(exitCode) {
  if (stopping) return;
  stopping = true;
  for (const timer of pendingRestarts.values()) clearTimeout(timer);
  pendingRestarts.clear();
  // HAProxy and the gateways first (players are told `shutdown`), then the workers.
  for (const names of [['haproxy', 'gateway-1', 'gateway-2'], [...running.keys()]]) {
    const group = names.filter((n) => running.has(n));
    if (!group.length) continue;
    say(`stopping ${group.join(', ')}`);
    for (const n of group) running.get(n)?.kill('SIGTERM');
    const deadline = Date.now() + STOP_GRACE_MS;
    while (group.some((n) => running.has(n)) && Date.now() < deadline) await sleep(100);
    for (const n of group.filter((g) => running.has(g))) {
      complain(`${n} still running after ${STOP_GRACE_MS / 1000} s, killing it`);
      running.get(n)?.kill('SIGKILL');
    }
  }
  const killDeadline = Date.now() + 2_000;
  while (running.size && Date.now() < killDeadline) await sleep(50);
  if (startedNodes.length) say(`stopping NATS node(s) ${startedNodes.join(', ')}`);
  stopNats();
  process.exit(exitCode);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (stopping) {
      // A second Ctrl-C: do not wait for the grace period.
      signalAll('SIGKILL');
      stopNats();
      process.exit(0);
    }
    void shutdown(0);
  });
}
process.on('exit', () => signalAll('SIGKILL'));

for (const app of APPS) launch(app);

/** Until every process answers: gateways 200 on /readyz, workers on /healthz (their /readyz waits for their worlds), HAProxy on its stats page. */
async function waitUp() {
  const deadline = Date.now() + UP_TIMEOUT_MS;
  const path = (app) => (app.name.startsWith('gateway') ? '/readyz' : app.name === 'haproxy' ? '' : '/healthz');
  const answers = async (url) =>
    fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
  let waiting = APPS;
  while (!stopping && Date.now() < deadline) {
    const up = await Promise.all(waiting.map((a) => answers(a.url + path(a))));
    waiting = waiting.filter((_, i) => !up[i]);
    if (!waiting.length && (await answers(`http://127.0.0.1:${PORT}/api/health`))) return true;
    await sleep(250);
  }
  if (!stopping) complain(`not up within ${UP_TIMEOUT_MS / 1000} s: ${waiting.map((a) => a.name).join(', ') || `HAProxy on ${PORT}`}; still running, see the logs above`);
  return false;
}

if ((await waitUp()) && !stopping) {
  const lines = [
    `TileMUD cluster is up: http://localhost:${PORT}/ (Ctrl-C to stop)`,
    `  HAProxy      :${PORT} -> gateways, stats http://127.0.0.1:${STATS}/stats`,
    ...APPS.filter((a) => a.main).map((a) => `  ${a.name.padEnd(12)} ${a.url}  (${a.name.startsWith('gateway') ? 'API, /readyz, /metrics' : 'ops: /readyz, /metrics'})`),
    `  NATS         ${NATS_URL}  (bash infra/nats-cluster/run.sh status)`,
    '  the sequencers share the ten worlds, and so do the projectors (world leases: SELECT * FROM world_leases)',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
