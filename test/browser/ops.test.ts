import type { Browser } from 'playwright-core';
import { joinPlayer, type TestClient } from '../support/client';
import { freePort, TestSystem } from '../support/system';
import { ops, register, uniqueName } from '../e2e/identity-helpers';
import { CLIENT_DIST, describeWithBrowser, launch, screenshot } from './browser';

/** The operator page (`#/ops`) in a real browser: an admin sees live tiles and charts, a player is told no. */
describeWithBrowser('the operator page', () => {
  const system = new TestSystem({ OPS_SCRAPE_INTERVAL_MS: '500' });
  let browser: Browser;
  let player: TestClient;
  let walking = true;
  let walk: Promise<void> = Promise.resolve();
  const admin = { username: uniqueName('opsweb'), password: 'operator password' };

  beforeAll(async () => {
    const [seq, proj] = [await freePort(), await freePort()];
    system.apps.sequencer.env.METRICS_PORT = String(seq);
    system.apps.projector.env.METRICS_PORT = String(proj);
    system.apps.gateway.env.OPS_SCRAPE_TARGETS = `gateway=self,sequencer=http://127.0.0.1:${seq}/metrics,projector=http://127.0.0.1:${proj}/metrics`;
    system.apps.gateway.env.CLIENT_DIST = CLIENT_DIST;
    await system.start();
    expect((await register(system.baseUrl, admin.username, admin.password)).status).toBe(201);
    expect(await ops('grant-role', admin.username, 'admin')).toMatchObject({ code: 0 });
    // Someone playing, so that the figures move.
    player = await joinPlayer(system);
    walk = (async () => {
      for (let i = 0; walking; i++) await player.move(i % 2 ? 'east' : 'west').catch(() => undefined);
    })();
    browser = await launch();
  }, 90_000);

  afterAll(async () => {
    walking = false;
    await walk;
    await player?.close();
    await browser?.close();
    await system.stop();
  });

  it('signs an admin in at /#/ops and shows the tiles, a live chart, the lag table and the dependencies', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
    await page.goto(`${system.baseUrl}/#/ops`);
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid="ops-page"][data-state="ok"]').waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { level: 1, name: /Operator/ }).waitFor();
    // Figures arrive: one session at least, intents flowing, and a chart with a drawn line.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="tile-sessions-value"]')?.textContent) >= 1, undefined, { timeout: 30_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="tile-intents-value"]')?.textContent?.replace(/,/g, '')) > 0, undefined, { timeout: 30_000 });
    await page.locator('[data-testid="tile-intents"] svg[role="img"] path[d*="L"]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="tile-intents"] svg[role="img"]').getAttribute('aria-label')).toMatch(/^Intents per second over the last \d+ s: now [\d.,]+\/s/);
    expect(await page.getByTestId('tile-ack-value').textContent()).toMatch(/ms$/);
    await page.getByTestId('lag-table').getByRole('rowheader').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('dependencies').getByRole('rowheader').allTextContents()).toEqual(['nats', 'postgres', 'redis']);
    expect(await page.getByTestId('targets-down').count()).toBe(0);
    await screenshot(page, 'ops-page');
    await context.close();
  }, 120_000);

  it('tells a player without the admin role that the page is for operators', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${system.baseUrl}/#/ops`);
    await page.getByTestId('guest').click();
    await page.getByTestId('ops-forbidden').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('ops-forbidden').textContent()).toMatch(/does not have the admin role/);
    // The same sign-in still reaches the game.
    await page.getByRole('link', { name: 'Back to the game' }).click();
    await page.getByTestId('status').waitFor({ timeout: 30_000 });
    await context.close();
  }, 60_000);
});
