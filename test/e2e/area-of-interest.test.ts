import type { Client } from 'pg';
import { getWorld, onlineCharacters } from '@tilemud/domain';
import { LogReader, stateAt } from '@tilemud/runtime';
import { isHandshakeAck } from '@tilemud/contracts';
import { isFullDelta, joinPlayer, TestClient } from '../support/client';
import { db } from '../support/db';
import { eventually } from '../support/eventually';
import { TestSystem } from '../support/system';

const RADIUS = 5;
const MARGIN = 1;
const dist = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y));

/**
 * Area of interest: players spread over the lobby (its spawns are far apart) each hold exactly the
 * characters within AOI_RADIUS of their own (as the log's fold has them), none beyond the margin,
 * get a snapshot of whoever comes into view, never the moves of those far away, and come back
 * from a resume with the same view a fresh client would have.
 */
describe('area of interest', () => {
  const system = new TestSystem({ AOI_RADIUS: String(RADIUS), AOI_MARGIN: String(MARGIN), RESUME_WINDOW_MS: '20000' });
  const players: TestClient[] = [];
  let whole: TestClient;
  let pg: Client;
  /** The walker and the player it walked to (the second test), for the third. */
  let pair: { walker: TestClient; target: TestClient } | undefined;

  beforeAll(async () => {
    await system.start();
    pg = await db();
    for (let i = 0; i < 6; i++) players.push(await joinPlayer(system));
    // An operator's client asking for the whole world.
    whole = new TestClient(system.baseUrl, system.wsUrl);
    await whole.signIn();
    await whole.open();
    whole.send({ type: 'hello', protocolVersion: '1.0.0', aoi: false });
    whole.handshake = await whole.waitFor(isHandshakeAck);
    whole.snapshot = await whole.waitFor(isFullDelta);
  }, 90_000);

  afterAll(async () => {
    for (const p of players) await p.close();
    await whole?.close();
    await system.stop();
    await pg?.end();
  });

  /**
   * Every client has caught up with the log's head, and the head has not moved meanwhile; the world
   * as the log's fold has it there. The lobby may still be changing without the players: in a full
   * run, characters earlier suites left in it are reaped by this system's gateway (marked away, then
   * left), and a client already holding such a leave must not be compared with a fold from before it.
   * The caller compares at once, with no await between: nothing can arrive meanwhile.
   */
  async function settled(clients: TestClient[]) {
    const reader = new LogReader(pg);
    for (let round = 1; ; round++) {
      if (round > 30) throw new Error('the lobby did not stay still long enough to compare the clients with the log');
      const head = await reader.head('lobby');
      await eventually(`every client at seq ${head}`, () => clients.every((c) => c.lastSeq >= head), 10_000);
      const { state } = await stateAt(pg, getWorld('lobby')!, head);
      if ((await reader.head('lobby')) === head && clients.every((c) => c.lastSeq === head)) return onlineCharacters(state);
    }
  }

  /** The client holds every character within the radius as the log has it, and none beyond radius + margin. */
  function expectView(c: TestClient, world: Array<{ id: string; x: number; y: number }>): void {
    const self = world.find((w) => w.id === c.characterId)!;
    const within = world.filter((w) => dist(w, self) <= RADIUS).map((w) => ({ id: w.id, x: w.x, y: w.y }));
    const held = [...c.characters.values()].map((h) => ({ id: h.id, x: h.x, y: h.y }));
    expect(held).toEqual(expect.arrayContaining(within));
    for (const h of held) expect(dist(h, self)).toBeLessThanOrEqual(RADIUS + MARGIN);
    for (const h of held) expect(world.find((w) => w.id === h.id)).toEqual(expect.objectContaining({ x: h.x, y: h.y }));
  }

  it('announces the radius in the handshake, and the whole world to a client that asked for it', async () => {
    expect(players[0]!.handshake!.aoi).toEqual({ radius: RADIUS, margin: MARGIN });
    expect(whole.handshake!.aoi).toEqual({ radius: 0, margin: 0 });
    const world = await settled([...players, whole]);
    expect(whole.characters.size).toBe(world.length);
    for (const p of players) expectView(p, world);
    // The lobby's spawns are spread: somebody does not see everybody.
    expect(players.some((p) => p.characters.size < world.length)).toBe(true);
  });

  it('a far player does not get the moves of a walker; the one it walks to gets a snapshot of it on entering its view', async () => {
    let world = await settled([...players, whole]);
    const at = (c: TestClient) => world.find((w) => w.id === c.characterId)!;
    // The walker and its target: the pair furthest apart; the far one: furthest from the walker's path's start.
    const pairs = players.flatMap((a) => players.filter((b) => b !== a).map((b) => ({ a, b, d: dist(at(a), at(b)) })));
    const { a: walker, b: target } = pairs.sort((p, q) => q.d - p.d)[0]!;
    const marks = players.map((p) => p.received.length);
    const targetAt = at(target);
    // Walk until the target is in view (within the radius), by the walker's own steps.
    const goal = { x: targetAt.x + (at(walker).x < targetAt.x ? -2 : 2), y: targetAt.y };
    await walker.walkTo(goal.x, goal.y, 200);
    world = await settled([...players, whole]);
    for (const p of players) expectView(p, world);
    // The target got the walker as a whole character when it came into view.
    const entered = target.received.slice(marks[players.indexOf(target)]).flatMap((m) => (m.type === 'event.state_delta' ? m.changes : []));
    expect(entered.some((c) => c.op === 'character.joined' && c.view === true && c.character.id === walker.characterId)).toBe(true);
    // The others stood still: each got only those of the walker's moves within radius + margin of it.
    const movesSeen = players
      .filter((p) => p !== walker && p !== target)
      .map((p) => {
        const moves = p.received
          .slice(marks[players.indexOf(p)])
          .flatMap((m) => (m.type === 'event.state_delta' ? m.changes : []))
          .filter((c) => c.op === 'character.moved' && c.id === walker.characterId);
        for (const c of moves) if (c.op === 'character.moved') expect(dist(c, at(p))).toBeLessThanOrEqual(RADIUS + MARGIN);
        return moves.length;
      });
    // Someone was far from the whole walk and got none of it (the walker made many moves).
    expect(movesSeen).toContain(0);
    expect(whole.received.flatMap((m) => (m.type === 'event.state_delta' ? m.changes : [])).filter((c) => c.op === 'character.moved' && c.id === walker.characterId).length).toBeGreaterThan(3);
    pair = { walker, target };
    // Every client's chain of frames is unbroken: filtered frames keep their seqs.
    for (const p of players) expect(p.chainBreaks()).toEqual([]);
  });

  it('a resumed client holds what a fresh client would: the log fold within its radius', async () => {
    const { walker, target: away } = pair!;
    expect(away.characters.has(walker.characterId)).toBe(true);
    away.drop();
    await away.waitClose();
    // Meanwhile the walker, in its view, walks out of it (beyond radius + margin), and the others step about.
    const me = away.me;
    const from = walker.me;
    const x = from.x < me.x ? Math.max(1, me.x - RADIUS - MARGIN - 3) : Math.min(62, me.x + RADIUS + MARGIN + 3);
    await walker.walkTo(x, from.y, 100);
    for (const p of players) {
      if (p === away || p === walker) continue;
      for (let i = 0; i < 2; i++) await p.move(p.freeDirection()).catch(() => undefined);
    }
    const ack = await away.resume();
    expect(ack.resumed).toBe(true);
    const world = await settled([...players, whole]);
    for (const p of players) expectView(p, world);
    expect(
      dist(
        world.find((w) => w.id === walker.characterId)!,
        me,
      ),
    ).toBeGreaterThan(RADIUS + MARGIN);
    expect(away.characters.has(walker.characterId)).toBe(false);
    expect(whole.characters.size).toBe(world.length);
    for (const p of [...players, whole]) expect(p.chainBreaks()).toEqual([]);
  });
});
