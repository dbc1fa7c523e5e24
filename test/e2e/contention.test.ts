import { TestClient } from '../support/client';
import { TestSystem } from '../support/system';
import { eventually } from '../support/eventually';

/** Many players asking for the same thing at the same moment: the sequence decides, once. */
describe('contention is decided by sequence', () => {
  const system = new TestSystem();
  const clients: TestClient[] = [];

  beforeAll(() => system.start(), 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await system.stop();
  });

  const join = async (n: number) => {
    const joined = await Promise.all(Array.from({ length: n }, () => new TestClient(system.baseUrl, system.wsUrl).join()));
    clients.push(...joined);
    return joined;
  };
  const leaveAll = async (cs: TestClient[]) => {
    await Promise.all(cs.map((c) => c.close()));
    clients.splice(0, clients.length, ...clients.filter((c) => !cs.includes(c)));
  };

  /** A w x h block of floor with no item, character or spawn in it, as the client sees the world. */
  const openArea = (c: TestClient, w: number, h: number, avoid: Set<string> = new Set()) => {
    const busy = new Set([...c.items.values(), ...c.characters.values()].map((p) => `${p.x},${p.y}`));
    for (let y = 1; y + h < c.tiles.length; y++) {
      for (let x = 1; x + w < c.tiles[0]!.length; x++) {
        let ok = true;
        for (let dy = 0; dy < h && ok; dy++)
          for (let dx = 0; dx < w && ok; dx++) {
            const k = `${x + dx},${y + dy}`;
            ok = c.tiles[y + dy]![x + dx] === '.' && !busy.has(k) && !avoid.has(k);
          }
        if (ok) return { x, y };
      }
    }
    throw new Error('no open area');
  };

  /**
   * Walks every client to its own tile, one after another, filling the block row by row from the
   * top so that no one walls off a spot still to be filled.
   */
  const place = async (cs: TestClient[], spots: { x: number; y: number }[]) => {
    const ordered = [...spots].sort((p, q) => p.y - q.y || p.x - q.x);
    // walkTo returns once the walker's own projected position is there: its moves are committed.
    for (const [i, c] of cs.entries()) expect(await c.walkTo(ordered[i]!.x, ordered[i]!.y, 1500)).toBe(true);
  };

  /** The dealer fetches the nearest lying item it can reach (skipping any it cannot). */
  const fetchNearest = async (c: TestClient, skip: (i: { x: number; y: number }) => boolean) => {
    for (const item of c.itemsByDistance(skip).slice(0, 4)) {
      if (!(await c.walkTo(item.x, item.y, 600))) continue;
      if ((await c.intent('intent.action', { action: 'pickup', itemId: item.id })).status === 'applied') {
        await c.waitFor(() => (c.me.inventory ?? []).some((i) => i.id === item.id));
        return item;
      }
    }
    throw new Error('the dealer could reach no item');
  };

  /**
   * Every client's view, once each has the deltas up to `seq` (an ack comes before its delta: views
   * that agree earlier may all lack the newest pickups) and they agree.
   */
  const views = (cs: TestClient[], seq: number) =>
    eventually(
      `every client to see the same world, at seq ${seq} or later`,
      () => {
        const v = cs.map((c) => JSON.stringify(c.view()));
        return cs.every((c) => c.lastSeq >= seq) && new Set(v).size === 1 ? v : undefined;
      },
      15_000,
      () => cs.map((c) => c.view()),
    );

  it('players on every tile in reach of one item race for it: exactly one gets it, all see the same world', async () => {
    const cs = await join(9);
    // Bring one item to an open spot: the first player fetches the nearest and drops it there.
    const [dealer] = cs;
    const area = openArea(dealer!, 5, 5);
    const item = await fetchNearest(dealer!, () => false);
    const center = { x: area.x + 2, y: area.y + 2 };
    expect(await dealer!.walkTo(center.x, center.y, 1500)).toBe(true);
    expect((await dealer!.intent('intent.action', { action: 'drop', itemId: item.id })).status).toBe('applied');
    // The 9 tiles in reach: the item's own and its 8 neighbours; the dealer is already on the centre.
    const ring = [
      [-1, -1],
      [0, -1],
      [1, -1],
      [-1, 0],
      [1, 0],
      [-1, 1],
      [0, 1],
      [1, 1],
    ].map(([dx, dy]) => ({ x: center.x + dx!, y: center.y + dy! }));
    await place(cs.slice(1), ring);

    const acks = await Promise.all(cs.map((c) => c.intent('intent.action', { action: 'pickup', itemId: item.id })));
    const winners = acks.filter((k) => k.status === 'applied');
    expect(winners).toHaveLength(1);
    expect(acks.filter((k) => k.status === 'rejected').map((k) => k.error!.code)).toEqual(Array(8).fill('ITEM_NOT_FOUND'));
    const v = await views(cs, winners[0]!.seq!);
    expect(new Set(v).size).toBe(1);
    await leaveAll(cs);
  }, 120_000);

  it('20 players race for six items at once: every item is won exactly once and all snapshots are equal', async () => {
    const cs = await join(20);
    const [dealer] = cs;
    // A 5 x 4 block of tiles, every one within reach of a 3 x 2 block of items in its middle.
    const area = openArea(dealer!, 7, 6);
    const block = { x: area.x + 2, y: area.y + 2 };
    const itemSpots = [0, 1, 2].flatMap((dx) => [0, 1].map((dy) => ({ x: block.x + dx, y: block.y + dy })));
    const taken: string[] = [];
    for (const spot of itemSpots) {
      const item = await fetchNearest(dealer!, (i) => itemSpots.some((s) => s.x === i.x && s.y === i.y));
      expect(await dealer!.walkTo(spot.x, spot.y, 1500)).toBe(true);
      expect((await dealer!.intent('intent.action', { action: 'drop', itemId: item.id })).status).toBe('applied');
      taken.push(item.id);
    }
    const spots: { x: number; y: number }[] = [];
    for (let dy = -1; dy <= 2; dy++) for (let dx = -1; dx <= 3; dx++) spots.push({ x: block.x + dx, y: block.y + dy });
    // The dealer stands on the last item spot (in the block); everyone else takes a spot in order.
    const others = cs.filter((c) => c !== dealer);
    const free = spots.filter((s) => !(s.x === dealer!.me.x && s.y === dealer!.me.y));
    await place(others, free);
    // Every client sees the six items before the race (deltas may still be on their way).
    await Promise.all(cs.map((c) => c.waitFor(() => taken.every((id) => c.items.has(id)), 10_000)));

    // Everyone asks for every item, all at once.
    const acks = (await Promise.all(cs.map((c) => Promise.all(taken.map((id) => c.intent('intent.action', { action: 'pickup', itemId: id })))))).flat();
    expect(acks.filter((k) => k.status === 'applied')).toHaveLength(taken.length);
    // The rest lost the race, or asked for an item of the block that was out of their reach.
    const codes = new Set(acks.filter((k) => k.status === 'rejected').map((k) => k.error!.code));
    expect(codes.has('ITEM_NOT_FOUND')).toBe(true);
    expect([...codes].every((c) => c === 'ITEM_NOT_FOUND' || c === 'NOT_ADJACENT')).toBe(true);
    const v = await views(cs, Math.max(...acks.map((k) => k.seq ?? 0)));
    expect(new Set(v).size).toBe(1);
    const world = JSON.parse(v[0]!) as { characters: { inventory: { id: string }[] }[]; items: { id: string }[] };
    const held = world.characters.flatMap((c) => c.inventory.map((i) => i.id)).filter((id) => taken.includes(id));
    expect(held.sort()).toEqual([...taken].sort());
    expect(world.items.filter((i) => taken.includes(i.id))).toEqual([]);
  }, 180_000);
});
