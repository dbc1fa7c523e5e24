import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Client } from 'pg';
import type { IntentAck } from '@tilemud/contracts';
import { foldLog, getWorld } from '@tilemud/domain';
import { LogReader, WorldSnapshots } from '@tilemud/runtime';
import { migrate } from '../../libs/runtime/src/migrate';
import { connectNats, destroyTopology, topology } from '../../libs/runtime/src/nats';
import { joinPlayer, TestClient } from '../support/client';
import { eventually } from '../support/eventually';
import { spawnTracked } from '../support/processes';
import { runEnv, TestSystem } from '../support/system';

const ROOT = join(__dirname, '..', '..');
const OPS = join(ROOT, 'scripts', 'ops.mjs');

/** A database named after the run, beside its own. */
function databaseUrl(suffix: string): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_${suffix}`;
  return url.toString();
}

/**
 * This suite's deployment: a database and streams of its own, so that verify judges only what this
 * suite did (other suites of the run forge stream messages and leave dead letters on purpose).
 */
const DEPLOYMENT = { DATABASE_URL: databaseUrl('ops'), NATS_PREFIX: `${process.env.NATS_PREFIX}ops` };

/** `npm run ops -- …` as an operator runs it, with this suite's environment (and `env` over it). */
function ops(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [OPS, ...args], { env: runEnv({ ...DEPLOYMENT, ...env }), cwd: ROOT, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The same, with `input` on its stdin. */
function opsWithInput(args: string[], input: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnTracked('ops', process.execPath, [OPS, ...args], { env: runEnv({ ...DEPLOYMENT, ...env }), cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin!.end(input);
  });
}

/** One step that the world takes: a step into a tile another player just took is refused, so try again. */
async function step(c: TestClient): Promise<IntentAck> {
  let ack = await c.move(c.freeDirection());
  for (let i = 1; i < 10 && ack.status !== 'applied'; i++) ack = await c.move(c.freeDirection());
  return ack;
}

/** The operator command's output, as far as this suite reads it (scripts/ops is plain JavaScript: these shapes are its contract here). */
interface EventLine {
  worldId: string;
  seq: number;
  type: string;
  characterId: string | null;
  intentSeq: number;
  eventIndex: number;
  recordedAt: string;
  data: { text?: string; characterId?: string };
}
interface StateReport {
  world: { id: string; seq: number; recordedAt: string };
  characters: unknown[];
  items: unknown[];
  chat: unknown[];
  fold: { fromSnapshot: number; folded: number } | null;
}
interface Problem {
  check: string;
  worldId: string | null;
  seq: number | null;
  message: string;
}
interface VerifyReport {
  ok: boolean;
  first: Problem | null;
  problems: Problem[];
  checks: { check: string; ok: boolean }[];
  worlds: { worldId: string; head: number; checkpoint: number }[];
}
interface ExportHeader {
  format: string;
  version: number;
  columns: string[];
  worlds: Record<string, { head: number }>;
}
interface ExportRow {
  world_id: string;
  seq: number;
  hash: string;
}

/** One JSON document a line, of the shape the caller names. */
const ndjson = <T>(text: string): T[] =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
const json = <T>(text: string): T => JSON.parse(text) as T;

async function dropDatabase(url: string): Promise<void> {
  const admin = new Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  await admin.end();
}

/** Items and characters by id (the read model's order is the database's collation). */
const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((p, q) => (p.id < q.id ? -1 : p.id > q.id ? 1 : 0));

/**
 * The operator command against a system that was played on: browse, time travel, export/import,
 * verify, republish. Each command is a node process of its own: on a busy machine one takes
 * seconds to start, hence the generous timeouts.
 */
describe('the operator command', () => {
  const system = new TestSystem(DEPLOYMENT);
  const importUrl = databaseUrl('ops_import');
  const t = topology(DEPLOYMENT.NATS_PREFIX);
  const dir = mkdtempSync(join(tmpdir(), 'tilemud-ops-'));
  let pg: Client;
  let nc: NatsConnection;
  let a: TestClient;
  let b: TestClient;
  const chats: { seq: number; text: string }[] = [];
  const bMoves: number[] = [];

  const head = async () => Number((await pg.query<{ s: string }>("SELECT coalesce(max(seq), 0) AS s FROM action_events WHERE world_id = 'lobby'")).rows[0]!.s);
  const checkpoint = async () => Number((await pg.query<{ s: string }>("SELECT coalesce(max(seq), 0) AS s FROM projection_checkpoints WHERE world_id = 'lobby'")).rows[0]!.s);
  /** Stores lobby's state at `seq` as the sequencer would (a fold of its log). */
  const saveSnapshot = async (seq: number) => {
    const events = await new LogReader(pg).eventsAfter('lobby', 0, { upTo: seq });
    await new WorldSnapshots(pg).save('lobby', foldLog(getWorld('lobby')!, events));
  };
  /** Runs `f` with the log's triggers off, as only a test (or someone with the owner's rights) can. */
  const tampering = async (f: () => Promise<unknown>) => {
    await pg.query('BEGIN');
    try {
      await pg.query('ALTER TABLE action_events DISABLE TRIGGER USER');
      await f();
      await pg.query('ALTER TABLE action_events ENABLE TRIGGER USER');
      await pg.query('COMMIT');
    } catch (err) {
      await pg.query('ROLLBACK');
      throw err;
    }
  };
  /** Until the projector has folded everything logged so far. */
  const caughtUp = async () => {
    const h = await head();
    await eventually('the projector to reach the log head', async () => (await checkpoint()) >= h, 20_000);
  };

  beforeAll(async () => {
    await migrate(DEPLOYMENT.DATABASE_URL);
    await system.start();
    pg = new Client({ connectionString: DEPLOYMENT.DATABASE_URL });
    await pg.connect();
    nc = await connectNats(process.env.NATS_URL!, 'ops-cli-test');
    a = await joinPlayer(system);
    b = await joinPlayer(system);
    for (const text of ['first words', 'second words']) {
      const ack = await a.intent('intent.chat', { text, channel: 'world' });
      chats.push({ seq: ack.seq!, text });
    }
    for (let i = 0; i < 4; i++) await a.move(a.freeDirection());
    for (let i = 0; i < 3; i++) {
      const ack = await b.move(b.freeDirection());
      if (ack.status === 'applied') bMoves.push(ack.seq!);
    }
    await caughtUp();
  }, 90_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await system.stop();
    await pg?.end();
    if (nc) await destroyTopology(nc, t);
    await nc?.close();
    rmSync(dir, { recursive: true, force: true });
    if (process.env.TILEMUD_KEEP_TEST_DB !== '1') for (const url of [importUrl, DEPLOYMENT.DATABASE_URL]) await dropDatabase(url);
  });

  it("lists a world's events filtered by character and type, as NDJSON and as a table", async () => {
    const r = await ops(['events', '--world', 'lobby', '--character', a.characterId, '--type', 'chat.posted', '--json']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = ndjson<EventLine>(r.stdout);
    expect(lines.map((l) => [l.seq, l.type, l.characterId, l.data.text])).toEqual(chats.map((c) => [c.seq, 'chat.posted', a.characterId, c.text]));
    expect(lines[0]).toMatchObject({ worldId: 'lobby', intentSeq: expect.any(Number) as number, eventIndex: 0, recordedAt: expect.any(String) as string });

    const moves = ndjson<EventLine>((await ops(['events', '--world', 'lobby', '--character', b.characterId, '--type', 'character.moved,character.entered', '--json'])).stdout);
    expect(moves[0]!.type).toBe('character.entered');
    expect(moves.slice(1).map((l) => [l.type, l.seq])).toEqual(bMoves.map((seq) => ['character.moved', seq]));
    expect(bMoves.length).toBeGreaterThan(0);
    expect(moves.every((l) => l.data.characterId === b.characterId)).toBe(true);

    const table = await ops(['events', '--world', 'lobby', '--from', '1', '--to', '3']);
    expect(table.code).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^seq\s+recorded at\s+type\s+character\s+intent\s+what$/);
    expect(rows.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['1', '2', '3']);
    expect(rows[1]).toContain('world.seeded');
  }, 60_000);

  it('follows the log live', async () => {
    const child = spawnTracked('ops events --follow', process.execPath, [OPS, 'events', '--world', 'lobby', '--follow', '--json', '--type', 'character.moved', '--from', String((await head()) + 1)], {
      env: runEnv(DEPLOYMENT),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ack = await step(a);
    expect(ack.status).toBe('applied');
    const line = await eventually('the followed move', () => ndjson<EventLine>(out).find((l) => l.seq === ack.seq), 15_000);
    expect(line).toMatchObject({ type: 'character.moved', characterId: a.characterId });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('shows a world at a seq exactly as the full snapshot a client was sent at that seq', async () => {
    const c = await joinPlayer(system);
    const { seq, snapshot } = c.snapshot!;
    await c.close();
    // The world moves on; the past stays as it was.
    await step(a);
    await b.intent('intent.chat', { text: 'later words', channel: 'world' });
    const r = await ops(['state', '--world', 'lobby', '--at-seq', String(seq), '--json']);
    expect(r.code).toBe(0);
    const state = json<StateReport>(r.stdout);
    expect(state.world).toMatchObject({ id: 'lobby', seq });
    expect(state.characters).toEqual(byId(snapshot.characters));
    expect(state.items).toEqual(byId(snapshot.items));
    expect(state.chat).toEqual(snapshot.chat);

    const byTime = json<StateReport>((await ops(['state', '--world', 'lobby', '--at-time', state.world.recordedAt, '--json'])).stdout);
    expect(byTime.world.seq).toBeGreaterThanOrEqual(seq);
    expect(byTime.world.recordedAt).toBe(state.world.recordedAt);

    const table = await ops(['state', '--world', 'lobby', '--at-seq', String(seq)]);
    expect(table.stdout).toContain(`world lobby (The Lobby, 64x40) at seq ${seq}`);
    expect(table.stdout).toContain(a.guest!.player.username);

    // Folded from the empty world so far; from a stored world snapshot below the seq once there is one, with the same answer.
    expect(state.fold).toEqual({ fromSnapshot: 0, folded: seq });
    expect(table.stdout).toContain(`folded ${seq} event(s) onto the empty world (no world snapshot at or below it)`);
    await saveSnapshot(seq - 2);
    const fromSnapshot = await ops(['state', '--world', 'lobby', '--at-seq', String(seq), '--json']);
    expect(json<StateReport>(fromSnapshot.stdout)).toEqual({ ...state, fold: { fromSnapshot: seq - 2, folded: 2 } });
    expect((await ops(['state', '--world', 'lobby', '--at-seq', String(seq)])).stdout).toContain(`folded 2 event(s) onto the world snapshot at seq ${seq - 2}`);
  }, 60_000);

  it('verifies a clean system', async () => {
    await caughtUp();
    const r = await ops(['verify', '--stream-last', 'all']);
    expect(r.stdout).toContain('verify: OK');
    expect(r.code).toBe(0);
    // Each check says what it found to hold: the log refusing TRUNCATE among them.
    expect(r.stdout).toMatch(/^ {2}guards +ok +action_events refuses UPDATE, DELETE and TRUNCATE/m);
    expect(r.stdout).toMatch(/^ {2}log +ok +\d+ world\(s\), \d+ events: gapless from seq 1, each prev_hash its predecessor's hash/m);
    const report = json<VerifyReport>((await ops(['verify', '--json'])).stdout);
    expect(report).toMatchObject({ ok: true, first: null, problems: [] });
    expect(report.checks.map((c) => [c.check, c.ok])).toEqual(['guards', 'log', 'truncation', 'checkpoints', 'snapshots', 'stream', 'read-model'].map((c) => [c, true]));
    expect(report.worlds.find((w) => w.worldId === 'lobby')).toMatchObject({ head: expect.any(Number) as number, checkpoint: expect.any(Number) as number });
  }, 60_000);

  it('exports the log and imports it into a fresh database, which verifies clean and shows the same state', async () => {
    const file = join(dir, 'log.ndjson');
    const exported = await ops(['export', '--out', file, '--json', '--progress']);
    expect(exported.code).toBe(0);
    // --progress draws the bar without a terminal too: one line a second and the last one.
    expect(exported.stderr).toMatch(/^export \[#{24}\] 100% {2}[\d,]+\/[\d,]+ events {2}[\d,]+\/s {2}ETA 0s$/m);
    expect(json<unknown>(exported.stdout)).toMatchObject({ events: expect.any(Number) as number, out: file });
    const [header, ...events] = ndjson<unknown>(readFileSync(file, 'utf8')) as [ExportHeader, ...ExportRow[]];
    expect(header).toMatchObject({
      format: 'tilemud-action-events',
      version: 1,
      columns: expect.arrayContaining(['world_id', 'seq', 'payload', 'recorded_at', 'trace_id', 'version', 'prev_hash', 'hash']) as string[],
    });
    const top = header.worlds.lobby!.head;
    expect(events.filter((e) => e.world_id === 'lobby').map((e) => e.seq)).toEqual(Array.from({ length: top }, (_, i) => i + 1));
    expect(events[1]).toMatchObject({ version: expect.any(Number) as number, prev_hash: events[0]!.hash, hash: expect.stringMatching(/^\\x[0-9a-f]{64}$/) as string });

    await migrate(importUrl);
    const env = { DATABASE_URL: importUrl };
    // An export edited after it was written: the log computes another hash for the changed event, and the import is refused whole.
    const lines = readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes(chats[0]!.text));
    lines[at] = lines[at]!.replace(chats[0]!.text, 'words never said');
    writeFileSync(join(dir, 'edited.ndjson'), lines.join('\n'));
    const edited = await ops(['import', '--in', join(dir, 'edited.ndjson')], env);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain(`import: refused: world lobby seq ${chats[0]!.seq}: the export carries hash `);
    expect(edited.stderr).toContain('nothing imported');

    const imported = await ops(['import', '--in', file], env);
    expect(imported).toMatchObject({ code: 0, stdout: expect.stringContaining(`lobby: ${top} events (1..${top})`) as string });
    // Row for row what the source holds up to the export's head.
    const rows = async (url: string) => {
      const c = new Client({ connectionString: url });
      await c.connect();
      const { rows: r } = await c.query<{ row: string }>("SELECT to_jsonb(a)::text AS row FROM action_events a WHERE world_id = 'lobby' AND seq <= $1 ORDER BY seq", [top]);
      await c.end();
      return r.map((x) => x.row);
    };
    expect(await rows(importUrl)).toEqual(await rows(DEPLOYMENT.DATABASE_URL));

    const verified = await ops(['verify'], env);
    expect(verified.stdout).toContain('verify: OK');
    expect(verified.code).toBe(0);
    // The same state, there folded from the empty world, here from the snapshot stored above.
    const there = json<StateReport>((await ops(['state', '--world', 'lobby', '--at-seq', String(top), '--json'], env)).stdout);
    const here = json<StateReport>((await ops(['state', '--world', 'lobby', '--at-seq', String(top), '--json'])).stdout);
    expect(there.fold).toEqual({ fromSnapshot: 0, folded: top });
    expect(here.fold!.fromSnapshot).toBeGreaterThan(0);
    expect({ ...there, fold: null }).toEqual({ ...here, fold: null });

    // From stdin too; and the log is never filled twice.
    const again = await opsWithInput(['import', '--in', '-'], readFileSync(file, 'utf8'), env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('refused: world lobby already has events');

    // Without --out the export is stdout, and its summary goes to stderr.
    const piped = await ops(['export', '--world', 'lobby'], env);
    expect(piped.code).toBe(0);
    expect(ndjson<unknown>(piped.stdout).slice(1)).toEqual(events.filter((e) => e.world_id === 'lobby'));
    expect(piped.stderr).toBe(`exported ${top} events of lobby (1..${top})\n`);
  }, 60_000);

  it('republishes a range deleted from the EVENTS stream, after verify named it', async () => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(t.eventsStream);
    const held: { streamSeq: number; seq: number }[] = [];
    for (let s = info.state.first_seq; s <= info.state.last_seq; s++) {
      const m = await jsm.streams.getMessage(t.eventsStream, { seq: s }).catch(() => null);
      if (m && m.subject === t.eventSubject('lobby')) held.push({ streamSeq: s, seq: m.json<{ seq: number }>().seq });
    }
    const gone = held.filter((h) => h.seq >= 3 && h.seq <= 5);
    expect(gone.map((h) => h.seq)).toEqual([3, 4, 5]);
    for (const h of gone) await jsm.streams.deleteMessage(t.eventsStream, h.streamSeq);

    const bad = await ops(['verify', '--stream-last', 'all', '--json']);
    expect(bad.code).toBe(1);
    expect(json<VerifyReport>(bad.stdout).first).toMatchObject({ check: 'stream', worldId: 'lobby', seq: 3, message: expect.stringContaining('lacks seq 3') as string });

    const r = await ops(['republish', '--world', 'lobby', '--from', '1', '--to', '10', '--json']);
    expect(r.code).toBe(0);
    expect(json<{ worlds: unknown[] }>(r.stdout).worlds).toEqual([{ worldId: 'lobby', from: 1, to: 10, held: 7, published: 3, renamed: 3 }]);
    const good = await ops(['verify', '--stream-last', 'all']);
    expect(good.stdout).toContain('verify: OK');
    expect(good.code).toBe(0);
    // The projector took the copies as the old events they are: nothing parked.
    await caughtUp();
    expect((await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters')).rows[0]!.n).toBe(0);
  }, 60_000);

  it('names a changed event by its hash, whatever the stream and the read models say', async () => {
    const seq = chats[1]!.seq;
    const tamper = (text: string) =>
      tampering(() => pg.query(`UPDATE action_events SET payload = jsonb_set(payload, '{text}', to_jsonb($1::text)) WHERE world_id = 'lobby' AND seq = $2`, [text, seq]));
    await tamper('words never said');
    try {
      const r = await ops(['verify']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`verify: FAILED, \\d+ problem\\(s\\); first: world lobby seq ${seq} \\(log\\): hash mismatch`));
      expect(r.stdout).toMatch(new RegExp(`^lobby +\\d+ +HASH MISMATCH at ${seq} `, 'm'));
      const report = json<VerifyReport>((await ops(['verify', '--json'])).stdout);
      expect(report.first).toMatchObject({ check: 'log', worldId: 'lobby', seq, message: expect.stringMatching(/^hash mismatch/) as string });
      // The stream and the read model kept what was said: they differ from the tampered log at that seq too.
      expect(report.problems).toContainEqual(expect.objectContaining({ check: 'stream', worldId: 'lobby', seq }));
      expect(report.problems).toContainEqual(expect.objectContaining({ check: 'read-model', worldId: 'lobby', seq, message: expect.stringContaining('words never said') as string }));
      // Without them, the chain alone names it.
      const alone = json<VerifyReport>((await ops(['verify', '--json', '--stream-last', '0', '--skip-read-models'])).stdout);
      expect(alone).toMatchObject({ ok: false, first: { check: 'log', worldId: 'lobby', seq }, problems: [expect.objectContaining({ check: 'log' }) as Problem] });
    } finally {
      await tamper(chats[1]!.text);
    }
    expect((await ops(['verify'])).code).toBe(0);
  }, 60_000);

  it('names a guard of the log that is off, and a checkpoint ahead of the log', async () => {
    await pg.query('ALTER TABLE action_events DISABLE TRIGGER action_events_no_truncate');
    try {
      const r = await ops(['verify', '--json', '--stream-last', '0', '--skip-read-models']);
      expect(r.code).toBe(1);
      expect(json<VerifyReport>(r.stdout).first).toEqual({ check: 'guards', worldId: null, seq: null, message: expect.stringContaining('does not refuse TRUNCATE') as string });
    } finally {
      await pg.query('ALTER TABLE action_events ENABLE TRIGGER action_events_no_truncate');
    }
    const top = await head();
    await pg.query("INSERT INTO projection_checkpoints (projection, world_id, seq) VALUES ('ops_test', 'lobby', $1)", [top + 50]);
    try {
      const r = await ops(['verify', '--json', '--skip-read-models']);
      expect(r.code).toBe(1);
      const report = json<VerifyReport>(r.stdout);
      expect(report.first).toMatchObject({ check: 'truncation', worldId: 'lobby', seq: top + 1, message: expect.stringContaining(`checkpoint ops_test (seq ${top + 50})`) as string });
      expect(report.problems).toContainEqual(expect.objectContaining({ check: 'checkpoints', worldId: 'lobby', seq: top + 1 }));
    } finally {
      await pg.query("DELETE FROM projection_checkpoints WHERE projection = 'ops_test'");
    }
    expect((await ops(['verify'])).code).toBe(0);
  }, 60_000);

  it('answers bad input with a message and a non-zero exit', async () => {
    const cases: [string[], number, string][] = [
      [['frob'], 2, 'unknown command: frob'],
      [['events', '--world', 'lobby', '--frob'], 2, 'unknown flag --frob'],
      [['events', '--world', 'lobby', '--from', 'abc'], 2, '--from: not a whole number: abc'],
      [['events', '--world', 'lobby', '--from', '9', '--to', '2'], 2, '--from 9 is past --to 2'],
      [['events'], 2, '--world is required'],
      [['events', '--world', 'atlantis'], 2, 'unknown world: atlantis'],
      [['events', '--world', 'lobby', '--type', 'character.flew'], 2, 'unknown event type character.flew'],
      [['state', '--world', 'lobby', '--at-seq', '99999999'], 2, 'its log ends at seq'],
      [['state', '--world', 'lobby', '--at-time', 'yesterday'], 2, '--at-time: not a time'],
      [['verify', '--stream-last', 'some'], 2, '--stream-last: not a whole number: some'],
      [['republish', '--world', 'lobby', '--from'], 2, '--from needs a value'],
      [['import'], 2, '--in FILE is required'],
      [['import', '--in', join(dir, 'missing.ndjson')], 2, 'cannot read'],
    ];
    writeFileSync(join(dir, 'not-an-export.ndjson'), '{"hello":1}\n');
    cases.push([['import', '--in', join(dir, 'not-an-export.ndjson')], 2, 'not an export of the log']);
    for (const [args, code, message] of cases) {
      const r = await ops(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code, stderr: expect.stringContaining(message) as string });
      expect(r.stderr).toMatch(/^ops: /);
    }
    const help = await ops(['state', '--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('--at-seq N') as string });
    const bad = await ops(['events', '--world', 'lobby'], { NATS_PREFIX: 'Not A Prefix' });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('NATS_PREFIX');
  }, 120_000);

  // Last: it stops the sequencer, and the log it leaves must be whole again for nobody after it.
  it('names a truncated tail through what remembers it: checkpoints, world snapshots and the stream', async () => {
    await system.apps.sequencer.stop();
    await caughtUp();
    const top = await head();
    await saveSnapshot(top);
    const { rows: tail } = await pg.query<{ row: string }>("SELECT to_jsonb(a)::text AS row FROM action_events a WHERE world_id = 'lobby' AND seq > $1 ORDER BY seq", [top - 3]);
    await tampering(() => pg.query("DELETE FROM action_events WHERE world_id = 'lobby' AND seq > $1", [top - 3]));
    try {
      // The chain left is whole: only what remembers the removed events can tell.
      expect((await pg.query("SELECT * FROM action_events_breaks('lobby')")).rows).toEqual([]);
      const r = await ops(['verify', '--json', '--stream-last', 'all']);
      expect(r.code).toBe(1);
      const report = json<VerifyReport>(r.stdout);
      expect(report.first).toEqual({
        check: 'truncation',
        worldId: 'lobby',
        seq: top - 2,
        message: expect.stringMatching(new RegExp(`^the log ends at seq ${top - 3} but .*its tail was removed, seqs ${top - 2}\\.\\.${top} are missing$`)) as string,
      });
      for (const witness of ['checkpoint world_read_model', 'a world snapshot', 'the EVENTS stream']) expect(report.first!.message).toContain(`${witness} (seq ${top})`);
      for (const check of ['checkpoints', 'snapshots', 'stream']) expect(report.problems).toContainEqual(expect.objectContaining({ check, worldId: 'lobby', seq: top - 2 }));
      const text = await ops(['verify']);
      expect(text.stdout).toMatch(new RegExp(`^lobby +${top - 3} +TRUNCATED `, 'm'));
      expect(text.stdout).toContain(`first: world lobby seq ${top - 2} (truncation): the log ends at seq ${top - 3}`);
    } finally {
      // Put back as they were: the chain trigger computes the same hashes for them.
      await pg.query('INSERT INTO action_events SELECT * FROM jsonb_populate_recordset(NULL::action_events, $1::jsonb)', [`[${tail.map((t) => t.row).join(',')}]`]);
      await system.apps.sequencer.start();
    }
    const good = await ops(['verify', '--stream-last', 'all']);
    expect(good.stdout).toContain('verify: OK');
  }, 90_000);
});
