import type { Client } from 'pg';
import { isIntentAck, type CharacterResponse, type EventError, type IntentAck } from '@tilemud/contracts';
import { api, changesOf, TestClient, joinPlayer } from '../support/client';
import { db } from '../support/db';
import { TestSystem } from '../support/system';

const INVENTORY_CAPACITY = 20;

/** Items, inventories and actions over real WebSocket sessions. */
describe('gameplay: pickup, drop, give, emote', () => {
  const system = new TestSystem();
  let pg: Client;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    await system.start();
    pg = await db();
    a = await joinPlayer(system);
    b = await joinPlayer(system);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await system.stop();
    await pg?.query('DROP TRIGGER IF EXISTS test_fail_give ON action_events').catch(() => undefined);
    await pg?.end();
  });

  const act = (c: TestClient, payload: Record<string, unknown>) => c.intent('intent.action', payload);
  /** The lying item nearest to the client (by walking distance, roughly). */
  const nearestItem = (c: TestClient) => c.itemsByDistance()[0]!;
  const fetchItem = async (c: TestClient) => {
    const item = nearestItem(c);
    expect(await c.walkTo(item.x, item.y)).toBe(true);
    return item;
  };

  it('the world starts with its items in the snapshot', () => {
    expect(a.snapshot!.snapshot.items.length).toBeGreaterThan(10);
    expect(a.snapshot!.snapshot.items[0]).toEqual({ id: expect.any(String) as string, kind: expect.any(String) as string, x: expect.any(Number) as number, y: expect.any(Number) as number });
  });

  it('picks up an item in reach, and the other player sees it leave the floor', async () => {
    const item = await fetchItem(a);
    const ack = await act(a, { action: 'pickup', itemId: item.id });
    expect(ack).toMatchObject({ status: 'applied', seq: expect.any(Number) as number });
    await b.waitForType('event.state_delta', (m) => changesOf(m, 'item.removed').some((c) => c.itemId === item.id));
    await b.waitFor(() => (b.characters.get(a.characterId)?.inventory ?? []).some((i) => i.id === item.id));
    expect(b.items.has(item.id)).toBe(false);
  });

  it('refuses with ITEM_NOT_FOUND and NOT_ADJACENT', async () => {
    expect((await act(a, { action: 'pickup', itemId: 'no-such-item' })).error?.code).toBe('ITEM_NOT_FOUND');
    const far = [...a.items.values()].find((i) => Math.abs(i.x - a.me.x) > 1 || Math.abs(i.y - a.me.y) > 1)!;
    expect((await act(a, { action: 'pickup', itemId: far.id })).error).toMatchObject({ code: 'NOT_ADJACENT', category: 'domain' });
    expect((await act(a, { action: 'drop', itemId: far.id })).error?.code).toBe('ITEM_NOT_FOUND');
  });

  it('drops an item onto the tile it stands on', async () => {
    const held = a.me.inventory[0]!;
    expect((await act(a, { action: 'drop', itemId: held.id })).status).toBe('applied');
    const placed = await b.waitForType('event.state_delta', (m) => changesOf(m, 'item.placed').some((c) => c.item.id === held.id));
    expect(changesOf(placed, 'item.placed')[0]?.item).toEqual({ ...held, x: a.me.x, y: a.me.y });
    expect((await act(a, { action: 'pickup', itemId: held.id })).status).toBe('applied');
    await a.waitFor(() => (a.me.inventory ?? []).some((i) => i.id === held.id));
  });

  it('gives an item to an adjacent player: it leaves one inventory and reaches the other', async () => {
    const held = a.me.inventory[0]!;
    expect((await act(a, { action: 'give', itemId: held.id, toCharacterId: b.characterId })).error?.code).toBe('NOT_ADJACENT');
    // b walks next to a
    const spot = [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ]
      .map(([dx, dy]) => ({ x: a.me.x + dx!, y: a.me.y + dy! }))
      .find((p) => b.tiles[p.y]?.[p.x] === '.')!;
    expect(await b.walkTo(spot.x, spot.y)).toBe(true);
    const ack = await act(a, { action: 'give', itemId: held.id, toCharacterId: b.characterId });
    expect(ack.status).toBe('applied');
    await b.waitFor(() => (b.me.inventory ?? []).some((i) => i.id === held.id));
    await a.waitFor(() => !(a.me.inventory ?? []).some((i) => i.id === held.id));
    const rows = await pg.query('SELECT type, event_index FROM action_events WHERE character_id = $1 AND intent_seq = $2 ORDER BY seq', [a.characterId, ack.intentSeq]);
    expect(rows.rows).toEqual([
      { type: 'inventory.item_removed', event_index: 0 },
      { type: 'inventory.item_added', event_index: 1 },
    ]);
    expect((await act(a, { action: 'give', itemId: held.id, toCharacterId: b.characterId })).error?.code).toBe('ITEM_NOT_FOUND');
    expect((await act(b, { action: 'give', itemId: held.id, toCharacterId: '00000000-0000-4000-8000-000000000000' })).error?.code).toBe('TARGET_NOT_FOUND');
  });

  it('shows emotes from the list to others and refuses unknown ones', async () => {
    expect((await act(a, { action: 'emote', emote: 'wave' })).status).toBe('applied');
    await b.waitFor(() => b.emotes.some((e) => e.characterId === a.characterId && e.emote === 'wave'));
    expect((await act(a, { action: 'emote', emote: 'moonwalk' })).error?.code).toBe('UNKNOWN_EMOTE');
    // An action the contract does not know: sent as text, as the contract's input type refuses it.
    a.send(JSON.stringify({ type: 'intent.action', intentSeq: ++a.intentSeq, payload: { action: 'juggle' } }));
    const refused = await a.waitFor((m): m is EventError | IntentAck => (m.type === 'event.error' || isIntentAck(m)) && m.intentSeq === a.intentSeq);
    expect(refused.error?.code).toBe('UNKNOWN_ACTION');
  });

  it('a full inventory refuses a pickup, and a give to it fails part way with both inventories as they were', async () => {
    while ((a.me.inventory ?? []).length < INVENTORY_CAPACITY) {
      const item = await fetchItem(a);
      expect((await act(a, { action: 'pickup', itemId: item.id })).status).toBe('applied');
      await a.waitFor(() => (a.me.inventory ?? []).some((i) => i.id === item.id));
    }
    const extra = await fetchItem(a);
    expect((await act(a, { action: 'pickup', itemId: extra.id })).error?.code).toBe('INVENTORY_FULL');

    const spot = [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ]
      .map(([dx, dy]) => ({ x: a.me.x + dx!, y: a.me.y + dy! }))
      .find((p) => b.tiles[p.y]?.[p.x] === '.' && !(p.x === extra.x && p.y === extra.y))!;
    expect(await b.walkTo(spot.x, spot.y)).toBe(true);
    const bBefore = (await api<CharacterResponse>(system.baseUrl, 'GET', `/api/characters/${b.characterId}`, { token: b.guest!.accessToken })).body.inventory;
    const aBefore = (await api<CharacterResponse>(system.baseUrl, 'GET', `/api/characters/${a.characterId}`, { token: a.guest!.accessToken })).body.inventory;
    const gift = b.me.inventory[0]!;
    const ack = await act(b, { action: 'give', itemId: gift.id, toCharacterId: a.characterId });
    expect(ack).toMatchObject({ status: 'rejected', error: { code: 'ACTION_ATOMIC_ROLLBACK', details: { failedStep: 2, cause: 'INVENTORY_FULL' } } });
    await b.barrier('the refused give projected nothing');
    expect((await api<CharacterResponse>(system.baseUrl, 'GET', `/api/characters/${b.characterId}`, { token: b.guest!.accessToken })).body.inventory).toEqual(bBefore);
    expect((await api<CharacterResponse>(system.baseUrl, 'GET', `/api/characters/${a.characterId}`, { token: a.guest!.accessToken })).body.inventory).toEqual(aBefore);
  }, 60_000);

  it('a give whose append fails part way keeps nothing: ACTION_ATOMIC_ROLLBACK, inventories unchanged, then it succeeds', async () => {
    // a gives to b (b has room); the second row of the give fails inside PostgreSQL.
    await pg.query(`CREATE OR REPLACE FUNCTION test_fail_give() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.type = 'inventory.item_added' THEN RAISE EXCEPTION 'injected failure on the second step'; END IF; RETURN NEW; END $$`);
    await pg.query('CREATE TRIGGER test_fail_give BEFORE INSERT ON action_events FOR EACH ROW EXECUTE FUNCTION test_fail_give()');
    const gift = a.me.inventory[0]!;
    const aBefore = a.me.inventory;
    const ack = await act(a, { action: 'give', itemId: gift.id, toCharacterId: b.characterId });
    expect(ack).toMatchObject({ status: 'rejected', error: { code: 'ACTION_ATOMIC_ROLLBACK', details: { cause: 'APPEND_FAILED' } } });
    const kept = await pg.query('SELECT 1 FROM action_events WHERE character_id = $1 AND intent_seq = $2', [a.characterId, ack.intentSeq]);
    expect(kept.rowCount).toBe(0);
    expect((await api<CharacterResponse>(system.baseUrl, 'GET', `/api/characters/${a.characterId}`, { token: a.guest!.accessToken })).body.inventory).toEqual(aBefore);

    await pg.query('DROP TRIGGER test_fail_give ON action_events');
    // The state in memory was rolled back too: the same give, resent, now applies.
    const from = a.received.length;
    a.send({ type: 'intent.action', intentSeq: ack.intentSeq, payload: { action: 'give', itemId: gift.id, toCharacterId: b.characterId } });
    const retried = await a.waitForAck(ack.intentSeq, 10_000, from);
    expect(retried.status).toBe('applied');
    await b.waitFor(() => (b.me.inventory ?? []).some((i) => i.id === gift.id));
  });
});
