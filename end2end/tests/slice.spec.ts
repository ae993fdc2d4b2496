import { test, expect, Page, BrowserContext } from '@playwright/test';
import { login, unlock } from './helpers';

// The thin vertical slice through every layer: login, a case in local storage, offline from the
// service worker, sync, and a second device of the same team.

async function serverReachable(page: Page): Promise<boolean> {
  return page.evaluate(() => fetch('/healthz', { cache: 'no-store' }).then((r) => r.ok, () => false));
}

// Uncaught page errors and console errors (hydration problems appear there) fail the test.
// Failed network loads are expected while the device is offline and are not errors of the app.
const problems: string[] = [];

async function newDevice(browser: import('@playwright/test').Browser): Promise<[BrowserContext, Page]> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  return [ctx, page];
}

test('a case made and edited offline reaches another device of the team', async ({ browser }) => {
  const [deviceA, page] = await newDevice(browser);
  await login(page, 'anna');
  // The demo cases of the team arrive with the first sync.
  await expect(page.getByRole('link', { name: 'JA-2026-0142' })).toBeVisible();

  const label = `E2E-${Date.now()}`;
  await page.getByRole('link', { name: 'Neuer Fall' }).click();
  await page.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await page.getByLabel('Beginn').fill('2026-11-02');
  await page.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(page.getByRole('heading', { name: label })).toBeVisible();

  // It lives in local storage, one key per record, encrypted (the label appears nowhere), and
  // survives a reload.
  const caseId = new URL(page.url()).searchParams.get('id');
  const stored = await page.evaluate((id) => localStorage.getItem(`pg1:rec:case:${id}`), caseId);
  expect(stored).toMatch(/^e1:/);
  expect(await page.evaluate((l) => Object.values(localStorage).some((v) => v.includes(l)), label)).toBe(false);
  await page.reload();
  await unlock(page);
  await expect(page.getByRole('heading', { name: label })).toBeVisible();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  // The network is cut: the page reloads from the service worker, the case opens and is edited.
  await deviceA.setOffline(true);
  expect(await serverReachable(page)).toBe(false);
  await page.reload();
  await unlock(page);
  await expect(page.getByRole('heading', { name: label })).toBeVisible();
  await page.getByLabel('Notiz').fill('Beim Hausbesuch offline notiert.');
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '1');
  await page.goto('/');
  await unlock(page);
  await page.getByRole('link', { name: label }).click();
  await expect(page.getByLabel('Notiz')).toHaveValue('Beim Hausbesuch offline notiert.');
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.locator('.online')).toHaveText('Offline');
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '1');

  // The network returns: the change syncs.
  await deviceA.setOffline(false);
  expect(await serverReachable(page)).toBe(true);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  await expect(page.locator('.online')).toHaveText('Online');

  // Another member of the team on another device sees the edited case.
  const [deviceB, pageB] = await newDevice(browser);
  await login(pageB, 'ben');
  await pageB.getByRole('link', { name: label }).click();
  await expect(pageB.getByLabel('Notiz')).toHaveValue('Beim Hausbesuch offline notiert.');

  // A member of another team does not.
  const [deviceC, pageC] = await newDevice(browser);
  await login(pageC, 'clara');
  await expect(pageC.locator('.last-sync')).toContainText('Zuletzt synchronisiert');
  await expect(pageC.getByText('Noch keine Fälle auf diesem Gerät.')).toBeVisible();
  await expect(pageC.getByRole('link', { name: label })).toHaveCount(0);

  await deviceA.close();
  await deviceB.close();
  await deviceC.close();
  expect(problems).toEqual([]);
});

test('a wrong password gets a German message', async ({ page }) => {
  await page.goto('/anmelden');
  await page.getByLabel('Benutzername').fill('anna');
  await page.getByLabel('Passwort').fill('falsch');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await expect(page.getByRole('alert')).toHaveText('Benutzername oder Passwort ist falsch.');
});
