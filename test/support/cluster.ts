import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, ensureTopology, topology } from '../../libs/runtime/src/nats';
import { eventually } from './eventually';
import { spawnTracked } from './processes';
import { AppProcess, freePort, runEnv } from './system';

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

/**
 * The cluster layout on this machine, as `npm run start:cluster` runs it, for the cluster drills:
 * a three-node NATS cluster (streams with 3 replicas), two gateways, a sequencer and a projector
 * each with a standby, and HAProxy (infra/haproxy/haproxy.cfg) in front of the gateways, all on
 * free ports. Every process goes through the test registry (stopped after the file whatever
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

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

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
    this.sequencers = [new AppProcess('sequencer', { ...this.env }), new AppProcess('sequencer', { ...this.env })];
    this.projectors = [new AppProcess('projector', { ...this.env }), new AppProcess('projector', { ...this.env })];
    await Promise.all([this.sequencers[0]!.start(), this.projectors[0]!.start()]);
    await Promise.all([this.sequencers[1]!.start({}, undefined, 'serving'), this.projectors[1]!.start({}, undefined, 'serving')]);
    await Promise.all([this.sequencers[1]!.waitStandby(), this.projectors[1]!.waitStandby()]);
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

  /** Replicas of each stream, and how many of them are current (caught up with the leader). */
  async streamReplicas(): Promise<Record<string, { replicas: number; current: number }>> {
    const nc = await this.connect('cluster-check');
    try {
      const jsm = await jetstreamManager(nc);
      const t = topology(process.env.NATS_PREFIX!);
      const out: Record<string, { replicas: number; current: number }> = {};
      for (const s of [t.intentsStream, t.eventsStream]) {
        const info = await jsm.streams.info(s);
        const followers = info.cluster?.replicas ?? [];
        out[s] = { replicas: info.config.num_replicas, current: 1 + followers.filter((r) => r.current && !r.offline).length };
      }
      return out;
    } finally {
      await nc.close();
    }
  }

  /** The nodes (1..3) that lead now: the EVENTS stream and the sequencer's consumer of INTENTS. */
  async leaders(): Promise<{ events: number; sequencerConsumer: number }> {
    const nc = await this.connect('cluster-check');
    const node = (what: string, leader: string | undefined) => {
      const n = Number(/^n(\d)$/.exec(leader ?? '')?.[1]);
      if (!n) throw new Error(`no leader for ${what}`);
      return n;
    };
    try {
      const jsm = await jetstreamManager(nc);
      const t = topology(process.env.NATS_PREFIX!);
      return {
        events: node('the EVENTS stream', (await jsm.streams.info(t.eventsStream)).cluster?.leader),
        sequencerConsumer: node("the sequencer's consumer", (await jsm.consumers.info(t.intentsStream, t.sequencerConsumer)).cluster?.leader),
      };
    } finally {
      await nc.close();
    }
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
