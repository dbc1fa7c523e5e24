import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTracked } from './processes';
import { requireBinary } from './promtool';
import { freePort } from './system';
import { eventually } from './eventually';

const PROM_DIR = join(__dirname, '..', '..', 'infra', 'prometheus');

export type Targets = Record<'gateway' | 'sequencer' | 'projector', string>;

/** One sample of an instant query's vector, as Prometheus' HTTP API gives it. */
export type Sample = { metric: Record<string, string>; value: [number, string] };
/** One active scrape target, as /api/v1/targets gives it (the fields the suites read). */
export type Target = { labels: Record<string, string>; health: string; lastError: string; lastScrape: string };

/**
 * The shipped infra/prometheus/prometheus.yml with its local targets replaced by `targets`, the
 * intervals shortened to `interval` and the rules read from the repository: the same jobs and
 * rules the operators run, pointed at a test's apps.
 */
export function testConfig(targets: Targets, interval = '1s'): string {
  let text = readFileSync(join(PROM_DIR, 'prometheus.yml'), 'utf8');
  const swap = (from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`infra/prometheus/prometheus.yml no longer contains ${from}`);
    text = text.split(from).join(to);
  };
  swap("'127.0.0.1:3000'", `'${targets.gateway}'`);
  swap("'127.0.0.1:9464'", `'${targets.sequencer}'`);
  swap("'127.0.0.1:9465'", `'${targets.projector}'`);
  swap('scrape_interval: 15s', `scrape_interval: ${interval}`);
  swap('evaluation_interval: 15s', `evaluation_interval: ${interval}`);
  swap('scrape_timeout: 10s', `scrape_timeout: ${interval}`);
  swap('  - rules/*.yml', `  - ${join(PROM_DIR, 'rules')}/*.yml`);
  return text;
}

/** A real Prometheus on a free port with its own temporary storage, removed by `stop()`. */
export class TestPrometheus {
  proc?: ChildProcess;
  url = '';
  output = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'tilemud-prometheus-'));

  async start(targets: Targets): Promise<this> {
    const bin = requireBinary('prometheus');
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    writeFileSync(join(this.dir, 'prometheus.yml'), testConfig(targets));
    this.proc = spawnTracked(
      'prometheus',
      bin,
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc.stdout!.on('data', (b: Buffer) => (this.output += b.toString()));
    this.proc.stderr!.on('data', (b: Buffer) => (this.output += b.toString()));
    await this.waitFor(async () => (await fetch(`${this.url}/-/ready`).catch(() => undefined))?.ok === true, 60_000, 'Prometheus ready');
    return this;
  }

  /** An instant query through the HTTP API; the result vector. */
  async query(expr: string): Promise<Sample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    // Prometheus' HTTP API answer; an instant query's result is a vector of samples.
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: Sample[] } };
    if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
    return body.data.result;
  }

  /** The value of a query that returns one sample, or undefined when it returns none. */
  async scalar(expr: string): Promise<number | undefined> {
    const r = await this.query(expr);
    return r[0] ? Number(r[0].value[1]) : undefined;
  }

  async targets(): Promise<Target[]> {
    const res = await fetch(`${this.url}/api/v1/targets?state=active`);
    return ((await res.json()) as { data: { activeTargets: Target[] } }).data.activeTargets;
  }

  async waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    await eventually(
      what,
      async () => {
        if (this.proc && this.proc.exitCode !== null) throw new Error(`prometheus exited (${this.proc.exitCode}):\n${this.output.slice(-3000)}`);
        return cond();
      },
      timeoutMs,
      () => this.output.slice(-2000),
    );
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
