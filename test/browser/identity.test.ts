import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AuthResponse, Snapshot } from '@tilemud/contracts';
import { TcpProxy } from '../support/tcp-proxy';
import { TestSystem } from '../support/system';
import { CLIENT_DIST, describeWithBrowser, findPath, launch, near, othersIn, Player, screenshot, waitStatus } from './browser';

/** Seconds an access token lives here: every minute of these tests outlives a few of them. */
const TTL_S = 2;
const WINDOW_MS = 3000;
const log = (line: string) => process.stderr.write(`[identity] ${line}\n`);

type Stored = { auth: AuthResponse; obtainedAt: number };
/** The sign-in the page keeps (client/src/auth.ts). */
const stored = (page: Page): Promise<Stored | null> => page.evaluate(() => JSON.parse(localStorage.getItem('tilemud.auth.v2') ?? 'null') as Stored | null);
const kidOf = (jwt: string): string => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

/** Waits (on the page's clock, the machine's) until `epochMs` has passed. */
const until = (page: Page, epochMs: number) => page.waitForFunction((t) => Date.now() > t, epochMs, { timeout: 60_000, polling: 100 });

/** Every sign-in (guest, login, register) and refresh this page asked for, and how each was answered. */
function watchAuth(p: Player): { signIns: string[]; refreshes: number[] } {
  const seen = { signIns: [] as string[], refreshes: [] as number[] };
  p.page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path === '/api/auth/refresh') seen.refreshes.push(r.status());
    else if (/^\/api\/auth\/(guest|login|register)$/.test(path)) seen.signIns.push(path);
  });
  return seen;
}

/** From now on the page notes if the sign-in screen ever shows (across reloads). */
async function watchSignInScreen(p: Player): Promise<void> {
  await p.context.addInitScript(() => {
    const w = window as unknown as { sawSignIn: boolean };
    w.sawSignIn = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="guest"]')) w.sawSignIn = true;
    }).observe(document, { childList: true, subtree: true });
  });
}

/** Live again as the same character, and the sign-in screen never showed since the last navigation. */
async function backAsItself(p: Player, timeout = 45_000): Promise<void> {
  await waitStatus(p.page, 'live', timeout);
  const self = p.page.locator('[data-testid="online-entry"].self');
  await self.waitFor({ state: 'attached', timeout });
  expect(await self.getAttribute('data-character-id')).toBe(p.id);
  expect(await self.getAttribute('data-name')).toBe(p.name);
  expect(await p.page.evaluate(() => (window as unknown as { sawSignIn?: boolean }).sawSignIn)).toBe(false);
}

const inventoryIds = (p: Player) => p.page.locator('[data-testid="inventory-item"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')).sort());

/** The world over REST with the page's freshest token (one that expired meanwhile is retried with the next). */
async function snapshotOf(p: Player): Promise<Snapshot> {
  for (let i = 0; ; i++) {
    const token = (await stored(p.page))!.auth.accessToken;
    const s = (await p.snapshot()) as Snapshot & { error?: { category: string } };
    if (Array.isArray(s.characters)) return s;
    if (i === 5 || s.error?.category !== 'auth') throw new Error(`snapshot refused: ${JSON.stringify(s)}`);
    const newer = (t: string) => (JSON.parse(localStorage.getItem('tilemud.auth.v2')!) as Stored).auth.accessToken !== t;
    await p.page.waitForFunction(newer, token, { timeout: 10_000 });
  }
}

/** Walks next to an item no other player is near, picks it up, and returns its id. */
async function pickUpAnItem(p: Player): Promise<string> {
  for (let tries = 1; ; tries++) {
    const snapshot = await snapshotOf(p);
    const start = await p.position();
    const others = othersIn(snapshot, p.id);
    const far = (i: { x: number; y: number }) => others.every((c) => Math.abs(c.x - i.x) + Math.abs(c.y - i.y) > 4);
    const [best] = snapshot.items
      .filter(far)
      .map((item) => ({ item, path: findPath(snapshot, start, (q) => near(q, item), others) }))
      .filter((r) => r.path)
      .sort((a, b) => a.path!.length - b.path!.length);
    expect(best).toBeDefined();
    try {
      await p.walk(best!.path!);
      await p.page.locator(`[data-testid="ground-item"][data-item-id="${best!.item.id}"]`).getByRole('button', { name: 'Pick up' }).click({ timeout: 10_000 });
      await p.page.locator(`[data-testid="inventory-item"][data-item-id="${best!.item.id}"]`).waitFor({ timeout: 10_000 });
      await p.settled();
      return best!.item.id;
    } catch (err) {
      if (tries === 3) throw err; // someone took it or stood in the way: pick another
    }
  }
}

/**
 * Staying signed in, in the real client: refresh tokens under a 2 s access token, a guest across a
 * restart of every app, a guest turned account, the local key file across a gateway restart, and
 * away players in the Online list.
 */
