import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { WORLDS } from '@tilemud/domain';
import { eventually } from './eventually';
import { spawnTracked } from './processes';

export type AppName = 'gateway' | 'sequencer' | 'projector';

const ROOT = join(__dirname, '..', '..');

function listenOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => resolve(got));
    });
  });
}

/**
 * A port nobody listens on, for an app to listen on a moment later. Not one the kernel hands out
 * (0): those come from the ephemeral range, where every outgoing connection of every process on the
 * machine (to PostgreSQL, NATS, Redis...) also takes its local port, so the port could be taken
 * before the app binds it (EADDRINUSE seen with the CPUs busy). Below that range only listeners
 * compete, and `TestSystem.start` retries a gateway that lost the race anyway.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = await listenOn(20_000 + Math.floor(Math.random() * 12_000));
    if (port) return port;
  }
  const port = await listenOn(0);
  if (!port) throw new Error('no free port');
  return port;
}

/** The environment every app of this test run shares (set by global-setup). */
export function runEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    DATABASE_URL: process.env.DATABASE_URL,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    NATS_PREFIX: process.env.NATS_PREFIX,
    REDIS_PREFIX: process.env.REDIS_PREFIX ?? process.env.NATS_PREFIX,
    AUTH_SECRET: 'test-secret-test-secret-test-secret-0123',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    // Suites run scripted players far faster than people play, and every suite's guests come from
    // 127.0.0.1: they run unthrottled. The identity suites pass the contract's limits explicitly.
    RATE_LIMIT_MOVE: '1000000/1000',
    RATE_LIMIT_CHAT: '1000000/1000',
    RATE_LIMIT_ACTION: '1000000/1000',
    RATE_LIMIT_PING: '1000000/1000',
    RATE_LIMIT_RESYNC: '1000000/1000',
    // Every suite connects from 127.0.0.1; socket-abuse.test.ts sets a low cap of its own.
    MAX_CONNECTIONS_PER_ADDRESS: '100000',
    RATE_LIMIT_GUEST_ADDRESS: '1000000/1000',
    RATE_LIMIT_REGISTER_ADDRESS: '1000000/1000',
    // Suites that watch a character leave once its socket closes would wait out the 60 s resume
    // window; the resume suite sets its own.
    RESUME_WINDOW_MS: '1000',
    // The workers' ops ports: a free port chosen by AppProcess.start (see opsUrl), never the
    // defaults 9464/9465, which several runs on one machine (or a second sequencer) would share.
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    // The suites written before the area of interest expect every player to see every other
    // (they join at spawns on opposite sides of the lobby). A radius larger than any map keeps that
    // true while every session still goes through its view lens (snapshots, live and merged frames,
    // replays from the log). TEST_AOI_RADIUS=0 runs them on the whole-world fan-out instead;
    // test/e2e/area-of-interest.test.ts sets a small radius of its own.
    AOI_RADIUS: process.env.TEST_AOI_RADIUS ?? '100',
    ...extra,
  };
}

/** Where each app says it can do its work: the gateway's `/readyz` (PostgreSQL and NATS reachable), a worker's ops server `/readyz` (owns its role and keeps up). */
const READY_PATH = '/readyz';

/** How `AppProcess.start` knows the app is up: `ready` (its /readyz answers 200) or only `serving` (its ops server or HTTP port answers at all, e.g. a standby). */
export type StartUntil = 'ready' | 'serving';

/** One app as a real child process, the way it deploys. */
export class AppProcess {
  proc?: ChildProcess;
  /** Everything every run of this app printed (a restart appends). */
  output = '';
  /** Where the current run's output begins in `output`. */
  runStart = 0;
  exited?: Promise<number | null>;
  /** The current run's HTTP base URL: the gateway's API port, a worker's ops server. */
  private url?: string;
  /** Resolves once the current start has spawned its process (its port is chosen before). */
  private spawned: Promise<void> = Promise.resolve();
  private markSpawned: () => void = () => undefined;

