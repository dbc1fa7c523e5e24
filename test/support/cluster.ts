import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, ensureTopology, topology, type Topology } from '../../libs/runtime/src/nats';
import { eventually } from './eventually';
import { spawnTracked } from './processes';
import { AppProcess, freePort, runEnv } from './system';
import { WORLDS } from '../../libs/domain/src';

const ROOT = join(__dirname, '..', '..');
const bin = (name: string) => [`/usr/sbin/${name}`, `/usr/bin/${name}`].find((p) => existsSync(p)) ?? name;

/** What a test reaches a gateway (or the balancer) by. */
export interface Endpoint {
  baseUrl: string;
  wsUrl: string;
}

const endpoint = (port: number): Endpoint => ({ baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` });

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** One nats-server of the test's own three-node cluster (in its own directory, on free ports). */
class NatsNode {
  proc?: ChildProcess;
  constructor(
    readonly n: number,
    readonly dir: string,
    readonly client: number,
    readonly route: number,
    readonly monitor: number,
  ) {}

  config(routes: number[]): string {
    return [
      `server_name: n${this.n}`,
      `listen: 127.0.0.1:${this.client}`,
      `http: 127.0.0.1:${this.monitor}`,
      `jetstream { store_dir: "${join(this.dir, `n${this.n}`)}" }`,
      `cluster { name: tilemud_test, listen: 127.0.0.1:${this.route}, routes: [${routes.map((p) => `nats-route://127.0.0.1:${p}`).join(', ')}] }`,
    ].join('\n');
  }

  start(routes: number[]): void {
    const conf = join(this.dir, `n${this.n}.conf`);
    writeFileSync(conf, this.config(routes));
    this.proc = spawnTracked(`nats-n${this.n}`, bin('nats-server'), ['-c', conf], { stdio: 'ignore' });
  }

  /** Serves JetStream (it has caught up with the cluster's meta leader). */
  ready(): Promise<boolean> {
    return answers(`http://127.0.0.1:${this.monitor}/healthz?js-enabled-only=true`);
  }

  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }
}

/** The role of a worker process (a member of its role's world leases). */
export type WorkerRole = 'sequencer' | 'projector';

/** The world ids this build ships with (ten). */
export const WORLD_IDS = [...WORLDS.keys()];

/**
 * The cluster layout on this machine, as `npm run start:cluster` runs it, for the cluster drills:
 * a three-node NATS cluster (streams with 3 replicas), two gateways, N sequencers and N projectors
 * (every one an active member sharing the worlds through world leases; 2 of each by default, more
 * added with `addWorker`), and HAProxy (infra/haproxy/haproxy.cfg) in front of the gateways, all
 * on free ports. Every process goes through the test registry (stopped after the file whatever
 * happens); `stop` stops them in order and removes the NATS directory.
 */
