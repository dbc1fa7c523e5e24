import { join } from 'node:path';
import { Pool } from 'pg';
import type { Browser, Page } from 'playwright-core';
import { joinPlayer, type TestClient } from '../support/client';
import { TestSystem } from '../support/system';
import { ops, register, uniqueName } from '../e2e/identity-helpers';
import { ARTIFACTS, CLIENT_DIST, describeWithBrowser, launch } from './browser';

type Dir = 'north' | 'south' | 'east' | 'west';
const V: Record<Dir, [number, number]> = { north: [0, -1], south: [0, 1], east: [1, 0], west: [-1, 0] };
const TILE = 28;
/** The colour drawScene gives a character that is not the viewer's own (client/src/ui/draw.ts). */
const OTHER = [0x4a, 0xa3, 0xdf];

/** The operator page's time travel in a real browser: the slider moved to a seq draws the world as the log has it there. */
describeWithBrowser('time travel on the operator page', () => {
  const system = new TestSystem();
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  const admin = { username: uniqueName('travelweb'), password: 'operator password' };
  let browser: Browser;
  let walker: TestClient;
  let stander: TestClient;
  /** The seq each applied step was logged at, and where it left the walker. */
  const steps: Array<{ seq: number; x: number; y: number }> = [];

  beforeAll(async () => {
    system.apps.gateway.env.CLIENT_DIST = CLIENT_DIST;
    await system.start();
    expect((await register(system.baseUrl, admin.username, admin.password)).status).toBe(201);
    expect(await ops('grant-role', admin.username, 'admin')).toMatchObject({ code: 0 });
    stander = await joinPlayer(system);
    walker = await joinPlayer(system);
    // Three steps in a straight line, so that where it stood at each seq differs.
    const me = walker.me;
    const clear = (d: Dir) =>
      [1, 2, 3].every((k) => walker.tiles[me.y + V[d][1] * k]?.[me.x + V[d][0] * k] === '.' && ![...walker.characters.values()].some((c) => c.x === me.x + V[d][0] * k && c.y === me.y + V[d][1] * k));
    const dir = (['east', 'west', 'south', 'north'] as Dir[]).find(clear);
    if (!dir) throw new Error('the walker has no straight line of 3 free tiles');
    for (let k = 1; k <= 3; k++) {
      const ack = await walker.move(dir);
      expect(ack.status).toBe('applied');
      steps.push({ seq: ack.seq, x: me.x + V[dir][0] * k, y: me.y + V[dir][1] * k });
    }
    browser = await launch();
  }, 90_000);

  afterAll(async () => {
    await Promise.all([walker?.close(), stander?.close()]);
    await browser?.close();
    await pool.end();
    await system.stop();
  });

  /** Where the log says the character stood at `seq`: its last entered/moved event at or below it. */
  async function logPosition(characterId: string, seq: number): Promise<{ x: number; y: number }> {
    const { rows } = await pool.query<{ x: number; y: number }>(
      `SELECT (payload->>'x')::int AS x, (payload->>'y')::int AS y FROM action_events
        WHERE world_id = $1 AND seq <= $2 AND payload->>'characterId' = $3 AND type IN ('character.entered', 'character.moved')
        ORDER BY seq DESC LIMIT 1`,
      [walker.worldId, seq, characterId],
    );
    return rows[0]!;
  }

  /** The RGB of the canvas's pixel at the centre of tile (x, y). */
  const pixelAt = (page: Page, x: number, y: number) =>
    page.evaluate(
      ([px, py]) => {
        const c = document.querySelector('[data-testid="travel-canvas"]') as HTMLCanvasElement;
        const dpr = c.width / Number(c.dataset.cssWidth);
        return Array.from(
          c
            .getContext('2d')!
            .getImageData(Math.round(px! * dpr), Math.round(py! * dpr), 1, 1)
            .data.slice(0, 3),
        );
      },
      [x * TILE + TILE / 2, y * TILE + TILE / 2],
    );
  const isCharacter = (rgb: number[]) => rgb.every((v, i) => Math.abs(v - OTHER[i]!) <= 8);

  /** Moves the slider to `seq` with the keyboard (it is a native range input) and waits for that seq to be drawn. */
  async function slideTo(page: Page, seq: number): Promise<void> {
    const slider = page.getByRole('slider', { name: /Seq/ });
    await slider.focus();
    // The run's earlier suites may have left thousands of events in this world: from the nearer end.
    if (Math.abs(Number(await slider.inputValue()) - seq) > Number(await slider.getAttribute('max')) - seq) await slider.press('End');
    const now = Number(await slider.inputValue());
    for (let i = 0; i < Math.abs(now - seq); i++) await slider.press(seq < now ? 'ArrowLeft' : 'ArrowRight');
    expect(await slider.inputValue()).toBe(String(seq));
    await page.locator(`[data-testid="travel-view"][data-state="ok"][data-seq="${seq}"]`).waitFor({ timeout: 20_000 });
  }

  it('drags the slider and keys it to a seq; the map, the list and the events show the world as the log has it there', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
    await page.goto(`${system.baseUrl}/#/ops`);
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('time-travel').waitFor({ timeout: 30_000 });
    await page.getByTestId('travel-world').selectOption(walker.worldId);
    // The world's head: the walker's last step, or later (characters of the run's earlier suites
    // leaving when their resume windows end write to the same world).
    const view = page.locator('[data-testid="travel-view"][data-state="ok"]');
    await view.waitFor({ timeout: 20_000 });
    const head = Number(await view.getAttribute('data-seq'));
    expect(head).toBeGreaterThanOrEqual(steps[2]!.seq);
    // The table writes numbers with thousands separators (16,493).
    const tableHead = (await page.getByTestId('worlds-table').locator(`tr[data-world="${walker.worldId}"] td`).first().textContent()) ?? '';
    expect(Number(tableHead.replace(/\D/g, ''))).toBeGreaterThanOrEqual(steps[2]!.seq);

    // A drag from the right end to the left end: only where it stops is asked for, and drawn.
    // In view first: with the ten worlds' table above it, the slider can sit below the window's edge.
    await page.getByRole('slider', { name: /Seq/ }).scrollIntoViewIfNeeded();
    const box = (await page.getByRole('slider', { name: /Seq/ }).boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 8 });
    await page.mouse.move(box.x + 1, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    // Where the drag stopped is drawn (with a long log a pixel spans many seqs: near the start, not at 1)...
    const slider = page.getByRole('slider', { name: /Seq/ });
    const dragged = Number(await slider.inputValue());
    expect(dragged).toBeLessThan(head / 2);
    await page.locator(`[data-testid="travel-view"][data-state="ok"][data-seq="${dragged}"]`).waitFor({ timeout: 20_000 });
    // ...and Home goes to the first seq.
    await slider.focus();
    await slider.press('Home');
    await page.locator('[data-testid="travel-view"][data-state="ok"][data-seq="1"]').waitFor({ timeout: 20_000 });
    // At seq 1 the walker (the second to join) is not in the world yet.
    expect(await page.locator(`[data-testid="travel-view"] li[data-character-id="${walker.characterId}"]`).count()).toBe(0);

    // The seq of the walker's first step: drawn where the log says it stood, and not where it went on to.
    const first = steps[0]!;
    await slideTo(page, first.seq);
    const pos = await logPosition(walker.characterId, first.seq);
    expect(pos).toEqual({ x: first.x, y: first.y });
    const entry = page.locator(`[data-testid="travel-characters"] li[data-character-id="${walker.characterId}"]`);
    expect({ x: Number(await entry.getAttribute('data-x')), y: Number(await entry.getAttribute('data-y')) }).toEqual(pos);
    expect(isCharacter(await pixelAt(page, pos.x, pos.y))).toBe(true);
    expect(isCharacter(await pixelAt(page, steps[2]!.x, steps[2]!.y))).toBe(false);
    expect(await page.locator('[data-testid="travel-events"] li[aria-current="true"]').getAttribute('data-seq')).toBe(String(first.seq));
    expect(await page.getByTestId('travel-seq-value').textContent()).toMatch(new RegExp(`^${first.seq} / \\d+$`));
    await page.getByTestId('time-travel').screenshot({ path: join(ARTIFACTS, 'ops-time-travel.png') });

    // One step further by key: the walker has moved one tile on.
    await slideTo(page, steps[1]!.seq);
    expect(await logPosition(walker.characterId, steps[1]!.seq)).toEqual({ x: steps[1]!.x, y: steps[1]!.y });
    expect(Number(await entry.getAttribute('data-x'))).toBe(steps[1]!.x);
    expect(Number(await entry.getAttribute('data-y'))).toBe(steps[1]!.y);
    expect(isCharacter(await pixelAt(page, steps[1]!.x, steps[1]!.y))).toBe(true);
    expect(isCharacter(await pixelAt(page, first.x, first.y))).toBe(false);
    await context.close();
  }, 120_000);
});