  constructor(
    readonly name: AppName,
    readonly env: NodeJS.ProcessEnv,
    private readonly args: string[] = [],
  ) {}

  /**
   * Starts the app and waits, by asking it over HTTP (never by reading its log), until it is
   * ready (`until: 'serving'`: until it answers at all). A worker gets a free METRICS_PORT of its
   * own unless the environment names one, so its ops URL is known without reading its log.
   */
  async start(envOverride: Record<string, string | undefined> = {}, args = this.args, until: StartUntil = 'ready'): Promise<void> {
    const env = { ...this.env, ...envOverride };
    this.spawned = new Promise((r) => (this.markSpawned = r));
    const choosePort = this.name !== 'gateway' && (env.METRICS_PORT ?? '0') === '0';
    for (let attempt = 1; ; attempt++) {
      if (choosePort) env.METRICS_PORT = String(await freePort());
      try {
        return await this.run(env, args, until);
      } catch (err) {
        // Another process took the port between the choice and the bind: choose again.
        if (!choosePort || attempt >= 3 || !/METRICS_PORT \d+ is already in use/.test((err as Error).message)) throw err;
      }
    }
  }

  private async run(env: NodeJS.ProcessEnv, args: string[], until: StartUntil): Promise<void> {
    if (this.name === 'gateway' && !env.PORT) throw new Error('a gateway under test needs PORT');
    this.url = this.name === 'gateway' ? `http://${env.HOST ?? '127.0.0.1'}:${env.PORT}` : `http://${env.METRICS_HOST ?? '127.0.0.1'}:${env.METRICS_PORT}`;
    // Every spawn goes through the registry: stopped after the test file, pass or fail.
    const proc = spawnTracked(this.name, process.execPath, [join(ROOT, 'apps', this.name, 'dist', 'main.js'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.runStart = this.output.length;
    this.markSpawned();
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    const onData = (b: Buffer) => {
      this.output += b.toString();
      if (process.env.TEST_SHOW_APP_LOGS) process.stderr.write(`[${this.name}] ${b.toString()}`);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    // Generous: with the CPUs busy a node process alone can take seconds to load.
    await this.waitReady(until, 45_000);
  }

  /** Polls the app's readiness (or that it answers at all) until it holds; fails early if the process exits. */
  private async waitReady(until: StartUntil, timeoutMs: number): Promise<void> {
    const path = until === 'ready' ? READY_PATH : '/healthz';
    const proc = this.proc!;
    let last: Awaited<ReturnType<AppProcess['get']>>;
    await eventually(
      `${this.name} to answer 200 on ${path}`,
      async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${this.name} exited (${proc.exitCode ?? proc.signalCode}) while starting:\n${this.since()}`);
        last = await this.get(path);
        return last?.status === 200;
      },
      timeoutMs,
      () => `${last ? `${last.status} ${JSON.stringify(last.body)}` : 'no answer'}; its output:\n${this.since().slice(-2500)}`,
    );
  }

  /** GET `path` on the app's current run (its API port, or a worker's ops server); undefined if it does not answer. */
  async get(path: string): Promise<{ status: number; body: unknown } | undefined> {
    try {
      const res = await fetch(this.url + path, { signal: AbortSignal.timeout(5000) });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body };
    } catch {
      return undefined;
    }
  }

  /** The worlds a worker holds now, from its /healthz (world → lease epoch; none when it does not answer). */
  async worlds(): Promise<Record<string, number>> {
    const body = (await this.get('/healthz'))?.body as { worlds?: Record<string, number> } | undefined;
    return body?.worlds ?? {};
  }

  /** The current run's `/readyz` body (a worker: `status` is ready, standby, paused, starting...). */
  async readiness(): Promise<{ status?: string; role?: string; reason?: string } | undefined> {
    return (await this.get(READY_PATH))?.body as { status?: string } | undefined;
  }

  /** The output of the current run (from its start on). */
  since(from = this.runStart): string {
    return this.output.slice(from);
  }

  /** Waits until `text` appears in the output past `from` (the current run's start by default). */
  async waitForOutput(text: string, { from = this.runStart, timeoutMs = 30_000 } = {}): Promise<void> {
    await eventually(
      `${this.name} to log "${text}"`,
      () => this.output.slice(from).includes(text),
      timeoutMs,
      () => this.output.slice(from).slice(-2500),
    );
  }

  /**
   * The base URL of a worker's ops server (/metrics, /healthz, /readyz) in the current run, once it
   * answers: it listens before it takes its role, so a standby's is there too.
   */
  async opsUrl(timeoutMs = 30_000): Promise<string> {
    if (this.name === 'gateway') throw new Error('the gateway serves /metrics on its own port');
    await this.spawned;
    await this.waitReady('serving', timeoutMs);
    return this.url!;
  }

  /** kill -9: no cleanup, as a crash. */
  async kill(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc?.kill('SIGKILL'), 8000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The whole backend: sequencer, projector and a gateway on a free port. */
export class TestSystem {
  readonly apps: Record<AppName, AppProcess>;
  baseUrl = '';
  wsUrl = '';

  constructor(private readonly extraEnv: Record<string, string> = {}) {
    const env = runEnv(extraEnv);
    this.apps = {
      sequencer: new AppProcess('sequencer', { ...env }),
      projector: new AppProcess('projector', { ...env }),
      gateway: new AppProcess('gateway', { ...env }),
    };
  }

  async start(): Promise<this> {
    await Promise.all([this.apps.sequencer.start(), this.apps.projector.start()]);
    // The port is chosen as late as possible; one taken meanwhile by another process is chosen again.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      this.baseUrl = `http://127.0.0.1:${port}`;
      this.wsUrl = `ws://127.0.0.1:${port}`;
      try {
        await this.apps.gateway.start({ PORT: String(port), HOST: '127.0.0.1' });
        return this;
      } catch (err) {
        if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
      }
    }
  }

  async stop(): Promise<void> {
    await this.apps.gateway.stop();
    await Promise.all([this.apps.sequencer.stop(), this.apps.projector.stop()]);
  }
}

/**
 * A second member of a worker role beside the system's: started, and waited for until the two
 * share the ten worlds (each world held by one, both holding some). `holder` is the one holding
 * `worldId`, `other` the one that does not.
 */
export async function secondMember(
  system: TestSystem,
  role: 'sequencer' | 'projector',
  worldId = 'lobby',
  env: NodeJS.ProcessEnv = system.apps[role].env,
): Promise<{ holder: AppProcess; other: AppProcess; added: AppProcess }> {
  const added = new AppProcess(role, env);
  await added.start();
  const first = system.apps[role];
  const shares = await eventually(
    `the worlds to be shared by two ${role}s`,
    async () => {
      const [x, y] = await Promise.all([first.worlds(), added.worlds()]);
      return sharedBy(x, y) && { x, y };
    },
    30_000,
    async () => [await first.worlds(), await added.worlds()],
  );
  return worldId in shares.x ? { holder: first, other: added, added } : { holder: added, other: first, added };
}

/** The ten worlds of the maps (a full run's log also holds other suites' worlds, which are leased too). */
export const MAP_WORLDS: readonly string[] = [...WORLDS.keys()];

/** Whether a member's worlds (`worlds()`) include every map world. */
export const holdsEveryMap = (worlds: Record<string, number>) => MAP_WORLDS.every((w) => w in worlds);

/** Two members' worlds: both hold some, none is held by both, and every map world is held by one. */
export function sharedBy(x: Record<string, number>, y: Record<string, number>): boolean {
  const [a, b] = [Object.keys(x), Object.keys(y)];
  return a.length > 0 && b.length > 0 && !a.some((w) => w in y) && MAP_WORLDS.every((w) => w in x || w in y);
}
