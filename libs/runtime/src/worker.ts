import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import type { z } from 'zod';
import { BaseConfigSchema, loadConfig } from './config';
import { createPool } from './db';
import { createLogger, Logger } from './logger';
import { logDestination } from './log-file';
import { connectNats } from './nats/connection';
import { Topology, topology } from './nats/names';
import { ensureTopology } from './nats/streams';
import { Ownership } from './ownership';
import { RoleKeeper } from './role-keeper';
import { Backoff } from './backoff';
import { Shutdown, within } from './shutdown';
import { startTracing } from './tracing';
import { createMetricsReader, registerRuntimeMetrics } from './metrics';
import { KeepingUp, RolePhase, startOpsServer, workerReadiness } from './ops-server';
import { OpsConfig, pollConsumerPending, registerConsumerPending, registerRoleHeld } from './worker-metrics';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Role, RoleControl } from './role-keeper';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { WORLDS } from '@tilemud/domain';
import { LeaseTable, WorldLeases, WorldOwner } from './leases/index';
import { LogReader } from './log/reader';

export type { Role, RoleControl } from './role-keeper';

export interface Worker<C> {
  config: C;
  logger: Logger;
  pool: Pool;
  nc: NatsConnection;
  t: Topology;
  jsm: JetStreamManager;
  /** This process's name among its role's members (host, pid and a random tag: unique per start). */
  member: string;
  /**
   * This process's share of the worlds (world leases, started by the app once its role runs):
   * `owner` is told of each world gained and each world to drain.
   */
  leases(owner: WorldOwner): WorldLeases;
  /**
   * Recovers and resumes the role under the lock taken at start, and from then on keeps it: when
   * the lock's connection ends the role is paused, the lock taken back (a standby while another
   * process holds it), recovered and resumed. Resolves once the role first runs.
   */
  run(control: RoleControl): Promise<void>;
  /** Whether the role is running now (held, recovered, not paused). */
  active(): boolean;
  /**
   * A step of the app's own, run on SIGINT or SIGTERM (in the order added) while NATS and
   * PostgreSQL are still open, before the lock is given up; bounded by `maxMs` and by the deadline.
   */
  onStop(name: string, close: () => Promise<unknown>, maxMs?: number): void;
  /** How the running role tells /readyz it keeps up (queue draining, lag small); ready by default. */
  keepingUp(check: () => KeepingUp): void;
}

/**
 * The start of a background app that owns a role (the sequencer, the projector): configuration,
 * traces, logs, a pool, the role's ownership (a standby waits here, and so does a process started
 * while PostgreSQL is down), NATS and its topology (waited for the same way). Losing ownership
 * later pauses the role rather than end the process: see `Worker.run`. SIGINT or SIGTERM stops it
 * within `SHUTDOWN_TIMEOUT_MS` whatever it was waiting for (see `Shutdown`).
 */
