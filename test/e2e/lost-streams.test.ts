import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream, jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { connect, NatsConnection } from '@nats-io/transport-node';
import type { Client } from 'pg';
import { ensureTopology, RECREATE_SETTLE_MS, topology } from '@tilemud/runtime';
import { db } from '../support/db';
import { DrillPlayer, settle } from '../support/drill';
import { eventually, sleep } from '../support/eventually';
import { streamSeqs } from '../support/streams';
import { TestSystem } from '../support/system';

/** Heals are checked within this bound (the apps check every 3 s; the machine may be busy). */
const BOUND_MS = 20_000;
/** Longer than the apps' stream check interval (3 s): the projector has looked, found no stream, and looks again. */
const DOWN_MS = 4000;
/** The players' world (DrillPlayers enter the lobby): each world has its own consumers (world leases). */
const WORLD = 'lobby';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

const until = <T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = BOUND_MS): Promise<T> => eventually(what, f, ms);

/**
 * Streams and consumers deleted under play (an operator's mistake, a NATS store lost): the apps
 * notice and make them again by themselves, the sequencer refills EVENTS from the log, and every
 * client's deltas go on in one chain. No app is restarted.
 */
describe('lost streams: deleted under play, healed without a restart', () => {
  const system = new TestSystem();
  const t = topology(process.env.NATS_PREFIX!);
  let pg: Client;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const players: DrillPlayer[] = [];
  let timer: NodeJS.Timeout | undefined;
  let pids: Array<number | undefined> = [];
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    await system.start();
    pids = Object.values(system.apps).map((a) => a.proc?.pid);
    pg = await db();
    nc = await connect({ servers: process.env.NATS_URL ?? '127.0.0.1:4222' });
    jsm = await jetstreamManager(nc);
    for (let i = 0; i < 4; i++) {
      const p = new DrillPlayer(system);
      await p.start();
      players.push(p);
    }
    timer = setInterval(() => players.forEach((p) => p.tick()), 150);
    await until('play under way', () => everyoneGoesOnAfter(0), 30_000);
  }, 60_000);

  afterAll(async () => {
    if (timer) clearInterval(timer);
    players.forEach((p) => p.stop());
    await system.stop();
    await pg?.end();
    await nc?.close();
    process.stderr.write(`lost-streams figures: ${JSON.stringify(figures)}\n`);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'lost-streams.json'), JSON.stringify(figures, null, 2));
    for (const app of Object.values(system.apps)) writeFileSync(join(ARTIFACTS, `lost-streams-${app.name}.log`), app.output);
  });

  /** Ms from `at` until every player has had a delta after it, and each one's first. */
  async function everyoneGetsDeltasAfter(at: number): Promise<number> {
    await until('a delta for every player', () => players.every((p) => p.deltaTimes.some((x) => x > at)));
    return Math.max(...players.map((p) => p.deltaTimes.find((x) => x > at)! - at));
  }

  /**
   * Waits until what was deleted is back (`back` resolves), then until every player has a delta
   * after that (deltas in flight at the deletion do not count); returns ms from the deletion to
   * the last player's first such delta.
   */
  async function deltasAgainAfter(at: number, back: () => Promise<unknown>): Promise<number> {
    await until('made again', () =>
      back().then(
        () => true,
        () => undefined,
      ),
    );
    const since = Date.now();
    await everyoneGetsDeltasAfter(since);
    return Math.max(...players.map((p) => p.deltaTimes.find((x) => x > since)! - at));
  }

  /** Every player has an intent sent after `at` answered `applied`. */
  async function everyoneApplied(at: number): Promise<void> {
    await until('an applied intent for every player', () => players.every((p) => [...p.answers.values()].some((a) => a.status === 'applied' && a.at > at)));
  }

  const logMax = async (worldId: string) => Number((await pg.query<{ m: string }>('SELECT coalesce(max(seq), 0) AS m FROM action_events WHERE world_id = $1', [worldId])).rows[0]?.m);
  /** The world with the most events in the log. */
  async function busiestWorld(): Promise<string> {
    const { rows } = await pg.query<{ world_id: string }>('SELECT world_id FROM action_events GROUP BY world_id ORDER BY count(*) DESC LIMIT 1');
    if (!rows[0]) throw new Error('the log has no events');
    return rows[0].world_id;
  }

  function expectNoRestartAndUnbrokenChains(): void {
    expect(Object.values(system.apps).map((a) => a.proc?.pid)).toEqual(pids);
    expect(Object.values(system.apps).map((a) => a.proc?.exitCode)).toEqual([null, null, null]);
    expect(players.flatMap((p) => p.chainErrors)).toEqual([]);
  }

  it('EVENTS stream deleted: deltas come again, and the stream is refilled with the log', async () => {
    const at = Date.now();
    await jsm.streams.delete(t.eventsStream);
    figures.eventsDeletedToFirstDeltaMs = await deltasAgainAfter(at, () => jsm.streams.info(t.eventsStream));
    await everyoneApplied(Date.now());
    // Refilled: the new stream holds every event of the log, each once (new ones after it too).
    const worldId = await busiestWorld();
    const upTo = await logMax(worldId);
    const seqs = await until('the stream refilled', async () => {
      const s = await streamSeqs(nc, worldId, t).catch(() => []); // not made again yet
      return s.filter((x) => x <= upTo).length === upTo ? s : undefined;
    });
    expect(new Set(seqs).size).toBe(seqs.length);
    await until('the refill logged', () => system.apps.sequencer.output.includes('EVENTS stream is new: refilled from the log') || undefined);
    expectNoRestartAndUnbrokenChains();
  }, 90_000);

  it('INTENTS stream deleted: intents are applied again and deltas come', async () => {
    const at = Date.now();
    await jsm.streams.delete(t.intentsStream);
    figures.intentsDeletedToFirstDeltaMs = await deltasAgainAfter(at, () => jsm.consumers.info(t.intentsStream, t.sequencerConsumerOf(WORLD)));
    await everyoneApplied(at);
    expect((await jsm.streams.info(t.intentsStream)).config.name).toBe(t.intentsStream);
    expectNoRestartAndUnbrokenChains();
  }, 90_000);

  it('projector consumer deleted alone: made again, deltas come', async () => {
    await jsm.consumers.delete(t.eventsStream, t.projectorConsumerOf(WORLD));
    const at = Date.now();
    figures.projectorConsumerDeletedToFirstDeltaMs = await deltasAgainAfter(at, () => jsm.consumers.info(t.eventsStream, t.projectorConsumerOf(WORLD)));
    expectNoRestartAndUnbrokenChains();
  }, 90_000);

  it('sequencer consumer deleted alone: made again, intents are applied', async () => {
    const at = Date.now();
    await jsm.consumers.delete(t.intentsStream, t.sequencerConsumerOf(WORLD));
    figures.sequencerConsumerDeletedToFirstDeltaMs = await deltasAgainAfter(at, () => jsm.consumers.info(t.intentsStream, t.sequencerConsumerOf(WORLD)));
    await everyoneApplied(at);
    expectNoRestartAndUnbrokenChains();
  }, 90_000);

  it('with no traffic at all, both streams deleted come back by themselves, EVENTS refilled', async () => {
    clearInterval(timer);
    timer = undefined;
    await settle(players, 30_000); // no traffic: every intent sent is answered
    const worldId = await busiestWorld();
    const upTo = await logMax(worldId);
    const at = Date.now();
    await jsm.streams.delete(t.eventsStream);
    await jsm.streams.delete(t.intentsStream);
    await until('both streams and consumers back', async () => {
      const there = await Promise.all([
        jsm.consumers.info(t.eventsStream, t.projectorConsumerOf(WORLD)).then(
          () => true,
          () => false,
        ),
        jsm.consumers.info(t.intentsStream, t.sequencerConsumerOf(WORLD)).then(
          () => true,
          () => false,
        ),
      ]);
      return there.every(Boolean);
    });
    figures.idleStreamsBackMs = Date.now() - at;
    await until('the idle stream refilled', async () => (new Set((await streamSeqs(nc, worldId, t).catch(() => [])).filter((x) => x <= upTo)).size === upTo ? true : undefined));
    // And play resumes on them (players resend what is not answered, as real clients do).
    const resumed = Date.now();
    timer = setInterval(() => players.forEach((p) => p.tick()), 150);
    await everyoneApplied(resumed);
    await everyoneGetsDeltasAfter(resumed);
    expectNoRestartAndUnbrokenChains();
  }, 90_000);

  /** Worlds whose checkpoint is behind their log's head, with both. */
  async function behind(): Promise<Array<{ world: string; head: number; checkpoint: number }>> {
    const { rows } = await pg.query<{ world_id: string; head: string; checkpoint: string }>(
      `SELECT e.world_id, max(e.seq) AS head, coalesce(max(c.seq), 0) AS checkpoint
         FROM action_events e LEFT JOIN projection_checkpoints c ON c.world_id = e.world_id AND c.projection = 'world_read_model'
        GROUP BY e.world_id`,
    );
    return rows.map((r) => ({ world: r.world_id, head: Number(r.head), checkpoint: Number(r.checkpoint) })).filter((r) => r.checkpoint < r.head);
  }

  /** Every player has had a delta after `at` and an intent sent after `at` applied. */
  const everyoneGoesOnAfter = (at: number) => players.every((p) => p.deltaTimes.some((x) => x > at) && [...p.answers.values()].some((a) => a.status === 'applied' && a.at > at));

  /**
   * EVENTS made again by another hand while the sequencer is stopped (an operator's tool, or a
   * stopping owner's publisher retrying its newest events into it) holds the log's newest event
   * and nothing before it. The stream's last message proves nothing then: the next start must
   * know the stream is not the one the log was published into (stream_fills) and refill it whole.
   * (Before, it republished only past the stream's last message: nothing, for good.)
   */
  it('EVENTS made again elsewhere while the sequencer is stopped, newest event in it: the next start refills the whole log', async () => {
    await until('play under way', () => everyoneGoesOnAfter(0), 30_000);
    await system.apps.sequencer.stop();
    const worldId = await busiestWorld();
    await jsm.streams.delete(t.eventsStream);
    // nats-server removes a deleted stream's files just after answering; one made again at once loses them.
    await sleep(RECREATE_SETTLE_MS);
    await ensureTopology(nc, t);
    const { rows } = await pg.query<{ seq: string; type: string; payload: unknown; character_id: string | null; intent_seq: string | null; recorded_at: Date }>(
      'SELECT * FROM action_events WHERE world_id = $1 ORDER BY seq DESC LIMIT 1',
      [worldId],
    );
    expect(rows).toHaveLength(1);
    const last = rows[0]!;
    const js = jetstream(nc);
    const envelope = {
      worldId,
      seq: Number(last.seq),
      type: last.type,
      data: last.payload,
      characterId: last.character_id,
      intentSeq: Number(last.intent_seq),
      recordedAt: new Date(last.recorded_at).toISOString(),
    };
    await js.publish(t.eventSubject(worldId), JSON.stringify(envelope), { msgID: `${worldId}:${envelope.seq}` });
    expect(await streamSeqs(nc, worldId, t)).toEqual([envelope.seq]);

    const restarted = Date.now();
    await system.apps.sequencer.start();
    const seqs = await until('the stream refilled with the whole log', async () => {
      const s = await streamSeqs(nc, worldId, t);
      return new Set(s.filter((x) => x <= envelope.seq)).size === envelope.seq ? s : undefined;
    });
    expect(new Set(seqs).size).toBe(seqs.length); // each once
    // Logged once the refill's publishes are acked, a moment after the stream holds them.
    await until('the refill logged', () => system.apps.sequencer.since().includes('EVENTS stream is new: refilled from the log') || undefined);
    await until('deltas and applied intents for every player again', () => everyoneGoesOnAfter(restarted));
  }, 120_000);

  /**
   * EVENTS deleted while the sequencer is stopped: the sequencer, started again, makes EVENTS again
   * and refills it from the log; the projector, which kept running, must follow the new stream to
   * the log's head (it once stood 29 events behind for good). Last: it restarts the sequencer.
   */
  it('EVENTS deleted while the sequencer is stopped: the projector follows the refilled stream to the log head, and stays there', async () => {
    await until('play under way', () => everyoneGoesOnAfter(0), 30_000);
    await system.apps.sequencer.stop();
    await jsm.streams.delete(t.eventsStream);
    await sleep(DOWN_MS); // the projector notices the stream gone while nothing makes it again
    const restarted = Date.now();
    await system.apps.sequencer.start();
    await until('deltas and applied intents for every player again', () => everyoneGoesOnAfter(restarted));
    // At the head: with intents still flowing, the checkpoint reaches each world's head as it was.
    const head = await pg.query<{ world_id: string; head: string }>('SELECT world_id, max(seq) AS head FROM action_events GROUP BY world_id');
    await until('the projector at the log head', async () => {
      const { rows } = await pg.query<{ world_id: string; seq: string }>(`SELECT world_id, seq FROM projection_checkpoints WHERE projection = 'world_read_model'`);
      const cp = new Map(rows.map((r) => [r.world_id, Number(r.seq)]));
      return head.rows.every((r) => (cp.get(r.world_id) ?? 0) >= Number(r.head)) || undefined;
    });
    figures.sequencerRestartToProjectorAtHeadMs = Date.now() - restarted;
    process.stderr.write(`sequencer restart to projector at the log head: ${figures.sequencerRestartToProjectorAtHeadMs} ms\n`);
    // And it stays there: traffic stops, and the checkpoint catches the final head.
    clearInterval(timer);
    timer = undefined;
    await settle(players, 30_000);
    await until('the projector at the final head', async () => ((await behind()).length === 0 ? true : undefined));
    expect(players.flatMap((p) => p.chainErrors)).toEqual([]);
    // Followed by consuming afresh, not rescued by the stall watch deleting the consumer.
    expect(system.apps.projector.output).not.toContain('delivers nothing though events wait');
  }, 120_000);
});
