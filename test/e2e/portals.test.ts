import type { Client } from 'pg';
import type { BootstrapResponse, CharacterResponse } from '@tilemud/contracts';
import { api, changesOf, TestClient, joinPlayer } from '../support/client';
import { db } from '../support/db';
import { Flow } from '../support/intent-flow';
import { TestSystem } from '../support/system';

// The lobby's portal is at (62,20), reached from (61,20) going east; it leads to the meadow's
// (2,12). The meadow's portal at (1,12), reached from (2,12) going west, leads back to (60,20).
const LOBBY_APPROACH = { x: 61, y: 20 };
const MEADOW_APPROACH = { x: 2, y: 12 };

describe('worlds joined by portals', () => {
  const system = new TestSystem();
  let pg: Client;
  const clients: TestClient[] = [];
  const join = async () => {
    const c = await joinPlayer(system);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    await system.start();
    pg = await db();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await system.stop();
    await pg?.end();
  });

  /** Walks to the lobby portal and steps on: the next full state is the meadow's. */
  const crossToMeadow = async (c: TestClient) => {
    expect(await c.walkTo(LOBBY_APPROACH.x, LOBBY_APPROACH.y)).toBe(true);
    const from = c.received.length;
    const ack = await c.move('east');
    expect(ack.status).toBe('applied');
    await c.waitForType('event.state_delta', (m) => m.full && m.worldId === 'meadow', 15_000, from);
    return ack;
  };

  it('a walk through a portal is seen by players in both worlds', async () => {
    const watcherInMeadow = await join();
    await crossToMeadow(watcherInMeadow);
    expect(watcherInMeadow.worldId).toBe('meadow');
    expect(await watcherInMeadow.walkTo(MEADOW_APPROACH.x + 3, MEADOW_APPROACH.y)).toBe(true); // off the arrival tile

    const walker = await join();
    const watcherInLobby = await join();
    const heldBefore = walker.me.inventory ?? [];
    await crossToMeadow(walker);
    await watcherInLobby.waitForType('event.state_delta', (m) => m.worldId === 'lobby' && changesOf(m, 'character.left').some((c) => c.id === walker.characterId));
    const joined = await watcherInMeadow.waitForType('event.state_delta', (m) => m.worldId === 'meadow' && changesOf(m, 'character.joined').some((c) => c.character.id === walker.characterId));
    expect(changesOf(joined, 'character.joined')[0]?.character).toMatchObject({ worldId: 'meadow', inventory: heldBefore });
    expect(walker.me).toMatchObject({ x: MEADOW_APPROACH.x, y: MEADOW_APPROACH.y });
    expect(walker.characters.has(watcherInMeadow.characterId)).toBe(true);
    // Deltas of the old world stopped for the walker.
    const after = walker.received.length;
    await watcherInLobby.barrier('a lobby move after the walker left');
    await walker.barrier('the walker hears only the meadow');
    expect(walker.received.slice(after).some((m) => m.type === 'event.state_delta' && m.worldId === 'lobby')).toBe(false);
    const own = await api<CharacterResponse>(system.baseUrl, 'GET', `/api/characters/${walker.characterId}`, { token: walker.guest!.accessToken });
    expect(own.body.worldId).toBe('meadow');

    // And back again.
    expect(await walker.walkTo(MEADOW_APPROACH.x, MEADOW_APPROACH.y)).toBe(true);
    const from = walker.received.length;
    expect((await walker.move('west')).status).toBe('applied');
    await walker.waitForType('event.state_delta', (m) => m.full && m.worldId === 'lobby', 15_000, from);
    await watcherInLobby.waitForType('event.state_delta', (m) => m.worldId === 'lobby' && changesOf(m, 'character.joined').some((c) => c.character.id === walker.characterId));
  }, 120_000);

  // What the shutdown suite's random walk met in a full run (58 moves refused NOT_IN_WORLD): the
  // moves a player sends behind a portal move without waiting go to the world it is leaving, which
  // refuses them; the flow counts those as the rules' refusals, and only those.
  it('moves sent behind a portal move without waiting are refused NOT_IN_WORLD by the world left, and the flow knows why', async () => {
    const c = await join();
    expect(await c.walkTo(LOBBY_APPROACH.x, LOBBY_APPROACH.y)).toBe(true);
    const flow = new Flow([c]);
    const from = c.received.length;
    // In one go: all of them reach the gateway before the portal move's ack can come back.
    flow.send(c, 'east');
    for (let i = 0; i < 5; i++) flow.send(c, 'north');
    await flow.settle(15_000);
    await c.waitForType('event.state_delta', (m) => m.full && m.worldId === 'meadow', 15_000, from);
    const answers = [...flow.answers.entries()].sort(([a], [b]) => Number(a.split(':')[1]) - Number(b.split(':')[1])).map(([, a]) => a.code ?? a.status);
    expect(answers).toEqual(['applied', ...Array<string>(5).fill('NOT_IN_WORLD')]);
    // The shutdown suite's check before (every refusal MOVE_*, TILE_* or UNAVAILABLE) failed on these five.
    expect([...flow.answers.values()].filter((a) => a.status === 'rejected' && !/^(MOVE_|TILE_|UNAVAILABLE$)/.test(a.code ?? ''))).toHaveLength(5);
    expect(flow.unexplainedRefusals()).toEqual([]);

    // Sent once the client is in the meadow: decided there, never refused for the lobby.
    flow.send(c, 'north');
    await flow.settle(15_000);
    const key = `${c.characterId}:${c.intentSeq}`;
    expect(flow.answers.get(key)?.code).not.toBe('NOT_IN_WORLD');
    expect(flow.unexplainedRefusals()).toEqual([]);
    // Had it been refused NOT_IN_WORLD, nothing would explain it.
    flow.answers.set(key, { ...flow.answers.get(key)!, status: 'rejected', code: 'NOT_IN_WORLD' });
    expect(flow.unexplainedRefusals().map((a) => a.key)).toEqual([key]);
  }, 120_000);

  it('a crossing whose sequencer is killed between its commit and everything else ends in exactly one world', async () => {
    const c = await join();
    expect(await c.walkTo(LOBBY_APPROACH.x, LOBBY_APPROACH.y)).toBe(true);
    await system.apps.sequencer.stop();
    // Scoped to this player: another player's commit (a leave, going away) must not spend it.
    await system.apps.sequencer.start({ TILEMUD_FAILPOINT: `sequencer.after_commit@${c.characterId}` });
    const intentSeq = ++c.intentSeq;
    c.send({ type: 'intent.move', intentSeq, payload: { direction: 'east' } });
    await system.apps.sequencer.exited; // the departure is committed; no ack, no event published, no hand-over sent
    const departed = await pg.query<{ payload: { handoverId: string } }>("SELECT payload FROM action_events WHERE character_id = $1 AND type = 'character.departed' ORDER BY seq DESC LIMIT 1", [
      c.characterId,
    ]);
    expect(departed.rowCount).toBe(1);
    const handoverId = departed.rows[0]!.payload.handoverId;
    const arrivals = () => pg.query("SELECT world_id FROM action_events WHERE type = 'character.arrived' AND payload->>'handoverId' = $1", [handoverId]);
    expect((await arrivals()).rowCount).toBe(0);

    await system.apps.sequencer.start({ TILEMUD_FAILPOINT: undefined });
    // The restarted sequencer finds the departure without an arrival and completes it; the client's
    // intent, redelivered, is answered with the original outcome and the session follows it.
    await c.waitForType('event.state_delta', (m) => m.full && m.worldId === 'meadow', 30_000);
    expect((await arrivals()).rows).toEqual([{ world_id: 'meadow' }]);
    const ack = await c.waitForAck(intentSeq, 15_000);
    expect(ack).toMatchObject({ status: 'duplicate', originalStatus: 'applied' });
    const row = await pg.query('SELECT world_id, online FROM rm_characters WHERE id = $1', [c.characterId]);
    expect(row.rows).toEqual([{ world_id: 'meadow', online: true }]);

    // A new session finds the character in the meadow, and the lobby will not take it back.
    await c.close();
    const again = new TestClient(system.baseUrl, system.wsUrl);
    again.guest = c.guest;
    const b = await api<BootstrapResponse>(system.baseUrl, 'POST', '/api/session/bootstrap', { token: c.guest!.accessToken, body: { clientVersion: '1.0.0' } });
    expect(b.body.character.worldId).toBe('meadow');
    again.bootstrap = b.body;
    await again.join();
    clients.push(again);
    expect(again.handshake!.worldId).toBe('meadow');
  }, 120_000);
});
