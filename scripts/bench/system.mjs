// The bench's own TileMUD: a database, a NATS/Redis prefix and the three built apps as child
// processes (as test/support/system.ts runs them), all removed again at the end: the streams
// deleted, the Redis keys deleted, the database dropped, even on a failure or Ctrl-C (the
// clean-ups are registered on the context before anything is made).

import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { owe, spawnChild, stopChild, waitForLine } from './context.mjs';
import { cpusFor, pinnedCommand } from './pin.mjs';

export const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const READY = { sequencer: /sequencer ready/, projector: /projector ready/, gateway: /gateway ready/ };
const START_TIMEOUT_MS = 60_000;

/** `b` + base36 time + 4 hex: a valid NATS_PREFIX (^[a-z][a-z0-9_]{0,31}$), unique per bench run. */
export function newBenchId(now = Date.now(), random = randomBytes(2).toString('hex')) {
  return `b${now.toString(36)}${random}`.toLowerCase();
}

/** The environment of the bench's apps: its own database and prefixes; loads from one address allowed. */
export function systemEnv({ id, databaseUrl, port, maxSessions, natsUrl, redisUrl }) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    REDIS_URL: redisUrl,
    NATS_PREFIX: id,
    REDIS_PREFIX: id,
    AUTH_SECRET: randomBytes(24).toString('hex'),
    LOG_LEVEL: 'info',
    PORT: String(port),
    HOST: '127.0.0.1',
    // Every bench player comes from 127.0.0.1 (docs/performance.md): no per-address caps ...
    MAX_CONNECTIONS_PER_ADDRESS: '0',
    RATE_LIMIT_GUEST_ADDRESS: '0/1',
    // ... room for the idle-memory sessions, and chat at the saturation rates (the move limit, 20/s,
    // is above any rate the bench asks of one session).
    MAX_SESSIONS: String(maxSessions),
    RATE_LIMIT_CHAT: '1000000/1000',
    // Characters of a finished run leave at once (the harness logs its players out anyway).
    RESUME_WINDOW_MS: '1000',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    // The area of interest (docs/performance.md, Area of interest): the gateway's default unless set,
    // so one command measures it off (default, radius 0) and on (AOI_RADIUS=12).
    // The same for the fan-out's, the sequencer's and the projector's tuning (FANOUT_MAX_SENDS_PER_S,
    // SEQUENCER_MAX_BATCH, ...) and prepared statements (PG_PREPARE=off, libs/runtime/src/pg-prepared.ts),
    // so that one command measures a setting against its default.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(AOI|FANOUT|SEQUENCER|PROJECTOR|SNAPSHOT)_|^PG_PREPARE$/.test(k))),
    // glibc's allocator knobs, when the operator sets them for a run (to compare RSS with and without).
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_'))),
  };
}

/**
 * The gateways of a system on these ports: app keys `gateway`, `gateway2`, … (the first keeps the
 * plain name the idle job restarts), each its own PORT, and with two or more a GATEWAY_ID each
 * (`gw1`, `gw2`, … as `npm run start:cluster` names them; one gateway draws a random id, as before).
 */
export function gatewayApps(ports) {
  return ports.map((port, i) => ({
    key: i === 0 ? 'gateway' : `gateway${i + 1}`,
    url: `http://127.0.0.1:${port}`,
    env: { PORT: String(port), ...(ports.length > 1 ? { GATEWAY_ID: `gw${i + 1}` } : {}) },
  }));
}

/** The app (directory under apps/) of an app key: `gateway2` -> `gateway`. */
export const appOf = (key) => key.replace(/\d+$/, '');

function listenOn(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => {
      const got = s.address().port;
      s.close(() => resolve(got));
    });
  });
}

/** A free port below the ephemeral range (see test/support/system.ts for why). */
export async function freePort() {
  for (let i = 0; i < 100; i++) {
    const port = await listenOn(20_000 + Math.floor(Math.random() * 12_000));
    if (port) return port;
  }
  return listenOn(0);
}

/**
 * Creates the database and the streams, starts the apps; the clean-ups are owed from the start.
 * gateways: how many gateway processes; pin: resolvePin's answer (the apps on its `apps` CPUs).
 */
