// The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
// Tomada with a simulated charge point on a real socket: sign in, watch the charge point come
// online, start and stop a session from the page and read its energy, run a validation and open
// its report. Screenshots of each step are kept in test-artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { SimulatedChargePoint } from '../../src/sim/charge-point.js';
import { ADMIN_TOKEN, startTestTomada, type TestTomada } from '../support/tomada.js';
import { artifactPath, browserUnavailable, launchBrowser, type Browser } from './browser.js';

const skip = browserUnavailable();
const CP = 'UI-CP-1';
const TAG = 'UI-TAG-1';

async function shot(page: Page, name: string) {
  await page.screenshot({ path: artifactPath(`dashboard-${name}.png`), fullPage: true });
}

test('the operator dashboard in Chromium', { skip }, async (s) => {
  const t: TestTomada = await startTestTomada();
  const cp = new SimulatedChargePoint({
    id: CP,
    baseUrl: t.wsUrl,
    connectors: 2,
    vendor: 'UI Vendor',
    model: 'UI Model',
    idTags: [TAG],
    minIntervalMs: 50,
    meter: { powerW: 36_000, sampleIntervalMs: 200 },
  });
  let browser: Browser | undefined;
  try {
    await t.api(`/api/v1/charge-points/${CP}`, { method: 'PUT', body: { registrationStatus: 'Accepted', declaredOcppVersion: '1.6' } });
    await t.api(`/api/v1/id-tags/${TAG}`, { method: 'PUT', body: { status: 'Accepted' } });
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await s.test('sign in: a wrong token is refused, the right one opens the charge point list', async () => {
      await page.goto(`${t.httpUrl}/`);
      await page.fill('#token', 'not-the-right-token-000000');
      await page.click('form.sign-in button');
      await page.getByText('This token is not known to Tomada').waitFor();
      assert.equal(await page.locator('#nav').isHidden(), true);
      await page.fill('#token', ADMIN_TOKEN);
      await page.click('form.sign-in button');
      await page.locator(`.cp-card[data-charge-point="${CP}"]`).waitFor();
      assert.equal(await page.locator(`.cp-card[data-charge-point="${CP}"]`).getAttribute('data-presence'), 'offline');
      assert.equal(await page.evaluate("sessionStorage.getItem('tomada.token')"), ADMIN_TOKEN);
      await shot(page, '1-signed-in');
    });

    await s.test('a simulated charge point comes online without reloading the page', async () => {
      cp.start();
      await cp.ready();
      const card = page.locator(`.cp-card[data-charge-point="${CP}"][data-presence="online"]`);
      await card.waitFor({ timeout: 10_000 });
      await page.locator(`.cp-card[data-charge-point="${CP}"] li[data-connector="1"][data-status="Available"]`).waitFor({ timeout: 10_000 });
      assert.match(await card.innerText(), /UI Vendor · UI Model · OCPP 1\.6 JSON/);
      await page.locator('#live.on').waitFor();
      await shot(page, '2-online');
    });

    let sessionId = '';
    await s.test('start and stop a session from the charge point page, then read its energy', async () => {
      await page.click(`.cp-card[data-charge-point="${CP}"]`);
      await page.getByRole('heading', { name: CP }).waitFor();
      const start = page.locator('form.command', { has: page.locator('output[data-command="remote-start"]') });
      await start.locator('input[name="idTag"]').fill(TAG);
      await start.locator('select[name="connectorId"]').selectOption('1');
      await start.locator('button').click();
      await start.locator('output.result.ok', { hasText: 'Accepted' }).waitFor();
      // The session shows up on its connector through the live stream.
      const link = page.locator('a', { hasText: `· ${TAG}` }).first();
      await link.waitFor({ timeout: 10_000 });
      sessionId = /session (\d+)/.exec(await link.innerText())?.[1] ?? '';
      assert.ok(sessionId, 'session id on the connector');
      await page.waitForTimeout(1200); // let the meter run
      const stop = page.locator('form.command', { has: page.locator('output[data-command="remote-stop"]') });
      await stop.locator('select[name="transactionId"]').selectOption(sessionId);
      await stop.locator('button').click();
      await stop.locator('output.result.ok', { hasText: 'Accepted' }).waitFor();
      await shot(page, '3-commands');
      await page.locator('a', { hasText: `· ${TAG}` }).waitFor({ state: 'detached', timeout: 10_000 });

      await page.goto(`${t.httpUrl}/#/sessions/${sessionId}`);
      await page.locator('.badge', { hasText: 'ended' }).waitFor({ timeout: 10_000 });
      const stored = (await t.api(`/api/v1/transactions/${sessionId}`)).body;
      assert.ok(stored.energyWh > 0, JSON.stringify(stored));
      const shown = await page.locator('#session-energy').innerText();
      assert.equal(Number(shown.replace(/[^\d]/g, '')), stored.energyWh, `shown "${shown}" is ${stored.energyWh} Wh`);
      assert.ok((await page.locator('#energy-chart svg circle').count()) >= 3, 'the chart has points');
      await shot(page, '4-session');
    });

    await s.test('the sessions list filters by charge point and state', async () => {
      await page.goto(`${t.httpUrl}/#/sessions?chargePointId=${CP}&active=false`);
      await page.locator('#sessions table').waitFor();
      assert.equal(await page.locator('#sessions tbody tr').count(), 1);
      await page.goto(`${t.httpUrl}/#/sessions?chargePointId=NOBODY`);
      await page.getByText('No session matches.').waitFor();
    });

    await s.test('at phone width the list is one column and nothing overflows sideways', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${t.httpUrl}/#/charge-points/${CP}`);
      await page.getByRole('heading', { name: CP }).waitFor();
      // A string: this project's TypeScript knows no DOM (the page's own code is checked by ui/tsconfig.json).
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
      await shot(page, '5-phone');
      await page.setViewportSize({ width: 1280, height: 860 });
    });

    const validations = await t.api('/api/v1/validations');
    const noValidationApi = validations.status === 404 ? 'the validation API (GET/POST /api/v1/validations) is not on this branch yet' : undefined;
    await s.test('run a validation and open its report', { skip: noValidationApi }, async () => {
      await page.goto(`${t.httpUrl}/#/validations?chargePointId=${CP}`);
      await page.fill('input[name="idTag"]', TAG);
      await page.click('button:has-text("Start validation")');
      await page.waitForURL(/#\/validations\/[^?]+$/);
      // Manual steps cannot be done by a test: each is declared not doable, so the campaign ends.
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const cannot = page.locator('.prompt button.secondary').first();
        if (await cannot.isVisible().catch(() => false)) await cannot.click().catch(() => undefined);
        if (await page.locator('#report-download').isVisible().catch(() => false)) break;
        await page.waitForTimeout(300);
      }
      const verdict = await page.locator('#verdict').innerText();
      assert.match(verdict, /pass|fail|incomplete/);
      assert.ok((await page.locator('li.case').count()) > 0);
      await shot(page, '6-validation');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-download')]);
      const file = artifactPath('validation-report.html');
      await download.saveAs(file);
      assert.match(readFileSync(file, 'utf8'), new RegExp(CP));
    });

    assert.deepEqual(pageErrors, [], 'no script error on any page');
  } finally {
    await browser?.close();
    await cp.stop();
    await t.close();
  }
});
