import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { Direction } from '@tilemud/contracts';
import { TestSystem } from '../support/system';
import { ARTIFACTS, CLIENT_DIST, describeWithBrowser, findPath, launch, near, Player, ROOT, screenshot, waitStatus } from './browser';
import { eventually } from '../support/eventually';

const DOCS = join(ROOT, 'client', 'docs');
const V: Record<Direction, [number, number]> = { north: [0, -1], south: [0, 1], east: [1, 0], west: [-1, 0] };
const KEY: Record<Direction, string> = { north: 'ArrowUp', south: 'ArrowDown', east: 'ArrowRight', west: 'ArrowLeft' };
const OPPOSITE: Record<Direction, Direction> = { north: 'south', south: 'north', east: 'west', west: 'east' };

/** A screenshot in test-artifacts/; with UPDATE_CLIENT_DOCS=1 also in client/docs/ for the README. */
async function docShot(player: Player, name: string): Promise<void> {
  await screenshot(player.page, name);
  if (!process.env.UPDATE_CLIENT_DOCS) return; // a plain test run leaves the committed images alone
  mkdirSync(DOCS, { recursive: true });
  copyFileSync(join(ARTIFACTS, `${name}.png`), join(DOCS, `${name}.png`));
}

/** Playing on a phone and at a desk: layout, touch, keys, chat isolation, and a stalled link. */
describeWithBrowser('playing on a phone and with the keyboard', () => {
  let system: TestSystem;
  let browser: Browser;
  let desk: Player;
  let phone: Player;

  beforeAll(async () => {
    system = new TestSystem({ RESUME_WINDOW_MS: '30000' });
    system.apps.gateway.env.CLIENT_DIST = CLIENT_DIST;
    await system.start();
    browser = await launch();
    desk = await Player.guest(browser, system.baseUrl);
    phone = await Player.guest(browser, system.baseUrl, Player.PHONE);
  }, 90_000);

  afterAll(async () => {
    if (system?.apps.gateway.proc?.exitCode === null) system.apps.gateway.proc.kill('SIGCONT');
    // The world is shared with the other browser suite of this run: leave it, do not linger in it.
    for (const p of [desk, phone]) await p?.signOut().catch(() => undefined);
    await browser?.close();
    await system?.stop();
  });

  it('fits a 390 px phone: nothing wider than the screen, sign-out in view, the map across the width', async () => {
    const page = phone.page;
    const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth }));
    expect(widths.view).toBe(390);
    expect(Math.max(widths.doc, widths.body)).toBeLessThanOrEqual(390);
    const signOut = (await page.getByTestId('sign-out').boundingBox())!;
    expect(signOut.x + signOut.width).toBeLessThanOrEqual(390);
    const map = (await page.getByTestId('map').boundingBox())!;
    expect(map.width).toBeGreaterThan(340);
    expect(map.height).toBeGreaterThan(300);
    await page.getByTestId('dpad').waitFor();
    await page.getByTestId('minimap').waitFor();
    expect(await page.locator('h1').count()).toBe(1);
    // The narrowest phones in use (360 px) fit too.
    await page.setViewportSize({ width: 360, height: 740 });
    try {
      await page.waitForFunction(() => window.innerWidth === 360);
      expect(await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth))).toBeLessThanOrEqual(360);
      const out = (await page.getByTestId('sign-out').boundingBox())!;
      expect(out.x + out.width).toBeLessThanOrEqual(360);
      await screenshot(page, 'phone-360');
    } finally {
      await page.setViewportSize({ width: 390, height: 844 });
    }
  });

  it('walks to an item by tapping (map or minimap), picks it up and chats, all by touch; the pad steps', async () => {
    const page = phone.page;
    const snapshot = await phone.snapshot();
    const start = await phone.position();
    const others = snapshot.characters.filter((c) => c.id !== phone.id);
    // The world is shared with the other browser suite: leave the items near its players to them.
    const far = (p: { x: number; y: number }) => others.every((c) => Math.abs(c.x - p.x) + Math.abs(c.y - p.y) > 6);
    const reachable = snapshot.items
      .filter(far)
      .map((item) => ({ item, path: findPath(snapshot, start, (p) => p.x === item.x && p.y === item.y, others) }))
      .filter((r) => r.path && r.path.length >= 3) // a walk, not an item already at hand
      .sort((x, y) => x.path!.length - y.path!.length);
    expect(reachable.length).toBeGreaterThan(0);
    const { item } = reachable[0]!;
    const ground = page.locator(`[data-testid="ground-item"][data-item-id="${item.id}"]`);
    // Tap the item's tile (on the map if it shows it, else on the minimap) until it is within
    // reach: a walk gives up when someone keeps standing in the way, and a new tap re-plans.
    for (let tries = 1; ; tries++) {
      const onMap = await phone.tilePoint(item.x, item.y);
      if (onMap) await page.touchscreen.tap(onMap.x, onMap.y);
      else {
        const mini = (await page.getByTestId('minimap').boundingBox())!;
        const scale = mini.width / snapshot.world.width;
        await page.touchscreen.tap(mini.x + (item.x + 0.5) * scale, mini.y + (item.y + 0.5) * scale);
      }
      try {
        await ground.waitFor({ state: 'attached', timeout: 20_000 });
        break;
      } catch (err) {
        if (tries === 3) throw err;
      }
    }
    const reached = await phone.position();
    expect(near(reached, item)).toBe(true);
    expect(Math.abs(reached.x - start.x) + Math.abs(reached.y - start.y)).toBeGreaterThan(0);

    await page.getByTestId('tab-inventory').tap();
    await ground.getByRole('button', { name: 'Pick up' }).tap();
    await page.locator(`[data-testid="inventory-item"][data-item-id="${item.id}"]`).waitFor();
    await phone.settled();
    await docShot(phone, 'phone-items');

    await page.getByTestId('tab-chat').tap();
    await page.getByTestId('chat-input').tap();
    await page.getByTestId('chat-input').fill('hello from a phone');
    await page.getByRole('button', { name: 'Send' }).tap();
    await desk.waitChat('hello from a phone');
    await phone.waitChat('hello from a phone');

    // One step with the on-screen pad, towards any free floor next to the player.
    const here = await phone.position();
    const now = await phone.snapshot();
    const taken = new Set(now.characters.filter((c) => c.id !== phone.id).map((c) => `${c.x},${c.y}`));
    const free = (['north', 'south', 'east', 'west'] as Direction[]).find((d) => {
      const [dx, dy] = V[d];
      return now.world.tiles[here.y + dy]?.[here.x + dx] === '.' && !taken.has(`${here.x + dx},${here.y + dy}`);
    })!;
    await page.locator(`[data-testid="dpad"] [data-direction="${free}"]`).tap();
    await phone.waitPosition(phone.id, here.x + V[free][0], here.y + V[free][1]);
    await phone.settled();
    await docShot(phone, 'phone-chat');
  }, 90_000);

  it('sends every key press at 50 ms spacing (queued at the move rate, none dropped)', async () => {
    const page = desk.page;
    const snapshot = await desk.snapshot();
    const here = await desk.position();
    const taken = new Set(snapshot.characters.filter((c) => c.id !== desk.id).map((c) => `${c.x},${c.y}`));
    const d = (['east', 'west', 'north', 'south'] as Direction[]).find((k) => {
      const [dx, dy] = V[k];
      return snapshot.world.tiles[here.y + dy]?.[here.x + dx] === '.' && !taken.has(`${here.x + dx},${here.y + dy}`);
    })!;
    const before = desk.movesSent();
    await page.locator('body').click({ position: { x: 5, y: 5 } }); // focus the page, not a field
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press(KEY[i % 2 ? OPPOSITE[d] : d]);
      await page.waitForTimeout(50); // the spacing under test, not a wait for a result
    }
    await page.waitForFunction(() => document.querySelector('.game')?.getAttribute('data-in-flight') === '0', undefined, { timeout: 15_000 });
    // Playwright hears of sent frames through events that can trail the page's own state: wait for
    // them (a dropped press never comes, and the count below then fails).
    await eventually(
      'the 15 moves seen sent by Playwright',
      () => desk.movesSent() - before >= 15,
      15_000,
      () => desk.movesSent() - before,
    );
    expect(desk.movesSent() - before).toBe(15);
    // Fifteen alternating steps end one step away, as the server has it.
    await desk.waitPosition(desk.id, here.x + V[d][0], here.y + V[d][1]);
    const server = (await desk.snapshot()).characters.find((c) => c.id === desk.id)!;
    expect({ x: server.x, y: server.y }).toEqual({ x: here.x + V[d][0], y: here.y + V[d][1] });
  }, 60_000);

  it('marks a refused move on the map and says why', async () => {
    const snapshot = await desk.snapshot();
    const from = await desk.position();
    const others = snapshot.characters.filter((c) => c.id !== desk.id);
    const blockedDir = (p: { x: number; y: number }) =>
      (['north', 'south', 'east', 'west'] as Direction[]).find((k) => ['#', '~'].includes(snapshot.world.tiles[p.y + V[k][1]]?.[p.x + V[k][0]] ?? ''));
    const path = findPath(snapshot, from, (p) => !!blockedDir(p), others)!;
    expect(path).not.toBeNull();
    await desk.walk(path);
    const at = await desk.position();
    const d = blockedDir(at)!;
    const tile = snapshot.world.tiles[at.y + V[d][1]]![at.x + V[d][0]];
    await desk.page.keyboard.press(KEY[d]);
    const bump = desk.page.locator('[data-testid="bump"][data-code^="MOVE_INTO_"]');
    await bump.waitFor({ timeout: 10_000 });
    expect(await bump.textContent()).toBe(`Can't move there: ${tile === '#' ? 'A wall' : 'Water'}`);
    await screenshot(desk.page, 'bump');
    expect(await desk.position()).toEqual(at);
  });

  it('isolates chat text: a right-to-left override cannot reorder the line around it', async () => {
    // The server removes bidirectional controls (docs/protocol.md); right-to-left letters stay, isolated.
    const text = '\u202Eevil override \u05E9\u05DC\u05D5\u05DD';
    await desk.say(text);
    await phone.page.getByTestId('tab-chat').tap();
    const line = phone.page.locator('[data-testid="chat-message"]', { hasText: 'evil override' });
    await line.waitFor();
    const el = line.getByTestId('chat-text');
    expect(await el.evaluate((e) => e.tagName)).toBe('BDI');
    expect(await el.evaluate((e) => getComputedStyle(e).unicodeBidi)).toBe('isolate');
    expect(await line.getByTestId('chat-from').evaluate((e) => [e.tagName, getComputedStyle(e).unicodeBidi])).toEqual(['BDI', 'isolate']);
    expect(await el.textContent()).toBe(text.replace('\u202E', ''));
    // Time, name, text stay in that order on screen.
    const [t, n, m] = await Promise.all([line.locator('time'), line.getByTestId('chat-from'), el].map(async (l) => (await l.boundingBox())!.x));
    expect(t!).toBeLessThan(n!);
    expect(n!).toBeLessThan(m!);
  });

  it('shows a stalled connection within 2 s, says what it waits for, and clears when it answers', async () => {
    const page = desk.page;
    await waitStatus(page, 'live');
    await page.locator('[data-testid="status"][data-link="ok"]').waitFor();
    // The page notes when the status turns unstable, on its own clock.
    await page.evaluate(() => {
      const w = window as unknown as { unstableAt?: number };
      delete w.unstableAt;
      const el = document.querySelector('[data-testid="status"]')!;
      new MutationObserver(() => {
        if (el.getAttribute('data-link') === 'unstable' && w.unstableAt === undefined) w.unstableAt = performance.now();
      }).observe(el, { attributes: true });
    });
    const here = await desk.position();
    const snapshot = await desk.snapshot();
    const d = (['east', 'west', 'north', 'south'] as Direction[]).find((k) => snapshot.world.tiles[here.y + V[k][1]]?.[here.x + V[k][0]] === '.')!;
    system.apps.gateway.proc!.kill('SIGSTOP'); // the socket stays open; nothing answers
    try {
      const pressedAt = await page.evaluate(() => performance.now());
      await page.keyboard.press(KEY[d]);
      await page.locator('[data-testid="status"][data-link="unstable"]').waitFor({ timeout: 10_000 });
      const shownAfter = await page.evaluate((t) => (window as unknown as { unstableAt: number }).unstableAt - t, pressedAt);
      process.stderr.write(`stalled link shown as unstable ${Math.round(shownAfter)} ms after the unanswered move\n`);
      expect(shownAfter).toBeLessThan(2000);
      expect(await page.getByTestId('status').getAttribute('data-status')).toBe('live'); // still open, not yet given up
      expect(await page.getByTestId('status-text').textContent()).toMatch(/^Unstable · no answer for \d+ s · waiting for 1 move/);
      expect(await page.getByTestId('status-announce').textContent()).toBe('Connection unstable');
      expect(await page.getByTestId('unstable-banner').textContent()).toContain('1 move');
      await screenshot(page, 'stalled');
    } finally {
      system.apps.gateway.proc!.kill('SIGCONT');
    }
    await page.locator('[data-testid="status"][data-status="live"][data-link="ok"]').waitFor({ timeout: 40_000 });
    await desk.settled(20_000);
    await docShot(desk, 'desktop');
  }, 90_000);
});
