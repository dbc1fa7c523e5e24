import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, NatsConnection } from '@nats-io/transport-node';
import type { Client } from 'pg';
import { topology } from '@tilemud/runtime';
import { joinPlayer, TestClient } from '../support/client';
import { db } from '../support/db';
import { eventually } from '../support/eventually';
import { runEnv, TestSystem } from '../support/system';

const ROOT = join(__dirname, '..', '..');

/** `node scripts/ops.mjs …` as an operator runs it, with this run's environment. */
function ops(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'scripts', 'ops.mjs'), ...args], { env: runEnv(), cwd: ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A row of `ops deadletters list --json` (scripts/ops/dead-letters.mjs), the fields these tests read. */
interface DeadLetter {
  id: number;
  stream: string;
  subject: string;
  streamSeq: number;
  worldId: string | null;
  eventSeq: number | null;
  reason: string;
  payload: string;
  attempts: number;
}

async function deadLetters(): Promise<DeadLetter[]> {
  const r = await ops('deadletters', 'list', '--json');
  if (r.code !== 0) throw new Error(`deadletters list: ${r.code} ${r.stderr}`);
  return JSON.parse(r.stdout) as DeadLetter[];
}

const until = <T>(what: string, f: () => Promise<T | undefined>, ms = 20_000): Promise<T> => eventually(what, f, ms);

/** ms from a's move to b seeing it in a delta, for `n` moves. */
async function deltaLatencies(a: TestClient, b: TestClient, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = b.received.length;
    const started = performance.now();
    const ack = await a.move(a.freeDirection());
    if (ack.status !== 'applied') continue;
    await b.waitForType('event.state_delta', (m) => m.seq >= ack.seq!, 10_000, from);
    out.push(performance.now() - started);
  }
  return out;
}

const p50 = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