export async function startWorker<S extends typeof BaseConfigSchema>(
  role: Role,
  schema: S,
  beforeNats?: (w: { config: z.infer<S>; logger: Logger; pool: Pool }) => Promise<void>,
  /**
   * Registers the app's own gauges once metrics are on and before the role is taken, so that a
   * standby reports them too (a hung owner's scrape fails; its standby still shows the lag).
   */
  observe?: (w: { config: z.infer<S>; pool: Pool; active: () => boolean }) => void,
): Promise<Worker<z.infer<S>>> {
  const config = loadConfig(schema, process.env) as z.infer<S> & OpsConfig;
  const metricReader = createMetricsReader();
  const tracing = startTracing({ serviceName: `tilemud-${role}`, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, file: config.OTEL_TRACES_FILE, metricReader });
  const logger = createLogger(role, config.LOG_LEVEL, logDestination(config));
  logCrashes(role, logger);
  const pool = createPool(config.DATABASE_URL, 4);
  // Every member of a role works at once, each on its share of the worlds (world leases). The
  // member's own lock is contended only by a process given the same MEMBER_ID (it waits, as it
  // must: one name, one holder of its leases); its connection is how the process notices
  // PostgreSQL going away, and pauses (see RoleKeeper) until it is back.
  const member = config.MEMBER_ID ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const ownership = new Ownership(config.DATABASE_URL, `${config.NATS_PREFIX}:${role}:${member}`, logger);
  // Its own connections: a beat never queues behind the role's batches (a lease must not run out
  // because the pool was busy), and a beat that hangs fails within the lease's time to live.
  const leasePool = createPool(config.DATABASE_URL, 2, config.LEASE_TTL_MS);
  const leaseTable = new LeaseTable(leasePool, `${config.NATS_PREFIX}:${role}`, config.LEASE_TTL_MS);
  // Set as the start gets that far; the shutdown steps, registered before, stop what there is by then.
  const started: { keeper?: RoleKeeper; nc?: NatsConnection; leases?: WorldLeases } = {};
  // From the first moment: a standby, or a process waiting for PostgreSQL or NATS, stops at once.
  const shutdown = new Shutdown(role, logger, config.SHUTDOWN_TIMEOUT_MS);
  // Phases: the role stops (0), the app's own steps (1, see onStop), then the lock and connections (2).
  shutdown.add({ name: 'role', run: () => started.keeper?.stop() });
  shutdown.add({ name: 'lock', run: () => ownership.release(), maxMs: 1000, phase: 2 });
  shutdown.add({ name: 'NATS', run: () => closeNats(started.nc), maxMs: 1000, phase: 2 });
  shutdown.add({ name: 'PostgreSQL pool', run: () => Promise.all([pool.end(), leasePool.end()]), maxMs: 500, phase: 2 });
  shutdown.add({ name: 'traces', run: () => tracing.shutdown(), maxMs: 500, phase: 2 });
  shutdown.onSignals();

  // The ops port answers from the first moment, so that a standby (which waits below) says so.
  let phase: RolePhase = 'starting';
  let keepingUp = (): KeepingUp => ({ ok: true });
  registerRuntimeMetrics();
  const active = () => phase === 'active' && !shutdown.stopping;
  registerRoleHeld(role, active);
  observe?.({ config, pool, active });
  const ops = await startOpsServer({
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
    reader: metricReader,
    readiness: () => workerReadiness(role, shutdown.stopping ? 'stopping' : phase, keepingUp),
    // Which member this is and the worlds it holds now (with their lease epochs): what an operator asks first.
    health: () => ({ role, phase: shutdown.stopping ? 'stopping' : phase, member, worlds: Object.fromEntries(started.leases?.heldWorlds() ?? []) }),
  });
  shutdown.add({ name: 'ops server', run: () => ops.close(), maxMs: 300, phase: 2 });
  logger.info({ url: ops.url, port: ops.port }, `${role} ops server listening on ${ops.url} (/metrics, /healthz, /readyz)`);

  // Stopped while still starting (a standby, or waiting for PostgreSQL or NATS): the start goes no
  // further, and the shutdown exits; a failed start would say so and exit 1.
  const unlessStopping = async <T>(p: Promise<T>): Promise<T> => {
    const v = await p.catch((err: unknown) => {
      if (shutdown.stopping) return parked();
      throw err;
    });
    return shutdown.stopping ? parked() : v;
  };
  const hold = await unlessStopping(
    ownership.acquire({
      onStandby: () => (phase = 'standby'),
      onUnreachable: (err, attempt) => {
        if (attempt === 1) logger.warn({ err: err.message }, `postgres unreachable: waiting for it to take the ${role} role`);
      },
    }),
  );
  await unlessStopping(beforeNats?.({ config, logger, pool }) ?? Promise.resolve());
  const t = topology(config.NATS_PREFIX);
  const reached = await unlessStopping(reachNats(config.NATS_URL, role, t, logger));
  const nc = (started.nc = reached.nc);
  registerConsumerPending(role, pollConsumerPending(reached.jsm, role === 'sequencer' ? t.intentsStream : t.eventsStream, role === 'sequencer' ? t.sequencerConsumer : t.projectorConsumer));
  const k = (started.keeper = new RoleKeeper(role, ownership, hold, logger, (p) => (phase = p)));
  return {
    config,
    logger,
    pool,
    nc,
    t,
    jsm: reached.jsm,
    member,
    leases: (owner) =>
      (started.leases = new WorldLeases(leaseTable, member, [...WORLDS.keys()], owner, logger, {
        ttlMs: config.LEASE_TTL_MS,
        renewMs: config.LEASE_RENEW_MS,
        discover: () => new LogReader(leasePool).worlds(),
      })),
    run: (control) => k.run(control),
    active: () => k.active,
    onStop: (name, close, maxMs) => shutdown.add({ name, run: close, maxMs, phase: 1 }),
    keepingUp: (check) => (keepingUp = check),
  };
}

/**
 * NATS and the role's streams, waited for: a worker started (or restarted by its supervisor) while
 * NATS is down or cut off waits for it, saying so once, instead of ending; the client's own
 * reconnects take over once connected.
 */
async function reachNats(url: string, role: Role, t: Topology, logger: Logger): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const backoff = new Backoff({ initialMs: 250, maxMs: 2000 });
  for (let attempt = 1; ; attempt++) {
    let nc: NatsConnection | undefined;
    try {
      nc = await connectNats(url, `tilemud-${role}`);
      const jsm = await ensureTopology(nc, t);
      if (attempt > 1) logger.info({ attempts: attempt }, `NATS reachable: starting the ${role}`);
      return { nc, jsm };
    } catch (err) {
      void nc?.close().catch(() => undefined);
      // Once, then every 30th try (about a minute): a cause that is not an outage shows in the log.
      if (attempt === 1 || attempt % 30 === 0) logger.warn({ err: (err as Error).message, attempt }, `NATS unreachable: waiting for it to start the ${role}`);
      await backoff.wait();
    }
  }
}

/** A promise that never settles: the start stops here while the shutdown exits. */
const parked = () => new Promise<never>(() => undefined);

/** Drains (what was published goes out), and closes if the drain cannot finish (NATS away). */
async function closeNats(nc: NatsConnection | undefined): Promise<void> {
  if (!nc || nc.isClosed()) return;
  if (!(await within(nc.drain(), 800))) await nc.close().catch(() => undefined);
}

/**
 * An error nothing caught is a bug: it is logged as one line of the app's log (with its stack),
 * and the process exits 1 (its supervisor restarts it, a standby takes the role meanwhile).
 */
function logCrashes(role: Role, logger: Logger): void {
  const crash = (kind: string) => (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    logger.fatal({ kind, err: e.message, name: e.name, stack: e.stack }, `${role} crashed: ${kind}`);
    process.exit(1);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
}
