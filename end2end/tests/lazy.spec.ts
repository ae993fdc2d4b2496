import { test, expect } from '@playwright/test';
import { setPin, unlock } from './helpers';

// The pages after the case list are wasm chunks of their own (app/src/lazy.rs), loaded when opened. The
// service worker precaches them (the offline specs open them offline); here, without a worker, the
// chunk of the team view cannot be fetched once: the app shows a German notice instead of stopping,
// keeps working, and the page opens after a reload.
test.use({ viewport: { width: 360, height: 640 }, serviceWorkers: 'block' });

test('a page whose code cannot be loaded shows a notice, the app keeps working, a reload loads it', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  const chunkRequests: string[] = [];
  page.on('request', (r) => {
    if (/\/pkg\/split_[a-z]+\..*\.wasm$/.test(r.url())) chunkRequests.push(new URL(r.url()).pathname);
  });

  await page.goto('/anmelden');
  await page.getByLabel('Benutzername').fill('tanja');
  await page.getByLabel('Passwort').fill('passgenau-demo');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await setPin(page);
  await expect(page.getByRole('heading', { name: 'Fälle' })).toBeVisible();
  // The sync round's chunk (not a page) may load with the first round.
  const pageChunks = () => chunkRequests.filter((p) => !p.startsWith('/pkg/split_sync.'));
  expect(pageChunks(), 'the login and the case list need no page chunk').toEqual([]);

  await page.route('**/pkg/split_team.*.wasm', (route) => route.abort('internetdisconnected'));
  await page.getByRole('link', { name: 'Team', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Seite nicht verfügbar' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('Bitte laden Sie die Seite neu');

  // The rest of the app still runs.
  await page.getByRole('link', { name: 'Zur Fallübersicht' }).click();
  await expect(page.getByRole('heading', { name: 'Fälle' })).toBeVisible();

  await page.unroute('**/pkg/split_team.*.wasm');
  await page.getByRole('link', { name: 'Team', exact: true }).click();
  await page.getByRole('button', { name: 'Seite neu laden' }).click();
  await unlock(page);
  await expect(page.getByRole('heading', { name: 'Team', exact: true })).toBeVisible();
  expect(chunkRequests.some((p) => p.startsWith('/pkg/split_team.'))).toBe(true);
  expect(problems).toEqual([]);
});