describe('poison events: what cannot be applied is parked, and nothing waits behind it', () => {
  const system = new TestSystem({ LOG_LEVEL: 'info' });
  const t = topology(process.env.NATS_PREFIX!);
  let pg: Client;
  let nc: NatsConnection;
  let a: TestClient;
  let b: TestClient;
  const figures: Record<string, number> = {};
  let firstPoisonSeq = 0;
  let lastPoisonSeq = 0;

  beforeAll(async () => {
    await system.start();
    pg = await db();
    nc = await connect({ servers: process.env.NATS_URL ?? '127.0.0.1:4222' });
    a = await joinPlayer(system);
    b = await joinPlayer(system);
  }, 60_000);

  afterAll(async () => {
    // Suites after this one read the run's EVENTS stream: take out what this one put there (the
    // poison, and what retries published again).
    if (nc && firstPoisonSeq) {
      const jsm = await jetstreamManager(nc);
      const { state } = await jsm.streams.info(t.eventsStream);
      for (let s = firstPoisonSeq; s <= state.last_seq; s++) {
        const m = await jsm.streams.getMessage(t.eventsStream, { seq: s }).catch(() => null);
        if (m && (s === firstPoisonSeq || s === lastPoisonSeq || m.header?.get('Tilemud-Dead-Letter'))) await jsm.streams.deleteMessage(t.eventsStream, s);
      }
    }
    await a?.close();
    await b?.close();
    await system.stop();
    await pg?.end();
    await nc?.close();
    process.stderr.write(`poison-events figures: ${JSON.stringify(figures)}\n`);
  });

  it('parks a malformed message and an event the log does not hold, names them, and deltas keep coming promptly', async () => {
    const worldId = a.worldId;
    figures.deltaP50MsBefore = Math.round(p50(await deltaLatencies(a, b, 15)));
    const logMax = Number((await pg.query<{ m: string }>('SELECT max(seq) AS m FROM action_events WHERE world_id = $1', [worldId])).rows[0]!.m);
    const js = jetstream(nc);
    const bad = await js.publish(t.eventSubject(worldId), '{"worldId": "lobby", "seq": ');
    const forged = {
      worldId,
      seq: logMax + 1000,
      type: 'character.moved',
      data: { characterId: a.characterId, x: 1, y: 1, facing: 'north' },
      characterId: a.characterId,
      intentSeq: 999_999,
      recordedAt: new Date().toISOString(),
    };
    const ahead = await js.publish(t.eventSubject(worldId), JSON.stringify(forged));
    [firstPoisonSeq, lastPoisonSeq] = [bad.seq, ahead.seq];

    // Play goes on: every move is seen by the other client, in one unbroken chain of deltas.
    const chainFrom = b.received.length;
    const during = await deltaLatencies(a, b, 15);
    figures.deltaP50MsWithPoison = Math.round(p50(during));
    expect(during).toHaveLength(15);
    expect(b.chainBreaks(chainFrom)).toEqual([]);

    const parked = await until('two dead letters', async () => {
      const list = await deadLetters();
      return list.length >= 2 ? list : undefined;
    });
    expect(parked).toHaveLength(2); // nothing the sequencer published was parked
    const byStreamSeq = new Map(parked.map((d) => [d.streamSeq, d]));
    expect(byStreamSeq.get(bad.seq)).toMatchObject({
      stream: t.eventsStream,
      subject: t.eventSubject(worldId),
      worldId: null,
      eventSeq: null,
      reason: 'malformed: not JSON',
      attempts: 1,
      payload: '{"worldId": "lobby", "seq": ',
    });
    expect(byStreamSeq.get(ahead.seq)).toMatchObject({ subject: t.eventSubject(worldId), worldId, eventSeq: forged.seq, reason: `not in the log: ${worldId}:${forged.seq}`, attempts: 1 });
    expect(JSON.parse(byStreamSeq.get(ahead.seq)!.payload)).toEqual(forged);
    // The read model never saw the forged move; the warn line names subject and stream seq.
    const row = await pg.query<{ last_seq: string }>('SELECT last_seq FROM rm_characters WHERE id = $1', [a.characterId]);
    expect(Number(row.rows[0]!.last_seq)).toBeLessThan(forged.seq);
    expect(system.apps.projector.output).toMatch(new RegExp(`"subject":"${t.eventSubject(worldId).replace(/\./g, '\\.')}","stream":"${t.eventsStream}","streamSeq":${ahead.seq}`));
    // Counted by a bounded reason on the projector's ops port (docs/operations.md).
    const metrics = await (await fetch(`${await system.apps.projector.opsUrl()}/metrics`)).text();
    expect(metrics).toMatch(/^tilemud_projector_dead_letters_total\{reason="malformed"\} 1$/m);
    expect(metrics).toMatch(/^tilemud_projector_dead_letters_total\{reason="not_in_log"\} 1$/m);

    const table = await ops('deadletters', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^id\s+first seen\s+attempts\s+subject\s+stream seq\s+world\s+event seq\s+reason/);
    expect(table.stdout).toContain(`not in the log: ${worldId}:${forged.seq}`);
  }, 120_000);

  it('retry publishes it again: still not in the log, it is parked again with one more attempt', async () => {
    const forged = (await deadLetters()).find((d) => d.eventSeq !== null)!;
    const r = await ops('deadletters', 'retry', String(forged.id));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`dead letter ${forged.id} published again and parked again (attempt 2)`);
    expect((await deadLetters()).find((d) => d.id === forged.id)).toMatchObject({ attempts: 2, reason: forged.reason });
  }, 60_000);

  it('retry of one that now agrees with the log removes it', async () => {
    // As if parked while it could not be checked: the log's own event at a seq the world holds.
    const { rows } = await pg.query<{ seq: string; type: string; payload: unknown; character_id: string | null; intent_seq: string | null; recorded_at: Date }>(
      'SELECT seq, type, payload, character_id, intent_seq, recorded_at FROM action_events WHERE world_id = $1 ORDER BY seq DESC LIMIT 1',
      [a.worldId],
    );
    const e = rows[0]!;
    const event = {
      worldId: a.worldId,
      seq: Number(e.seq),
      type: e.type,
      data: e.payload,
      characterId: e.character_id,
      intentSeq: e.intent_seq === null ? null : Number(e.intent_seq),
      recordedAt: new Date(e.recorded_at).toISOString(),
    };
    const ins = await pg.query<{ id: string }>(`INSERT INTO dead_letters (stream, subject, stream_seq, world_id, event_seq, reason, payload) VALUES ($1, $2, 0, $3, $4, 'test', $5) RETURNING id`, [
      t.eventsStream,
      t.eventSubject(a.worldId),
      a.worldId,
      event.seq,
      Buffer.from(JSON.stringify(event)),
    ]);
    const id = String(ins.rows[0]!.id);
    const r = await ops('deadletters', 'retry', id);
    expect(r).toMatchObject({ code: 0, stdout: `dead letter ${id} published again: it agrees with the log now and was removed\n` });
    expect((await deadLetters()).map((d) => String(d.id))).not.toContain(id);
  }, 60_000);

  it('drop deletes one; bad input is refused with exit 2 and a clear message', async () => {
    const malformed = (await deadLetters()).find((d) => d.eventSeq === null)!;
    expect(await ops('deadletters', 'drop', String(malformed.id))).toMatchObject({ code: 0, stdout: `dead letter ${malformed.id} dropped\n` });
    expect((await deadLetters()).map((d) => d.id)).not.toContain(malformed.id);
    expect(await ops('deadletters', 'drop', String(malformed.id))).toMatchObject({ code: 2, stderr: `ops: no dead letter ${malformed.id}\n` });
    expect((await ops('deadletters', 'retry', 'abc')).stderr).toContain('not a dead letter id: abc');
    expect((await ops('deadletters', 'retry')).code).toBe(2);
    expect((await ops('deadletters', 'list', '--yaml')).stderr).toContain('unexpected argument: --yaml');
    expect((await ops('deadletters', 'frob')).stderr).toContain('unknown deadletters command: frob');
  }, 60_000);
});
