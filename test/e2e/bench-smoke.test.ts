import { jetstreamManager } from '@nats-io/jetstream';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { connectNats, topology } from '@tilemud/runtime';
import { spawnTracked } from '../support/processes';

const ROOT = join(__dirname, '..', '..');

/** The parts of the bench's JSON report (scripts/bench) this smoke test reads. */
interface BenchDoc {
  gateways: number;
  pin: { requested: boolean; pinned: boolean; harness: string | null; apps: string | null };
  results: {
    tilemud500: { gateways: number; reports: string[]; sessions: { live: number }; acksPerSec: number; ackMs: { p50: unknown; p99: unknown }; deltaMs: { p50: unknown; p99: unknown } };
    seqsat: { entered: Record<string, number>; steps: Array<{ offeredPerSec: number; answered: number; unanswered: number }> };
    idle: { sessions: { live: number }; kibPerSession: unknown; heapKibPerSession: unknown };
    floor: { steps: Array<{ frameMs: number; sessions: { live: number }; acksPerSec: number }> };
  };
  cleanupProblems: unknown[];
}

/**
 * `npm run bench` works: a tiny quick run of the one-world job, the sequencer-alone job, the idle-memory job and the
 * floor (the same harness against a server doing nothing but the protocol), with two
 * gateways and --pin, prints the table and writes the JSON (with numbers) and the SVG, and removes
 * the system it made (database, streams, Redis keys). Whether the figures are good is the bench's
 * business, not this test's.
 */
describe('bench smoke (npm run bench -- --quick)', () => {
  const out = mkdtempSync(join(tmpdir(), 'tilemud-bench-smoke-'));
  let stdout = '';
  let stderr = '';
  let exitCode: number | null = null;

  beforeAll(async () => {
    const args = ['scripts/bench.mjs', '--quick', '--only', 'tilemud500,seqsat,idle,floor', '--sessions', '4', '--idle-sessions', '6', '--duration', '2', '--gateways', '2', '--pin', '--out-dir', out];
    // The bench starts and stops its own apps; the registry stops the bench itself if the test ends first.
    const proc = spawnTracked('bench', process.execPath, args, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    exitCode = await new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  }, 240_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('prints the table and exits 0', () => {
    expect({ exitCode, stderr: exitCode === 0 ? '' : stderr.slice(-3000) }).toEqual({ exitCode: 0, stderr: '' });
    expect(stdout).toMatch(/^TileMUD bench .*; 2 gateways, (harness on CPU \d+, apps on CPU [\d,]+|unpinned \(--pin could not pin\))\)$/m);
    expect(stdout).toMatch(/\| figure +\| TileMUD +\| Colyseus +\| ratio T\/C/);
    expect(stdout).toMatch(/\| 4 × 1\/s, one world: ack p99 \(ms\) +\| [\d.,]+ /);
    expect(stdout).toMatch(/\| sequencer alone, offered 400\/s: acked, ack p99 +\| [\d.,]+\/s, p99 [\d.,]+ ms /);
    expect(stdout).toMatch(/\| idle: RSS KiB per session after GC \(6 sessions\) +\| -?[\d.,]+ /);
    expect(stdout).toMatch(/\| idle: JS heap KiB per session after GC \(6\) +\| -?[\d.,]+ /);
    expect(stdout).toMatch(/^Floor: the same harness and workload \(4 × 1\/s, one world\)/m);
    expect(stdout).toMatch(/^\| 50 +\| [\d.,]+ +\| [\d.,]+ +\| [\d.,—]+ +\| [\d.,—]+ +\| [\d.,]+ +\| (yes|no) +\|$/m);
  });

  it('writes the JSON with numbers, and the SVG chart', () => {
    const files = readdirSync(out);
    const json = files.find((f) => /^bench-.*\.json$/.test(f))!;
    expect(files).toContain(json.replace(/\.json$/, '.svg'));
    const doc = JSON.parse(readFileSync(join(out, json), 'utf8')) as BenchDoc;
    const t = doc.results.tilemud500;
    expect(t.sessions.live).toBe(4);
    expect(doc.gateways).toBe(2);
    expect(t.gateways).toBe(2);
    expect(doc.pin.requested).toBe(true);
    // The harness had both gateways' URLs (its sessions round robin over them).
    const harness = JSON.parse(readFileSync(join(ROOT, t.reports[0]), 'utf8')) as { parameters: { urls: string[] } };
    expect(harness.parameters.urls).toHaveLength(2);
    expect(t.acksPerSec).toBeGreaterThan(0);
    for (const v of [t.ackMs.p50, t.ackMs.p99, t.deltaMs.p50, t.deltaMs.p99]) expect(typeof v).toBe('number');
    // The sequencer alone: its players entered, every step's intents answered.
    expect(doc.results.seqsat.entered).toEqual({ applied: 100 });
    expect(doc.results.seqsat.steps.map((s) => s.offeredPerSec)).toEqual([200, 400]);
    for (const s of doc.results.seqsat.steps) expect({ answered: s.answered > 0, unanswered: s.unanswered }).toEqual({ answered: true, unanswered: 0 });
    // The floor: one quick step (frames every 50 ms), every intent of its 4 sessions answered.
    const floor = doc.results.floor.steps;
    expect(floor.map((s) => s.frameMs)).toEqual([50]);
    expect(floor[0].sessions.live).toBe(4);
    expect(floor[0].acksPerSec).toBeGreaterThan(0);
    expect(doc.results.idle.sessions.live).toBe(6);
    expect(typeof doc.results.idle.kibPerSession).toBe('number');
    expect(typeof doc.results.idle.heapKibPerSession).toBe('number'); // read through the inspector, after a GC
    expect(doc.cleanupProblems).toEqual([]);
    expect(readFileSync(join(out, json.replace(/\.json$/, '.svg')), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<polyline|<circle/);
  });

  it('removed its database, streams and Redis keys', async () => {
    const id = /system (b[a-z0-9]+): database/.exec(stderr)?.[1];
    expect(id).toBeDefined();
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [`tilemud_${id}`]);
      expect(rows).toEqual([]);
    } finally {
      await admin.end();
    }
    const nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'bench-smoke');
    try {
      const jsm = await jetstreamManager(nc);
      const t = topology(id!);
      for (const stream of [t.intentsStream, t.eventsStream]) await expect(jsm.streams.info(stream)).rejects.toThrow();
    } finally {
      await nc.close();
    }
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      expect(await redis.keys(`${id}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