export class TestCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'tilemud-cluster-'));
  nats: NatsNode[] = [];
  natsUrl = '';
  readonly gateways: AppProcess[] = [];
  readonly gatewayAt: Endpoint[] = [];
  sequencers: AppProcess[] = [];
  projectors: AppProcess[] = [];
  haproxy?: ChildProcess;
  balancer: Endpoint = endpoint(0);
  haproxyOutput = '';
  private env: NodeJS.ProcessEnv = {};
  /** The projectors `stopProjectors` stopped, started again by `startProjectors`. */
  private stopped: AppProcess[] = [];

  constructor(
    private readonly extraEnv: Record<string, string> = {},
    private readonly workers: Record<WorkerRole, number> = { sequencer: 2, projector: 2 },
  ) {}

  async start(): Promise<this> {
    await this.startNats();
    // STREAM_CHECK_INTERVAL_MS 1 s, as start:cluster sets it: a consumer whose leader was on a lost
    // node may never answer again (nats-server 2.9); the workers' stall watch makes it again after
    // two such looks.
    this.env = runEnv({ NATS_URL: this.natsUrl, NATS_STREAM_REPLICAS: '3', STREAM_CHECK_INTERVAL_MS: '1000', TRUST_PROXY: 'loopback', ...this.extraEnv });
    // The streams once, before six processes would make and scale them at the same moment.
    const nc = await this.connect('cluster-setup');
    try {
      await eventually(
        'the streams made with 3 replicas',
        () =>
          ensureTopology(nc, topology(process.env.NATS_PREFIX!), 3).then(
            () => true,
            () => false,
          ),
        30_000,
      );
    } finally {
      await nc.close();
    }
    // Every worker is an active member: each takes its share of the worlds as their leases come free.
    const roles = (['sequencer', 'projector'] as const).flatMap((r) => Array.from({ length: this.workers[r] }, () => r));
    await Promise.all(roles.map((r) => this.addWorker(r)));
    await eventually(
      'every world held by a sequencer and by a projector',
      async () => (await this.heldWorlds('sequencer')) === WORLD_IDS.length && (await this.heldWorlds('projector')) === WORLD_IDS.length,
      30_000,
    );
    for (let i = 1; i <= 2; i++) {
      const port = await freePort();
      const gw = new AppProcess('gateway', { ...this.env, PORT: String(port), HOST: '127.0.0.1', GATEWAY_ID: `gw${i}` });
      await gw.start();
      this.gateways.push(gw);
      this.gatewayAt.push(endpoint(port));
    }
    await this.startHaproxy();
    return this;
  }

  /** Starts one more member of `role` (it joins the role's world leases) and resolves once it is ready. */
  async addWorker(role: WorkerRole): Promise<AppProcess> {
    const app = new AppProcess(role, { ...this.env });
    (role === 'sequencer' ? this.sequencers : this.projectors).push(app);
    await app.start();
    return app;
  }

  /** The `world_leases` role of a worker role in this run. */
  leaseRole(role: WorkerRole): string {
    return `${process.env.NATS_PREFIX!}:${role}`;
  }

  /** The lease holder (member) name of a worker's current run: `<host>:<pid>:<tag>`, so found by its pid. */
  isHolder(app: AppProcess, holder: string): boolean {
    return !!app.proc?.pid && holder.split(':').at(-2) === String(app.proc.pid);
  }

  /** How many worlds of `role` have an unexpired lease now. */
  private async heldWorlds(role: WorkerRole): Promise<number> {
    const c = new Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    try {
      const sql = 'SELECT count(*)::int AS n FROM world_leases WHERE role = $1 AND expires_at > clock_timestamp()';
      return (await c.query<{ n: number }>(sql, [this.leaseRole(role)])).rows[0]?.n ?? 0;
    } finally {
      await c.end();
    }
  }

  /** The projectors running now (not killed, not stopped). */
  private live(apps: AppProcess[]): AppProcess[] {
    return apps.filter((a) => a.proc && a.proc.exitCode === null && a.proc.signalCode === null);
  }

  /** Stops every running projector (SIGTERM), for a rebuild; `startProjectors` starts the same ones again. */
  async stopProjectors(): Promise<void> {
    this.stopped = this.live(this.projectors);
    await Promise.all(this.stopped.map((a) => a.stop()));
  }

  async startProjectors(): Promise<void> {
    await Promise.all(this.stopped.map((a) => a.start()));
  }

  private async startNats(): Promise<void> {
    const ports = await Promise.all(Array.from({ length: 9 }, () => freePort()));
    this.nats = [0, 1, 2].map((i) => new NatsNode(i + 1, this.dir, ports[i]!, ports[i + 3]!, ports[i + 6]!));
    for (const node of this.nats) {
      mkdirSync(join(this.dir, `n${node.n}`), { recursive: true });
      node.start(this.routesOf(node));
    }
    this.natsUrl = this.nats.map((n) => `nats://127.0.0.1:${n.client}`).join(',');
    await eventually('the three NATS nodes to serve JetStream', async () => (await Promise.all(this.nats.map((n) => n.ready()))).every(Boolean), 30_000);
  }

  private routesOf(node: NatsNode): number[] {
    return this.nats.filter((m) => m !== node).map((m) => m.route);
  }

  private async startHaproxy(): Promise<void> {
    const [port, stats] = [await freePort(), await freePort()];
    const env = {
      PATH: process.env.PATH,
      HAPROXY_BIND: `127.0.0.1:${port}`,
      HAPROXY_STATS_BIND: `127.0.0.1:${stats}`,
      GATEWAY_1: new URL(this.gatewayAt[0]!.baseUrl).host,
      GATEWAY_2: new URL(this.gatewayAt[1]!.baseUrl).host,
    };
    const p = spawnTracked('haproxy', bin('haproxy'), ['-db', '-f', join(ROOT, 'infra', 'haproxy', 'haproxy.cfg')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout!.on('data', (b: Buffer) => (this.haproxyOutput += b.toString()));
    p.stderr!.on('data', (b: Buffer) => (this.haproxyOutput += b.toString()));
    this.haproxy = p;
    this.balancer = endpoint(port);
    // Up once both gateways passed their health check (HAProxy says so on its stats page as CSV).
    await eventually(
      'HAProxy to see both gateways UP',
      async () => {
        if (p.exitCode !== null) throw new Error(`haproxy exited: ${this.haproxyOutput}`);
        const csv = await fetch(`http://127.0.0.1:${stats}/stats;csv`).then(
          (r) => r.text(),
          () => '',
        );
        return /^gateways,gw1,.*,UP,/m.test(csv) && /^gateways,gw2,.*,UP,/m.test(csv);
      },
      30_000,
      () => this.haproxyOutput.slice(-1500),
    );
  }

  /** Kills NATS node `n` (1..3) with SIGKILL, a crash. */
  killNats(n: number): Promise<void> {
    return this.nats[n - 1]!.kill();
  }

  /** Starts NATS node `n` again on its ports and store; resolves once it serves JetStream. */
  async restartNats(n: number): Promise<void> {
    const node = this.nats[n - 1]!;
    node.start(this.routesOf(node));
    await eventually(`NATS node n${n} to serve JetStream again`, () => node.ready(), 30_000);
  }

  connect(name: string): Promise<NatsConnection> {
    return connectNats(this.natsUrl, name);
  }

  /** `look` run with a JetStream manager on a connection of its own (closed after), and the run's names. */
  private async look<T>(look: (jsm: JetStreamManager, t: Topology) => Promise<T>, timeout?: number): Promise<T> {
    const nc = await this.connect('cluster-check');
    try {
      return await look(await jetstreamManager(nc, timeout ? { timeout } : undefined), topology(process.env.NATS_PREFIX!));
    } finally {
      await nc.close();
    }
  }

  /** Replicas of each stream, and how many of them are current (caught up with the leader). */
  streamReplicas(): Promise<Record<string, { replicas: number; current: number }>> {
    return this.look(async (jsm, t) => {
      const out: Record<string, { replicas: number; current: number }> = {};
      for (const s of [t.intentsStream, t.eventsStream]) {
        const info = await jsm.streams.info(s);
        const followers = info.cluster?.replicas ?? [];
        out[s] = { replicas: info.config.num_replicas, current: 1 + followers.filter((r) => r.current && !r.offline).length };
      }
      return out;
    });
  }

  /**
   * The nodes (1..3) that lead now: the EVENTS stream, each world's sequencer consumer of INTENTS,
   * and the node that leads the most of those (`sequencerConsumer`).
   */
  leaders(): Promise<{ events: number; sequencerConsumer: number; sequencerConsumers: Record<string, number> }> {
    const node = (what: string, leader: string | undefined) => {
      const n = Number(/^n(\d)$/.exec(leader ?? '')?.[1]);
      if (!n) throw new Error(`no leader for ${what}`);
      return n;
    };
    return this.look(async (jsm, t) => {
      const sequencerConsumers: Record<string, number> = {};
      for (const w of WORLD_IDS) sequencerConsumers[w] = node(`${w}'s sequencer consumer`, (await jsm.consumers.info(t.intentsStream, t.sequencerConsumerOf(w))).cluster?.leader);
      const led = [1, 2, 3].map((n) => Object.values(sequencerConsumers).filter((l) => l === n).length);
      return {
        events: node('the EVENTS stream', (await jsm.streams.info(t.eventsStream)).cluster?.leader),
        sequencerConsumer: led.indexOf(Math.max(...led)) + 1,
        sequencerConsumers,
      };
    });
  }

  /**
   * For a failed wait: each world's sequencer consumer as the cluster answers for it now (leader,
   * delivered, acked, waiting, in flight, pulls waiting), or the error it answered with.
   */
  sequencerConsumers(worlds: string[]): Promise<Record<string, unknown>> {
    return this.look(async (jsm, t) => {
      const out: Record<string, unknown> = {};
      for (const w of worlds) {
        out[w] = await jsm.consumers.info(t.intentsStream, t.sequencerConsumerOf(w)).then(
          (i) => ({
            leader: i.cluster?.leader,
            delivered: i.delivered.consumer_seq,
            acked: i.ack_floor.consumer_seq,
            waiting: i.num_pending,
            inFlight: i.num_ack_pending,
            pulls: i.num_waiting,
          }),
          (e: Error) => e.message,
        );
      }
      return out;
    }, 2000);
  }

  async stop(): Promise<void> {
    if (this.haproxy && this.haproxy.exitCode === null) {
      const gone = new Promise((r) => this.haproxy!.once('exit', r));
      this.haproxy.kill('SIGTERM');
      await gone;
    }
    await Promise.all(this.gateways.map((g) => g.stop()));
    await Promise.all([...this.sequencers, ...this.projectors].map((a) => a.stop()));
    await Promise.all(this.nats.map((n) => n.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