export async function startSystem(ctx, { maxSessions = 20_000, gateways = 1, pin = null } = {}) {
  const runtime = require(path.join(ROOT, 'libs', 'runtime', 'dist', 'index.js'));
  const id = newBenchId();
  const pgBase = new URL(process.env.BENCH_PG_URL_BASE || 'postgres://postgres@127.0.0.1:5432');
  const databaseUrl = new URL(`/tilemud_${id}`, pgBase).toString();
  const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const ports = [];
  while (ports.length < gateways) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const gws = gatewayApps(ports);
  const env = systemEnv({ id, databaseUrl, port: ports[0], maxSessions, natsUrl, redisUrl });
  const appEnv = Object.fromEntries(gws.map((g) => [g.key, g.env]));
  const urls = gws.map((g) => g.url);
  const system = { id, databaseUrl, baseUrl: urls[0], urls, gatewayKeys: gws.map((g) => g.key), env, appEnv, pin, apps: {}, runtime };

  owe(ctx, `drop database tilemud_${id}`, () => dropDatabase(databaseUrl));
  owe(ctx, `delete Redis keys ${id}:*`, () => deleteRedisKeys(redisUrl, id));
  owe(ctx, `delete streams of ${id}`, () => withNats(runtime, natsUrl, id, (nc) => runtime.destroyTopology(nc, runtime.topology(id))));
  owe(ctx, 'stop the apps', () => Promise.all(Object.values(system.apps).map((c) => stopChild(c))));

  const where = pin?.pinned ? `; apps on CPU ${pin.apps}, harness on CPU ${pin.harness}` : '';
  ctx.log(`system ${id}: database tilemud_${id}, gateway${urls.length > 1 ? 's' : ''} ${urls.join(' ')}${where}`);
  await runtime.migrate(databaseUrl);
  await withNats(runtime, natsUrl, id, (nc) => runtime.ensureTopology(nc, runtime.topology(id)));
  await Promise.all([startApp(ctx, system, 'sequencer'), startApp(ctx, system, 'projector')]);
  // One after the other, as the cluster test starts its two.
  for (const key of system.gatewayKeys) await startApp(ctx, system, key);
  return system;
}

/**
 * Starts (or starts again) one app (`key`: sequencer, projector, gateway, gateway2, …); answers ms
 * from spawn to its ready line. `nodeArgs`: e.g. --inspect; `env`: settings of this start only.
 */
export async function startApp(ctx, system, key, nodeArgs = [], env = {}) {
  const name = appOf(key);
  let readyAt = null;
  // BENCH_CPU_PROF_DIR: the apps named in BENCH_CPU_PROF_APPS (default: the sequencer) write a V8 CPU
  // profile there when they stop (docs/performance.md).
  const profiled = (process.env.BENCH_CPU_PROF_APPS ?? 'sequencer').split(',');
  // Named by the key: two gateways started in the same millisecond write two files.
  const prof = profiled.includes(name) && process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`, `--cpu-prof-name=${key}-${Date.now()}.cpuprofile`] : [];
  const [command, args] = pinnedCommand(cpusFor(system.pin, 'apps'), process.execPath, [...prof, ...nodeArgs, path.join(ROOT, 'apps', name, 'dist', 'main.js')]);
  // BENCH_LOG_DIR: every line each app prints goes to <dir>/<key>-<ms>.log as well (its interval
  // stats: batch sizes, append times, event-loop delay). The directory is made if it is missing.
  const logDir = process.env.BENCH_LOG_DIR;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const logFile = logDir ? createWriteStream(path.join(logDir, `${key}-${Date.now()}.log`)) : null;
  const child = spawnChild(ctx, key, command, args, {
    env: { ...system.env, ...system.appEnv?.[key], ...env },
    cwd: ROOT,
    onLine: (line, t) => {
      logFile?.write(line + '\n');
      if (readyAt === null && READY[name].test(line)) readyAt = t;
    },
  });
  if (logFile) void child.exited.then(() => logFile.end());
  system.apps[key] = child;
  await waitForLine(ctx, child, READY[name], START_TIMEOUT_MS, key);
  return (readyAt ?? performance.now()) - child.startedAt;
}

export async function stopApp(system, key) {
  const child = system.apps[key];
  if (child) await stopChild(child);
  delete system.apps[key];
}

/** Resident set size of a process from /proc (bytes); null where there is no /proc. */
export async function rssBytes(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function withNats(runtime, url, id, fn) {
  const nc = await runtime.connectNats(url, `bench-${id}`);
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

async function dropDatabase(databaseUrl) {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  await queryOnce(url.toString(), `DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
}

async function deleteRedisKeys(redisUrl, id) {
  const Redis = require('ioredis');
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${id}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Events in the log and their worlds, for the cold-start figure. */
export async function logLength(databaseUrl) {
  const rows = await queryOnce(databaseUrl, 'SELECT count(*)::int AS events, count(DISTINCT world_id)::int AS worlds FROM action_events');
  return rows[0];
}

/** One query on a connection of its own (opened, then closed whatever happens); its rows. */
export async function queryOnce(databaseUrl, sql, params = []) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}
