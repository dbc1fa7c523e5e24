// Helpers for the browser tests: Debian's chromium driven by playwright-core (never a browser a
// tool downloads), players signed in as guests, and what their pages show.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { AuthResponse, Direction, Snapshot } from '@tilemud/contracts';

export const CHROMIUM = process.env.TILEMUD_CHROMIUM ?? '/usr/bin/chromium';
export const ROOT = join(__dirname, '..', '..');
export const CLIENT_DIST = join(ROOT, 'client', 'dist');
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** `describe` for tests that need Debian's chromium; without it they fail, saying how to install it. */
export function describeWithBrowser(name: string, fn: () => void): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install -y chromium; .ci/run installs it)`);
  if (!existsSync(join(CLIENT_DIST, 'index.html'))) throw new Error(`${CLIENT_DIST}/index.html is missing: run \`npm run build\` first`);
  describe(name, fn);
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** One person at the game: a browser context of their own, signed in as a guest, live. */
export class Player {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly id: string,
    readonly name: string,
    /** Every WebSocket text frame this page sent, in order. */
    readonly framesSent: string[],
  ) {}

  /** A phone: 390×844, touch, mobile viewport rules. */
  static readonly PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 };

  static async guest(browser: Browser, baseUrl: string, options: BrowserContextOptions = { viewport: { width: 1280, height: 800 } }): Promise<Player> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const framesSent: string[] = [];
    page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
    page.on('websocket', (ws) => ws.on('framesent', (f) => typeof f.payload === 'string' && framesSent.push(f.payload)));
    await page.goto(baseUrl + '/');
    if (options.hasTouch) await page.getByTestId('guest').tap();
    else await page.getByTestId('guest').click();
    await waitStatus(page, 'live');
    const self = page.locator('[data-testid="online-entry"].self');
    await self.waitFor({ state: 'attached' }); // on a phone the list is in a folded tab
    return new Player(context, page, (await self.getAttribute('data-character-id'))!, (await self.getAttribute('data-name'))!, framesSent);
  }

  /** Where `who` stands as this player's page lists it. */
  async positionOf(who: string): Promise<{ x: number; y: number } | null> {
    const el = this.page.locator(`[data-testid="online-entry"][data-character-id="${who}"]`);
    if (!(await el.count())) return null;
    return { x: Number(await el.getAttribute('data-x')), y: Number(await el.getAttribute('data-y')) };
  }

  position(): Promise<{ x: number; y: number }> {
    return this.positionOf(this.id).then((p) => p!);
  }

  /** Waits until this page shows `who` at (x, y). */
  async waitPosition(who: string, x: number, y: number, timeout = 10_000): Promise<void> {
    await this.page.locator(`[data-testid="online-entry"][data-character-id="${who}"][data-x="${x}"][data-y="${y}"]`).waitFor({ state: 'attached', timeout });
  }

  /** Until every intent this page sent has settled. */
  async settled(timeout = 10_000): Promise<void> {
    await this.page.locator('.game[data-in-flight="0"]').waitFor({ timeout });
  }

  async say(text: string): Promise<void> {
    await this.page.getByTestId('chat-input').fill(text);
    await this.page.getByTestId('chat-input').press('Enter');
  }

  async waitChat(text: string, timeout = 10_000): Promise<void> {
    await this.page.locator('[data-testid="chat-message"]', { hasText: text }).waitFor({ state: 'attached', timeout });
  }

  /** The world's full state over REST, with this player's token. */
  snapshot(worldId = 'lobby'): Promise<Snapshot> {
    return this.page.evaluate(async (w) => {
      // The client keeps its sign-in in localStorage (client/src/auth.ts).
      const { auth } = JSON.parse(localStorage.getItem('tilemud.auth.v2')!) as { auth: AuthResponse };
      const res = await fetch(`/api/worlds/${w}/snapshot`, { headers: { authorization: `Bearer ${auth.accessToken}` } });
      return (await res.json()) as Snapshot;
    }, worldId);
  }

  /** Walks a path of directions with the keyboard, each step shown (predicted) before the next. */
  async walk(path: Direction[]): Promise<void> {
    const keys: Record<Direction, string> = { north: 'ArrowUp', south: 'ArrowDown', east: 'ArrowRight', west: 'ArrowLeft' };
    for (const d of path) {
      const before = await this.position();
      await this.page.keyboard.press(keys[d]);
      const v = { north: [0, -1], south: [0, 1], east: [1, 0], west: [-1, 0] }[d];
      await this.waitPosition(this.id, before.x + v[0]!, before.y + v[1]!, 5_000);
      await this.page.waitForTimeout(90); // the client sends at most one move per 80 ms
    }
    await this.settled();
  }

  /** The move intents this page has put on the wire so far. */
  movesSent(): number {
    return this.framesSent.filter((f) => f.includes('"intent.move"')).length;
  }

  /** The page point at the centre of map tile (x, y), or null when the map does not show it. */
  async tilePoint(x: number, y: number): Promise<{ x: number; y: number } | null> {
    const map = this.page.getByTestId('map');
    const box = (await map.boundingBox())!;
    const [camX, camY, tile] = await Promise.all(['data-cam-x', 'data-cam-y', 'data-tile'].map(async (a) => Number(await map.getAttribute(a))));
    const px = box.x + (x - camX!) * tile! + tile! / 2;
    const py = box.y + (y - camY!) * tile! + tile! / 2;
    // Only where the map itself is under the finger (not the minimap or the pad over it).
    const onMap = await this.page.evaluate(([X, Y]) => document.elementFromPoint(X!, Y!)?.getAttribute('data-testid') === 'map', [px, py]);
    return onMap ? { x: px, y: py } : null;
  }

  /** Signs out (the character leaves the world at once, not after the resume window). */
  async signOut(): Promise<void> {
    const done = this.page.waitForResponse((r) => r.url().endsWith('/logout'));
    await this.page.getByTestId('sign-out').click();
    await done;
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

export function waitStatus(page: Page, status: string, timeout = 20_000): Promise<unknown> {
  return page.locator(`[data-testid="status"][data-status="${status}"]`).waitFor({ timeout });
}

type P = { x: number; y: number };
const STEPS: Array<[Direction, number, number]> = [
  ['north', 0, -1],
  ['south', 0, 1],
  ['east', 1, 0],
  ['west', -1, 0],
];

/** Shortest walk over floor from `from` to any tile `goal` accepts, around the characters in `blocked`. */
export function findPath(snapshot: Snapshot, from: P, goal: (p: P) => boolean, blocked: P[] = []): Direction[] | null {
  const { tiles, width, height } = snapshot.world;
  const taken = new Set(blocked.map((b) => `${b.x},${b.y}`));
  const prev = new Map<string, [string, Direction] | null>([[`${from.x},${from.y}`, null]]);
  const queue: P[] = [from];
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i]!;
    if (goal(p)) {
      const path: Direction[] = [];
      for (let k = `${p.x},${p.y}`; prev.get(k); k = prev.get(k)![0]) path.unshift(prev.get(k)![1]);
      return path;
    }
    for (const [d, dx, dy] of STEPS) {
      const n = { x: p.x + dx, y: p.y + dy };
      const key = `${n.x},${n.y}`;
      if (n.x < 0 || n.y < 0 || n.x >= width || n.y >= height || prev.has(key) || taken.has(key) || tiles[n.y]![n.x] !== '.') continue;
      prev.set(key, [`${p.x},${p.y}`, d]);
      queue.push(n);
    }
  }
  return null;
}

/** Everyone in the snapshot but `id`: what a path must go round (the world is shared with other suites). */
export const othersIn = (snapshot: Snapshot, id: string): P[] => snapshot.characters.filter((c) => c.id !== id);

export const near = (a: P, b: P) => Math.abs(a.x - b.x) <= 1 && Math.abs(a.y - b.y) <= 1;
