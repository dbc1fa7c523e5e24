import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { connect, NatsConnection } from '@nats-io/transport-node';
import type { Client } from 'pg';
import { topology } from '@tilemud/runtime';
import { sleep } from '../support/client';
import { db } from '../support/db';
import { DrillPlayer } from '../support/drill';
import { eventually } from '../support/eventually';
import { TestSystem } from '../support/system';

/** The bound from the sequencer's restart to the projector at the log's head (the machine may be busy). */
const BOUND_MS = 15_000;
/** Longer than the apps' stream check interval (3 s): the projector has looked, found no stream, and looks again. */
const DOWN_MS = 4000;
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

const until = <T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = BOUND_MS): Promise<T> => eventually(what, f, ms);

/**
 * Issue #10 item 9: EVENTS deleted while the sequencer is stopped. The sequencer, started again,
 * makes EVENTS again and refills it from the log; the projector, which kept running, must follow
 * the new stream to the log's head (it once stood 29 events behind for good).
 */
describe('lost EVENTS stream while the sequencer is stopped', () => {
  const system = new TestSystem();
  const t = topology(process.env.NATS_PREFIX!);
  let pg: Client;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const players: DrillPlayer[] = [];
  let timer: NodeJS.Timeout | undefined;
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    await system.start();
    pg = await db();
    nc = await connect({ servers: process.env.NATS_URL ?? '127.0.0.1:4222' });
    jsm = await jetstreamManager(nc);
    for (let i = 0; i < 3; i++) {
      const p = new DrillPlayer(system);
      await p.start();
      players.push(p);
    }
    timer = setInterval(() => players.forEach((p) => p.tick()), 150);
  }, 60_000);

  afterAll(async () => {
    if (timer) clearInterval(timer);
    players.forEach((p) => p.stop());
    await system.stop();
    await pg?.end();
    await nc?.close();
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'lost-events-sequencer-stopped.json'), JSON.stringify(figures, null, 2));
    for (const app of Object.values(system.apps)) writeFileSync(join(ARTIFACTS, `lost-events-sequencer-stopped-${app.name}.log`), app.output);
  });

  /** Worlds whose checkpoint is behind their log's head, with both. */
  async function behind(): Promise<Array<{ world: string; head: number; checkpoint: number }>> {
    const { rows } = await pg.query(
      `SELECT e.world_id, max(e.seq) AS head, coalesce(max(c.seq), 0) AS checkpoint
         FROM action_events e LEFT JOIN projection_checkpoints c ON c.world_id = e.world_id AND c.projection = 'world_read_model'
        GROUP BY e.world_id`,
    );
    return rows.map((r) => ({ world: r.world_id, head: Number(r.head), checkpoint: Number(r.checkpoint) })).filter((r) => r.checkpoint < r.head);
  }

  /** Every player has had a delta after `at` and an intent sent after `at` applied. */
  const everyoneGoesOnAfter = (at: number) =>
    players.every((p) => p.deltaTimes.some((x) => x > at) && [...p.answers.values()].some((a) => a.status === 'applied' && a.at > at));

  it('the projector follows the refilled stream to the log head, and stays there', async () => {
    await until('play under way', () => everyoneGoesOnAfter(0), 30_000);
    await system.apps.sequencer.stop();
    await jsm.streams.delete(t.eventsStream);
    await sleep(DOWN_MS); // the projector notices the stream gone while nothing makes it again
    const restarted = Date.now();
    await system.apps.sequencer.start();
    await until('deltas and applied intents for every player again', () => everyoneGoesOnAfter(restarted));
    // At the head: with intents still flowing, the checkpoint reaches each world's head as it was.
    const head = await pg.query('SELECT world_id, max(seq) AS head FROM action_events GROUP BY world_id');
    await until('the projector at the log head', async () => {
      const { rows } = await pg.query(`SELECT world_id, seq FROM projection_checkpoints WHERE projection = 'world_read_model'`);
      const cp = new Map(rows.map((r) => [r.world_id as string, Number(r.seq)]));
      return head.rows.every((r) => (cp.get(r.world_id) ?? 0) >= Number(r.head)) || undefined;
    });
    figures.sequencerRestartToProjectorAtHeadMs = Date.now() - restarted;
    process.stderr.write(`sequencer restart to projector at the log head: ${figures.sequencerRestartToProjectorAtHeadMs} ms\n`);
    // And it stays there: traffic stops, and the checkpoint catches the final head.
    clearInterval(timer);
    timer = undefined;
    await sleep(500);
    await until('the projector at the final head', async () => ((await behind()).length === 0 ? true : undefined));
    expect(players.flatMap((p) => p.chainErrors)).toEqual([]);
    // Followed by consuming afresh, not rescued by the stall watch deleting the consumer.
    expect(system.apps.projector.output).not.toContain('delivers nothing though events wait');
  }, 120_000);
});
