import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { connect, NatsConnection } from '@nats-io/transport-node';
import type { Client } from 'pg';
import { isIntentAck } from '@tilemud/contracts';
import { TestClient, joinPlayer } from '../support/client';
import { db, dumpReadModels } from '../support/db';
import { streamSeqs } from '../support/streams';
import { eventually } from '../support/eventually';
import { AppProcess, runEnv, TestSystem } from '../support/system';

/** `npm run ops -- …` as an operator runs it, against this run's deployment. */
function ops(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', 'ops', '--', ...args], { env: runEnv(), cwd: join(__dirname, '..', '..'), maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function logMax(pg: Client, worldId: string): Promise<number> {
  const { rows } = await pg.query<{ max: number }>('SELECT coalesce(max(seq), 0)::int AS max FROM action_events WHERE world_id = $1', [worldId]);
  return rows[0]!.max;
}

describe('durability: nothing acked is lost, nothing is acked before it is durable', () => {
  const system = new TestSystem();
  let pg: Client;
  let nc: NatsConnection;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    await system.start();
    pg = await db();
    nc = await connect({ servers: process.env.NATS_URL ?? '127.0.0.1:4222' });
    a = await joinPlayer(system);
    b = await joinPlayer(system);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await system.stop();
    await pg?.query('DROP TRIGGER IF EXISTS test_fail_append ON action_events').catch(() => undefined);
    await pg?.end();
    await nc?.close();
  });

  it('sends no applied ack when the PostgreSQL append fails, and applies the retry once it works', async () => {
    // The append of this one character's events fails inside PostgreSQL, as a real fault would.
    await pg.query(`CREATE OR REPLACE FUNCTION test_fail_append() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.character_id = '${a.characterId}' THEN RAISE EXCEPTION 'injected append failure'; END IF; RETURN NEW; END $$`);
    await pg.query('CREATE TRIGGER test_fail_append BEFORE INSERT ON action_events FOR EACH ROW EXECUTE FUNCTION test_fail_append()');

    const dir = a.freeDirection();
    const refused = await a.move(dir);
    expect(refused).toMatchObject({ status: 'rejected', error: { code: 'UNAVAILABLE', category: 'unavailable', retryable: true } });
    // The other player in the same batch window is unaffected.
    expect((await b.move(b.freeDirection())).status).toBe('applied');
    // Not a pause: a marker through the pipeline after the refusal. Once `a` sees its delta, an
    // applied ack for the refused move (a hidden retry) would have come before it.
    const marker = await b.intent('intent.chat', { text: 'barrier: after the refused move', channel: 'world' });
    expect(marker.status).toBe('applied');
    await a.waitForType('event.state_delta', (m) => m.seq >= marker.seq!, 10_000, 0, `the barrier's delta (seq ${marker.seq}) after the refused move`);
    expect(a.received.filter((m) => isIntentAck(m) && m.intentSeq === refused.intentSeq && m.status === 'applied')).toEqual([]);
    const { rowCount } = await pg.query('SELECT 1 FROM action_events WHERE character_id = $1 AND intent_seq = $2', [a.characterId, refused.intentSeq]);
    expect(rowCount).toBe(0);

    await pg.query('DROP TRIGGER test_fail_append ON action_events');
    const from = a.received.length;
    a.send({ type: 'intent.move', intentSeq: refused.intentSeq, payload: { direction: dir } });
    const retried = await a.waitForAck(refused.intentSeq, 10_000, from);
    expect(retried).toMatchObject({ status: 'applied', seq: expect.any(Number) as number });
    const rows = await pg.query<{ seq: string }>('SELECT seq FROM action_events WHERE character_id = $1 AND intent_seq = $2', [a.characterId, refused.intentSeq]);
    expect(rows.rows.map((r) => Number(r.seq))).toEqual([retried.seq]);
  });

  it('a sequencer killed after commit and before publish publishes the missing events on restart, each once', async () => {
    await system.apps.sequencer.stop();
    // Scoped to this player: another player's commit (a leave, going away) must not spend it.
    await system.apps.sequencer.start({ TILEMUD_FAILPOINT: `sequencer.after_commit@${a.characterId}` });

    const intentSeq = ++a.intentSeq;
    a.send({ type: 'intent.move', intentSeq, payload: { direction: a.freeDirection() } });
    // Dies on the spot, right after its commit; if it does not, say what it did instead.
    const seqOut = system.apps.sequencer;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      seqOut.exited,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the sequencer with the failpoint did not die within 20 s:\n${seqOut.since().slice(-4000)}\ngateway:\n${system.apps.gateway.output.slice(-3000)}`)),
          20_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const committed = await pg.query<{ seq: string }>('SELECT seq FROM action_events WHERE character_id = $1 AND intent_seq = $2', [a.characterId, intentSeq]);
    expect(committed.rowCount).toBe(1);
    const seq = Number(committed.rows[0]!.seq);
    expect(await streamSeqs(nc, 'lobby')).not.toContain(seq); // never published
    expect(a.received.some((m) => isIntentAck(m) && m.intentSeq === intentSeq)).toBe(false); // never acked

    await system.apps.sequencer.start({ TILEMUD_FAILPOINT: undefined });
    // The world sees it...
    await b.waitForType('event.state_delta', (m) => m.seq >= seq && m.prevSeq < seq, 15_000, 0, `the delta holding the republished seq ${seq}`);
    // ...the intent, redelivered or resent, is answered with the seq it was committed at...
    a.send({ type: 'intent.move', intentSeq, payload: { direction: 'north' } });
    const ack = await a.waitForAck(intentSeq, 15_000);
    expect(ack).toMatchObject({ status: 'duplicate', seq, originalStatus: 'applied' });
    // ...and the stream holds every event of the log exactly once. (Not necessarily in seq order:
    // an earlier suite of the run may have deleted the run's stream, and a stream refilled while new
    // events went on holds the newer ones first, by design.)
    const max = await logMax(pg, 'lobby');
    const seqs = await streamSeqs(nc, 'lobby');
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: max }, (_, i) => i + 1));
  }, 60_000);

  it('rebuilds the read models from the log to the same rows, beside the running projector (ops rebuild)', async () => {
    await a.intent('intent.chat', { text: 'before the rebuild', channel: 'world' });
    const cp = async () => (await pg.query<{ seq: number }>("SELECT coalesce(max(seq), 0)::int AS seq FROM projection_checkpoints WHERE world_id = 'lobby'")).rows[0]!.seq;
    // In a full run the lobby may still hold characters earlier suites left there, which this
    // system's gateway reaps (away, then left) while the rebuild runs: the read models then rightly
    // change under it. The comparison counts only for a rebuild during which the log stood still.
    for (let attempt = 1; ; attempt++) {
      const max = await logMax(pg, 'lobby');
      await eventually('the projector to reach the log head', async () => (await cp()) >= max, 15_000);
      const before = await dumpReadModels(pg);
      expect(before.rm_characters!.length).toBeGreaterThan(0);
      expect(before.rm_chat!.length).toBeGreaterThan(0);

      // The projector keeps running: the rebuild folds the log into shadow tables and swaps them in.
      const r = await ops(['rebuild', '--world', 'lobby', '--json']);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      if ((await logMax(pg, 'lobby')) !== max && attempt < 10) continue;
      expect(JSON.parse(r.stdout)).toMatchObject({ worlds: [{ worldId: 'lobby', seq: max }], events: max, rowsWritten: 0, drift: { rows: 0 } });
      expect(await dumpReadModels(pg)).toEqual(before);
      break;
    }
  }, 60_000);

  it('the in-place rebuild is gone: the projector refuses --rebuild (exit 78) and leaves the read models alone', async () => {
    const before = await dumpReadModels(pg);
    const refused = new AppProcess('projector', runEnv());
    await expect(refused.start({}, ['--rebuild'])).rejects.toThrow(/exited \(78\) while starting[\s\S]*--rebuild is gone/);
    expect(await dumpReadModels(pg)).toEqual(before);
  }, 60_000);
});
