import { isHandshakeAck, ServerMessageSchema, type Change } from '@tilemud/contracts';
import type { Client } from 'pg';
import { api, joinPlayer, shows, TestClient } from '../support/client';
import { db } from '../support/db';
import { TestSystem } from '../support/system';
import { ExtraGateway } from './identity-helpers';
import { eventually } from '../support/eventually';

const WINDOW_MS = 4000;
/** The deltas `c` received from index `from` on showing `op` (`character.joined`, `character.left` …) for character `id`. */
const changesOf = (c: TestClient, from: number, id: string, op: Change['op']) => c.received.slice(from).filter(shows(id, op));

/**
 * Resume: a client that lost its socket comes back (on the same or another gateway) with its
 * token and last seq, and gets exactly what it missed; its character never left the world.
 */
describe('resume after a lost connection', () => {
  const env = { RESUME_WINDOW_MS: String(WINDOW_MS), PRESENCE_INTERVAL_MS: '300', RESUME_MAX_REPLAY_EVENTS: '200', HEARTBEAT_INTERVAL_MS: '1000' };
  const system = new TestSystem(env);
  const second = new ExtraGateway(env);
  let watcher: TestClient;
  let mover: TestClient;
  let pg: Client;

  beforeAll(async () => {
    await system.start();
    pg = await db();
    await second.start();
    watcher = await joinPlayer(system);
    mover = await joinPlayer(system);
  }, 60_000);

  afterAll(async () => {
    await watcher?.close();
    await mover?.close();
    await second.app.stop();
    await system.stop();
    await pg?.end();
  });

  /** One applied move of `mover`, once its own view has caught up (so the next direction is right). */
  async function step(): Promise<number> {
    for (let tries = 0; tries < 5; tries++) {
      const ack = await mover.move(mover.freeDirection());
      if (ack.status !== 'applied') continue;
      await mover.waitForType('event.state_delta', (m) => m.seq >= ack.seq!);
      return ack.seq!;
    }
    throw new Error('the mover cannot move');
  }

  /** `c` loses its socket; meanwhile `mover` makes `n` moves. */
  async function missWhileAway(c: TestClient, n: number): Promise<void> {
    c.drop();
    await c.waitClose();
    for (let i = 0; i < n; i++) await step();
  }

  /** A player who has joined, once the watcher has seen it join (so later checks see only what follows). */
  async function joinSeen(): Promise<TestClient> {
    const c = await joinPlayer(system);
    await watcher.waitFor(shows(c.characterId, 'character.joined'));
    return c;
  }

  /** What a newly joined client sees of the world, to compare a resumed client's view with. */
  async function freshView(): Promise<unknown> {
    const fresh = await joinPlayer(system);
    const view = fresh.view() as { characters: { id: string }[] };
    await fresh.close();
    return { ...view, characters: view.characters.filter((c) => c.id !== fresh.characterId) };
  }

  it('replays the missed deltas in order after a short disconnect, and the others see no leave or rejoin', async () => {
    const c = await joinSeen();
    const seqBefore = c.lastSeq;
    const watcherFrom = watcher.received.length;
    await missWhileAway(c, 5);
    const from = c.received.length;
    const ack = await c.resume();
    expect(ack).toMatchObject({ type: 'event.ack', ack: 'handshake', resumed: true, worldId: 'lobby' });
    expect(ack.resumeToken).not.toBe(c.received.find(isHandshakeAck)?.resumeToken); // rotated
    // No full snapshot: deltas continuing from where the client was, covering the 5 moves.
    await c.waitForType('event.state_delta', (m) => m.seq >= mover.lastSeq, 5000, from);
    const after = c.received.slice(from).filter((m) => m.type === 'event.state_delta');
    expect(after.some((m) => m.full)).toBe(false);
    expect(after[0]?.prevSeq).toBe(seqBefore);
    expect(c.chainBreaks()).toEqual([]);
    for (const m of c.received) expect(ServerMessageSchema.safeParse(m).success).toBe(true);
    // Play goes on from the resumed socket.
    expect((await c.move(c.freeDirection())).status).toBe('applied');
    await watcher.barrier('whatever the resume made of the character, seen');
    expect(changesOf(watcher, watcherFrom, c.characterId, 'character.left')).toEqual([]);
    expect(changesOf(watcher, watcherFrom, c.characterId, 'character.joined')).toEqual([]);
    const { characters } = (await freshView()) as { characters: { id: string }[] };
    expect(characters.map((x) => x.id)).toContain(c.characterId);
    await c.close();
  });

  it('ends with the same view as a client that joined fresh', async () => {
    const c = await joinPlayer(system);
    await missWhileAway(c, 8);
    await c.resume();
    expect((await c.move(c.freeDirection())).status).toBe('applied');
    // Compared at one seq of the world: characters of earlier tests may leave (their resume
    // window ends) at any moment, and each client must then show it.
    const fresh = await joinPlayer(system);
    const at = (who: TestClient) => {
      const view = who.view() as { characters: { id: string }[] };
      return { seq: who.lastSeq, ...view, characters: view.characters.filter((x) => x.id !== fresh.characterId) };
    };
    await eventually(
      'the resumed and the fresh client to show the same world at the same seq',
      () => JSON.stringify(at(fresh)) === JSON.stringify(at(c)),
      10_000,
      () => [at(fresh), at(c)],
    );
    await fresh.close();
    await c.close();
  });

  it('resumes on a second gateway instance', async () => {
    const c = await joinSeen();
    const watcherFrom = watcher.received.length;
    const seqBefore = c.lastSeq;
    await missWhileAway(c, 3);
    const from = c.received.length;
    const ack = await c.resume(second);
    expect(ack).toMatchObject({ resumed: true });
    const first = await c.waitForType('event.state_delta', undefined, 5000, from);
    expect(first).toMatchObject({ full: false, prevSeq: seqBefore });
    expect((await c.move(c.freeDirection())).status).toBe('applied');
    expect(c.chainBreaks()).toEqual([]);
    await watcher.barrier('whatever the resume made of the character, seen');
    expect(changesOf(watcher, watcherFrom, c.characterId, 'character.left')).toEqual([]);
    await c.close();
  });

  it('closes a socket that stops answering pings, and its session can resume with its character still there', async () => {
    const c = new TestClient(system.baseUrl, system.wsUrl);
    c.autoPong = false;
    await c.join();
    await watcher.waitFor(shows(c.characterId, 'character.joined'));
    const watcherFrom = watcher.received.length;
    const started = Date.now();
    await c.waitClose(5000); // two heartbeat intervals without a pong
    expect(Date.now() - started).toBeLessThan(4000);
    c.autoPong = true;
    expect(await c.resume()).toMatchObject({ resumed: true });
    expect((await c.move(c.freeDirection())).status).toBe('applied');
    expect(changesOf(watcher, watcherFrom, c.characterId, 'character.left')).toEqual([]);
    await c.close();
  });

  it('answers intents resent after the reconnect as duplicates with their original outcome', async () => {
    const c = await joinPlayer(system);
    const sent = await c.move(c.freeDirection());
    expect(sent.status).toBe('applied');
    // The move went out, the socket dropped before the client saw more; it resends on resume.
    c.drop();
    await c.waitClose();
    await c.resume();
    const again = await c.intent('intent.move', { direction: 'north' }, sent.intentSeq);
    expect(again).toMatchObject({ intentSeq: sent.intentSeq, status: 'duplicate', originalStatus: 'applied', seq: sent.seq });
    await c.close();
  });

  it('sends a full snapshot (resumed:false) when the missed events exceed what is replayed', async () => {
    const c = await joinPlayer(system);
    await missWhileAway(c, 0);
    // More events than RESUME_MAX_REPLAY_EVENTS (200) happen while it is away.
    for (let i = 0; i < 210; i++) await step();
    const from = c.received.length;
    expect(await c.resume()).toMatchObject({ resumed: false });
    const state = await c.waitForType('event.state_delta', undefined, 5000, from);
    expect(state.full).toBe(true);
    await c.close();
  });

  it('a resync on a gap replays from the seq asked', async () => {
    const c = await joinPlayer(system);
    const at = c.lastSeq;
    for (let i = 0; i < 3; i++) await step();
    await c.waitForType('event.state_delta', (m) => m.seq >= at + 3);
    const from = c.received.length;
    c.send({ type: 'resync', lastSeq: at });
    // The replay is the frame chained on the seq asked; a live frame of the shared lobby (a
    // character an earlier suite left, going) may come before it, chained on the client's head.
    const replay = await c.waitForType('event.state_delta', (m) => m.prevSeq === at, 5000, from);
    expect(replay).toMatchObject({ full: false, prevSeq: at });
    expect(replay.seq).toBeGreaterThanOrEqual(at + 3);
    await c.close();
  });

  it('after the window: the token is spent, the character has left, and a reconnect gets a full snapshot', async () => {
    const c = await joinSeen();
    const watcherFrom = watcher.received.length;
    c.drop();
    await c.waitClose();
    await watcher.waitFor(shows(c.characterId, 'character.left'), WINDOW_MS + 5000, watcherFrom);
    const from = c.received.length;
    expect(await c.resume()).toMatchObject({ resumed: false });
    expect(await c.waitForType('event.state_delta', undefined, 5000, from)).toMatchObject({ full: true });
    // Back in the world: the others see it join again.
    await watcher.waitFor(shows(c.characterId, 'character.joined'), 5000, watcherFrom);
    await c.close();
  });

  it('a logout while the character waits out its window takes it out at once', async () => {
    const c = await joinSeen();
    const watcherFrom = watcher.received.length;
    c.drop();
    await c.waitClose();
    // The gateway has seen the drop: the character waits out its window, away.
    await watcher.waitForType(
      'event.state_delta',
      (m) => m.changes.some((x) => x.op === 'character.presence' && x.id === c.characterId && x.status === 'away'),
      5000,
      watcherFrom,
      'the dropped character shown away',
    );
    const started = Date.now();
    expect((await api(system.baseUrl, 'POST', '/api/session/logout', { token: c.guest!.accessToken })).status).toBe(204);
    await watcher.waitFor(shows(c.characterId, 'character.left'), 3000, watcherFrom);
    expect(Date.now() - started).toBeLessThan(WINDOW_MS);
  });

  it('a socket dropped just as its character steps through a portal: the leave follows it to the new world', async () => {
    const c = await joinSeen();
    expect(await c.walkTo(61, 20)).toBe(true); // beside the lobby's portal at (62,20)
    c.send({ type: 'intent.move', intentSeq: ++c.intentSeq, payload: { direction: 'east' } });
    c.drop(); // before its ack: the session never follows the crossing
    await c.waitClose();
    const online = async () => (await pg.query<{ world_id: string; online: boolean }>('SELECT world_id, online FROM rm_characters WHERE id = $1', [c.characterId])).rows[0];
    await eventually('the character to have crossed to the meadow', async () => (await online())?.world_id === 'meadow', 10_000, online);
    expect(await online()).toEqual({ world_id: 'meadow', online: true }); // crossed, still there in the window
    await eventually('the character to leave the meadow once its window is over', async () => (await online())?.online === false, WINDOW_MS + 15_000, online);
    expect(await online()).toEqual({ world_id: 'meadow', online: false }); // and left from there after it
  });

  it("refuses a used token or another player's: a full snapshot, never someone else's session", async () => {
    const c = await joinPlayer(system);
    const token = c.handshake!.resumeToken;
    c.drop();
    await c.waitClose();
    expect(await c.resume(system, c.lastSeq, token)).toMatchObject({ resumed: true });
    c.drop();
    await c.waitClose();
    const from = c.received.length;
    expect(await c.resume(system, c.lastSeq, token)).toMatchObject({ resumed: false }); // single use
    expect(await c.waitForType('event.state_delta', undefined, 5000, from)).toMatchObject({ full: true });
    // Another player's live token does nothing for this one.
    c.drop();
    await c.waitClose();
    expect(await c.resume(system, c.lastSeq, watcher.handshake!.resumeToken)).toMatchObject({ resumed: false, sessionId: expect.any(String) as string });
    await c.close();
  });
});
