// `npm run screenshot`: the README's pictures of the dashboard, taken from a real demo (Tomada on
// a temporary database, simulated charge points charging) by Debian's Chromium, so they show the
// dashboard as it is, never as someone drew it. Writes docs/img/dashboard.png (laptop width),
// docs/img/dashboard-phone.png and docs/img/session.png.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { startDemo } from '../src/demo.js';
import { browserUnavailable, launchBrowser } from '../test/ui/browser.js';

const out = join(process.cwd(), 'docs', 'img');
const unavailable = browserUnavailable();
if (unavailable) {
  process.stderr.write(`${unavailable}\n`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'tomada-screenshot-'));
const demo = await startDemo({
  config: { ...loadConfig({}), host: '127.0.0.1', ocppPort: 0, httpPort: 0, databaseUrl: `sqlite:${join(dir, 'demo.db')}`, adminToken: undefined },
  sessionSeconds: 40,
  pauseSeconds: 3,
  sampleIntervalMs: 2000,
  logLevel: 'silent',
});
const browser = await launchBrowser();
try {
  const page = await browser.context.newPage();
  await page.goto(`${demo.httpUrl}/#token=${encodeURIComponent(demo.adminToken)}`);
  await page.locator('.cp-card[data-presence="online"]').nth(3).waitFor({ timeout: 20_000 });
  // Let sessions run a while, so there are meter values and a curve to draw.
  await page.waitForTimeout(14_000);
  await page.screenshot({ path: join(out, 'dashboard.png') });
  process.stdout.write(`wrote ${join(out, 'dashboard.png')}\n`);

  const { items } = (await (
    await fetch(`${demo.httpUrl}/api/v1/transactions?active=true`, { headers: { authorization: `Bearer ${demo.adminToken}` } })
  ).json()) as { items: { id: number }[] };
  const session = items[items.length - 1];
  if (session) {
    await page.goto(`${demo.httpUrl}/#/sessions/${session.id}`);
    await page.locator('#energy-chart svg .chart-line').waitFor();
    await page.screenshot({ path: join(out, 'session.png') });
    process.stdout.write(`wrote ${join(out, 'session.png')}\n`);
  }

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${demo.httpUrl}/#/charge-points`);
  await page.locator('.cp-card').nth(3).waitFor();
  await page.screenshot({ path: join(out, 'dashboard-phone.png') });
  process.stdout.write(`wrote ${join(out, 'dashboard-phone.png')}\n`);
} finally {
  await browser.close();
  await demo.stop();
  rmSync(dir, { recursive: true, force: true });
}