describeWithBrowser('staying signed in, in the browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tilemud-browser-keys-'));
  const keyFile = join(dir, 'auth-keys.json');
  let system: TestSystem;
  let proxy: TcpProxy;
  let port = '';
  let browser: Browser;
  const players: Player[] = [];
  const guest = async (baseUrl = system.baseUrl) => {
    const p = await Player.guest(browser, baseUrl);
    players.push(p);
    await watchSignInScreen(p);
    return p;
  };
  const startGateway = (env: Record<string, string> = {}) => system.apps.gateway.start({ PORT: port, HOST: '127.0.0.1', ...env });

  beforeAll(async () => {
    system = new TestSystem({
      ACCESS_TOKEN_TTL_S: String(TTL_S),
      RESUME_WINDOW_MS: String(WINDOW_MS),
      PRESENCE_INTERVAL_MS: '1000',
      // A page refreshes every 1.6 s here; all of this file's pages come from 127.0.0.1.
      RATE_LIMIT_REFRESH_ADDRESS: '100000/1000',
      AUTH_KEY_FILE: keyFile,
    });
    // As under `npm start`: neither AUTH_KEYS nor AUTH_SECRET (an empty AUTH_SECRET is refused by
    // the config, min 32 characters, so it is removed rather than emptied).
    for (const app of Object.values(system.apps)) delete app.env.AUTH_SECRET;
    system.apps.gateway.env.CLIENT_DIST = CLIENT_DIST;
    await system.start();
    port = new URL(system.baseUrl).port;
    proxy = await new TcpProxy('127.0.0.1', Number(port)).start();
    browser = await launch();
  }, 90_000);

  afterAll(async () => {
    // The world is shared with the other browser suites of this run: leave it at once.
    for (const p of players)
      if (
        await p.page
          .getByTestId('sign-out')
          .isVisible()
          .catch(() => false)
      )
        await p.signOut().catch(() => undefined);
    await browser?.close();
    await proxy?.close();
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it('keeps a player signed in past the access token: playing, after a reload and after a dropped socket', async () => {
    const a = await guest(`http://127.0.0.1:${proxy.port}`); // its socket can be cut
    const auth = watchAuth(a);
    const first = (await stored(a.page))!;
    expect(first.auth.expiresIn).toBe(TTL_S);

    // Playing on well past the first token's life: a step and a line of chat go through.
    await until(a.page, first.obtainedAt + 2 * TTL_S * 1000);
    const snapshot = await snapshotOf(a);
    const from = await a.position();
    const step = findPath(snapshot, from, (q) => Math.abs(q.x - from.x) + Math.abs(q.y - from.y) === 1, othersIn(snapshot, a.id))!;
    await a.walk(step);
    await a.say('still here after my first token expired');
    await a.waitChat('still here after my first token expired');
    await a.settled();
    expect(auth.refreshes.length).toBeGreaterThanOrEqual(1);
    expect((await stored(a.page))!.auth.refreshToken).not.toBe(first.auth.refreshToken);

    // Reloaded while the stored access token is still good, and again after it expired with the page away.
    await a.page.reload();
    await backAsItself(a);
    const away = (await stored(a.page))!;
    await a.page.goto('about:blank');
    await until(a.page, away.obtainedAt + TTL_S * 1000 + 500);
    const refreshesBefore = auth.refreshes.length;
    const comingBack = Date.now();
    await a.page.goto(`http://127.0.0.1:${proxy.port}/`);
    await backAsItself(a);
    log(`reload with an expired access token: live again after ${Date.now() - comingBack} ms`);
    expect(auth.refreshes.length).toBeGreaterThan(refreshesBefore);
    expect((await stored(a.page))!.auth.refreshToken).not.toBe(away.auth.refreshToken);

    // The socket drops (reset, no close frame) and stays unreachable past the token's life.
    const before = (await stored(a.page))!;
    proxy.cut();
    const cutAt = Date.now();
    await a.page.locator('[data-testid="status"]:not([data-status="live"])').waitFor({ timeout: 20_000 });
    await until(a.page, before.obtainedAt + TTL_S * 1000 + 500);
    proxy.restore();
    const restoredAt = Date.now();
    await backAsItself(a, 60_000);
    log(`dropped socket: cut ${restoredAt - cutAt} ms, live again ${Date.now() - restoredAt} ms after the link came back`);
    expect((await stored(a.page))!.auth.refreshToken).not.toBe(before.auth.refreshToken);
    await a.say('back after a dropped socket');
    await a.waitChat('back after a dropped socket');

    expect(auth.signIns).toEqual([]); // signed in once (before the watch began), never again
    expect(auth.refreshes.every((s) => s === 200)).toBe(true);
    log(`refreshes over the test: ${auth.refreshes.length}, all 200`);
    await screenshot(a.page, 'identity-refreshed');
  }, 180_000);

  it('brings a guest back to its character and inventory after a restart of every app', async () => {
    const b = await guest();
    const item = await pickUpAnItem(b);
    const inventory = await inventoryIds(b);
    expect(inventory).toContain(item);

    await system.apps.gateway.stop();
    await Promise.all([system.apps.sequencer.stop(), system.apps.projector.stop()]);
    await Promise.all([system.apps.sequencer.start(), system.apps.projector.start()]);
    await startGateway();
    const readyAt = Date.now();
    await b.page.reload();
    await backAsItself(b);
    log(`restart of every app: the reloaded guest was live ${Date.now() - readyAt} ms after the gateway was ready`);
    await b.page.locator(`[data-testid="inventory-item"][data-item-id="${item}"]`).waitFor();
    expect(await inventoryIds(b)).toEqual(inventory);
  }, 180_000);

  it("turns a guest into an account with 'Keep this character', then signs in by name to the same character", async () => {
    const c = await guest();
    const item = await pickUpAnItem(c);
    const inventory = await inventoryIds(c);
    const username = `keep_${Date.now().toString(36)}`;
    const password = 'correct horse battery';

    await c.page.getByTestId('upgrade-open').click();
    const form = c.page.getByTestId('upgrade-form');
    await form.getByLabel('Username').fill(username);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Create account' }).click();
    await c.page.getByTestId('upgraded').waitFor();
    expect(await c.page.getByTestId('upgraded').textContent()).toBe(`Account ${username} created`);
    expect((await stored(c.page))!.auth.player).toMatchObject({ id: expect.any(String) as unknown, username });
    await screenshot(c.page, 'identity-upgraded');

    await c.signOut();
    await c.page.getByTestId('guest').waitFor(); // the sign-in screen
    expect(await stored(c.page)).toBeNull();
    await c.page.getByLabel('Username').fill(username);
    await c.page.getByLabel('Password').fill(password);
    await c.page.getByRole('button', { name: 'Sign in', exact: true }).last().click();
    await waitStatus(c.page, 'live');
    const self = c.page.locator('[data-testid="online-entry"].self');
    await self.waitFor({ state: 'attached' });
    expect(await self.getAttribute('data-character-id')).toBe(c.id);
    expect(await self.getAttribute('data-name')).toBe(c.name); // the character keeps its guest_ name
    await c.page.locator(`[data-testid="inventory-item"][data-item-id="${item}"]`).waitFor();
    expect(await inventoryIds(c)).toEqual(inventory);
    expect(await c.page.getByTestId('upgrade-open').count()).toBe(0); // an account has nothing to keep
  }, 120_000);

  it('keeps a player signed in across a gateway restart with the local key file (no AUTH_SECRET or AUTH_KEYS)', async () => {
    // Access tokens that outlive the restart, so that the reload presents the old one as it is.
    await system.apps.gateway.stop();
    await startGateway({ ACCESS_TOKEN_TTL_S: '900' });
    expect(existsSync(keyFile)).toBe(true);
    const keys = JSON.parse(readFileSync(keyFile, 'utf8')) as Array<{ kid: string }>;
    const d = await guest();
    const auth = watchAuth(d);
    const before = (await stored(d.page))!;
    expect(before.auth.expiresIn).toBe(900);
    expect(kidOf(before.auth.accessToken)).toBe(keys[0]!.kid);

    await system.apps.gateway.stop();
    await startGateway({ ACCESS_TOKEN_TTL_S: '900' });
    expect(JSON.parse(readFileSync(keyFile, 'utf8'))).toEqual(keys);
    await d.page.reload();
    await backAsItself(d);
    // The old access token was accepted as it was: nothing was refreshed, nobody signed in again.
    expect(auth.refreshes).toEqual([]);
    expect(auth.signIns).toEqual([]);
    expect((await stored(d.page))!.auth.accessToken).toBe(before.auth.accessToken);
  }, 120_000);

  it('shows a player whose page closed as away, then drops it after the resume window', async () => {
    const [e, f] = [await guest(), await guest()];
    const entry = e.page.locator(`[data-testid="online-entry"][data-character-id="${f.id}"]`);
    await entry.waitFor({ state: 'attached' });
    expect(await entry.getAttribute('data-away')).toBeNull();

    await f.page.close();
    const closedAt = Date.now();
    const away = e.page.locator(`[data-testid="online-entry"][data-character-id="${f.id}"][data-away="true"]`);
    await away.waitFor({ state: 'attached', timeout: 10_000 });
    const awayAfter = Date.now() - closedAt;
    expect(await away.textContent()).toContain('(away)');
    await screenshot(e.page, 'identity-away');
    await entry.waitFor({ state: 'detached', timeout: 30_000 });
    const goneAfter = Date.now() - closedAt;
    log(`page closed: shown away after ${awayAfter} ms, gone from the list after ${goneAfter} ms (window ${WINDOW_MS} ms)`);
    expect(goneAfter).toBeGreaterThanOrEqual(WINDOW_MS - 500);
    players.splice(players.indexOf(f), 1); // it has left; nothing to sign out
  }, 90_000);
});
