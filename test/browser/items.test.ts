import type { Browser } from 'playwright-core';
import { TestSystem } from '../support/system';
import { CLIENT_DIST, describeWithBrowser, findPath, launch, near, Player, screenshot } from './browser';

/** Picking up an item and giving it to another player, in real browsers. */
describeWithBrowser('items in the browser game', () => {
  const system = new TestSystem();
  let browser: Browser;
  let a: Player;
  let b: Player;

  beforeAll(async () => {
    system.apps.gateway.env.CLIENT_DIST = CLIENT_DIST;
    await system.start();
    browser = await launch();
    a = await Player.guest(browser, system.baseUrl);
    b = await Player.guest(browser, system.baseUrl);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await system.stop();
  });

  it('picks up an item and gives it to a neighbour', async () => {
    // A walks to the nearest item and picks it up.
    let snapshot = await a.snapshot();
    const others = () => snapshot.characters.filter((c) => c.id !== a.id);
    const start = await a.position();
    const reachable = snapshot.items
      .map((item) => ({ item, path: findPath(snapshot, start, (p) => near(p, item), others()) }))
      .filter((r) => r.path)
      .sort((x, y) => x.path!.length - y.path!.length);
    expect(reachable.length).toBeGreaterThan(0);
    const { item, path } = reachable[0]!;
    await a.walk(path!);
    const ground = a.page.locator(`[data-testid="ground-item"][data-item-id="${item.id}"]`);
    await ground.getByRole('button', { name: 'Pick up' }).click();
    await a.page.locator(`[data-testid="inventory-item"][data-item-id="${item.id}"]`).waitFor();
    await a.settled();
    expect(await ground.count()).toBe(0);

    // B walks next to A; A gives the item to B.
    snapshot = await b.snapshot();
    const at = await a.position();
    const toA = findPath(snapshot, (await b.position())!, (p) => near(p, at) && !(p.x === at.x && p.y === at.y), [at])!;
    expect(toA).not.toBeNull();
    await b.walk(toA);
    const bAt = await b.position();
    await a.waitPosition(b.id, bAt.x, bAt.y);
    const mine = a.page.locator(`[data-testid="inventory-item"][data-item-id="${item.id}"]`);
    await mine.getByTestId('give').click();
    await b.page.locator(`[data-testid="inventory-item"][data-item-id="${item.id}"]`).waitFor();
    await a.settled();
    expect(await mine.count()).toBe(0);
    await screenshot(a.page, 'items-giver');
    await screenshot(b.page, 'items-receiver');
  }, 90_000);
});
