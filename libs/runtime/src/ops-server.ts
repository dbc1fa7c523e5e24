import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { serveMetrics } from './metrics';

/** Where a worker stands with its role, as the ops server reports it. */
export type RolePhase =
  /** Not yet tried the lock (or waiting for PostgreSQL to try it). */
  | 'starting'
  /** Another process holds the role: this one waits to take over. */
  | 'standby'
  /** Held the role, lost its lock with PostgreSQL: paused until it is back. */
  | 'unreachable'
  /** Holds the lock, reloading memory before it resumes. */
  | 'recovering'
  /** Holds the role and runs it. */
  | 'active'
  /** SIGTERM/SIGINT: on its way out. */
  | 'stopping';

/** Whether an active worker keeps up with its work (queue draining, lag small); the app says. */
export interface KeepingUp {
  ok: boolean;
  /** Why not, for the operator reading /readyz. */
  reason?: string;
  /** Figures behind the verdict (queue age, lag), echoed in the body. */
  details?: Record<string, unknown>;
}

export interface Readiness {
  ready: boolean;
  body: { status: 'ready' | 'standby' | 'paused' | 'starting' | 'stopping' | 'behind'; role: string; reason?: string } & Record<string, unknown>;
}

/**
 * /readyz for a worker: ready only when it owns its role and keeps up with it. A standby is
 * healthy but not ready (it does no work); a paused owner is neither doing work nor sure to.
 * Pure, so each case is unit-tested.
 */
export function workerReadiness(role: string, phase: RolePhase, keepingUp: () => KeepingUp): Readiness {
  const no = (status: Readiness['body']['status'], reason: string): Readiness => ({ ready: false, body: { status, role, reason } });
  switch (phase) {
    case 'starting':
      return no('starting', `the ${role} has not taken its role yet`);
    case 'standby':
      return no('standby', `another process holds the ${role} role; this one takes over when it goes`);
    case 'unreachable':
      return no('paused', `PostgreSQL is unreachable: the ${role} lost its lock and is paused`);
    case 'recovering':
      return no('starting', `the ${role} holds its role and is reloading from the log`);
    case 'stopping':
      return no('stopping', `the ${role} is shutting down`);
    case 'active': {
      const k = keepingUp();
      if (!k.ok) return { ready: false, body: { status: 'behind', role, reason: k.reason ?? 'not keeping up', ...k.details } };
      return { ready: true, body: { status: 'ready', role, ...k.details } };
    }
  }
}

/** The ops port could not be listened on: the message names the setting to change. */
export class OpsPortError extends Error {
  readonly code = 'METRICS_PORT_UNAVAILABLE';
}

export interface OpsServerOptions {
  host: string;
  /** 0: any free port (the one taken is in `OpsServer.port` and the log). */
  port: number;
  reader: PrometheusExporter;
  readiness: () => Readiness;
  /** Extra fields for /healthz (role, phase). */
  health?: () => Record<string, unknown>;
}

export interface OpsServer {
  port: number;
  url: string;
  /** Stops listening and ends open connections (keep-alive scrapes), bounded by the caller. */
  close(): Promise<void>;
}

/**
 * A worker's operations endpoint: `GET /metrics` (Prometheus text), `GET /healthz` (the process
 * and its event loop are alive: answering at all proves it) and `GET /readyz` (owns its role and
 * keeps up). Plain node:http: a worker has no web framework, and scrapes must not wait on one.
 */
export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => route(opts, req, res));
  // A scrape left open (keep-alive) must not hold the shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(portError(err, opts)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  server.on('error', () => undefined); // after listening: per-connection errors are the client's
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`, close: () => closeServer(server) };
}

function route(opts: OpsServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { status: 'error', reason: 'only GET' });
  try {
    if (path === '/metrics') return serveMetrics(opts.reader, req, res);
    if (path === '/healthz') return json(res, 200, { status: 'alive', ...opts.health?.() });
    if (path === '/readyz') {
      const r = opts.readiness();
      return json(res, r.ready ? 200 : 503, r.body);
    }
    json(res, 404, { status: 'error', reason: `no ${path}: try /metrics, /healthz or /readyz` });
  } catch (err) {
    json(res, 500, { status: 'error', reason: (err as Error).message });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function portError(err: NodeJS.ErrnoException, opts: OpsServerOptions): Error {
  const where = `${opts.host}:${opts.port}`;
  if (err.code === 'EADDRINUSE')
    return new OpsPortError(`METRICS_PORT ${opts.port} is already in use on ${opts.host} (another process listens on ${where}); set METRICS_PORT to a free port, or 0 for any`);
  if (err.code === 'EACCES') return new OpsPortError(`METRICS_PORT ${opts.port}: not allowed to listen on ${where}; set METRICS_PORT above 1023`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new OpsPortError(`METRICS_HOST ${opts.host} is not an address of this machine; set METRICS_HOST (0.0.0.0 for every interface)`);
  return new OpsPortError(`the ops server could not listen on ${where} (METRICS_HOST/METRICS_PORT): ${err.message}`);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
