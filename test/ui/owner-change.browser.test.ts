// A charge point given to another operator, seen in the dashboards of both (Debian's Chromium
// through playwright-core): the old operator's list drops its card, and its open page says it is
// no longer theirs, without a reload; the new operator's list gains it.
// store: sqlite-only. The pages are what it tests; the stream's owner change runs on both stores in
// test/api/stream-owner-change.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { artifactPath, browserUnavailable, launchBrowser, type Browser } from './browser.js';

const skip = browserUnavailable();

test("a charge point given to another operator leaves the old operator's dashboard and joins the new one's", { skip }, async () => {
  const t: TestTomada = await startTestTomada();
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  try {
    for (const op of ['OPC-UI-OLD', 'OPC-UI-NEW']) assert.equal((await t.api(`/api/v1/operators/${op}`, { method: 'PUT', body: { name: op, kind: 'OPC' } })).status, 201);
    for (const id of ['UI-MOVED', 'UI-MOVED-OPEN', 'UI-STAYS']) {
      assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { operator: 'OPC-UI-OLD' } })).status, 201);
    }
    const tokenOf = async (operator: string) => (await t.api('/api/v1/tokens', { body: { name: `${operator} screen`, role: 'readonly', operator } })).body.token as string;
    browser = await launchBrowser();
    const signedIn = async (token: string, address: string): Promise<Page> => {
      const page = await browser!.context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${t.httpUrl}/#token=${token}`);
      await page.goto(`${t.httpUrl}/${address}`);
      return page;
    };
    const card = (page: Page, id: string) => page.locator(`.cp-card[data-charge-point="${id}"]`);
    const oldToken = await tokenOf('OPC-UI-OLD');
    const oldList = await signedIn(oldToken, '#/charge-points');
    const oldPage = await signedIn(oldToken, '#/charge-points/UI-MOVED-OPEN');
    const newList = await signedIn(await tokenOf('OPC-UI-NEW'), '#/charge-points');
    await card(oldList, 'UI-MOVED').waitFor();
    await oldPage.getByRole('heading', { name: 'UI-MOVED-OPEN' }).waitFor();
    await newList.locator('#live.on').waitFor();
    assert.equal(await card(newList, 'UI-MOVED').count(), 0);

    for (const id of ['UI-MOVED', 'UI-MOVED-OPEN']) {
      assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { operator: 'OPC-UI-NEW' } })).status, 200);
    }
    await card(oldList, 'UI-MOVED').waitFor({ state: 'detached', timeout: 10_000 });
    await card(newList, 'UI-MOVED').waitFor({ timeout: 10_000 });
    await oldPage.getByText('This charge point is no longer yours to see').waitFor({ timeout: 10_000 });
    assert.equal(await card(oldList, 'UI-STAYS').count(), 1, 'the rest stays');
    await oldList.screenshot({ path: artifactPath('owner-change-old-list.png'), fullPage: true });
    assert.deepEqual(pageErrors, [], 'no script error on any page');
  } finally {
    await browser?.close();
    await t.close();
  }
});
