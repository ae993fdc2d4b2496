import { test, expect, Page, BrowserContext, Browser } from '@playwright/test';
import { login, unlock } from './helpers';

// Two devices of one team change the same note offline. The later push wins on the server, but the
// earlier text is not lost: it arrives as a conflict, the user sees it and decides.

const problems: string[] = [];

async function device(browser: Browser, username: string, phone = false): Promise<[BrowserContext, Page]> {
  const ctx = await browser.newContext(phone ? { viewport: { width: 360, height: 640 } } : {});
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`${username}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`${username}: console: ${m.text()}`);
    }
  });
  await login(page, username);
  return [ctx, page];
}

async function syncNow(page: Page) {
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  await expect(page.locator('.online')).toHaveText('Online');
}

test('a note changed on two devices offline becomes a conflict the user resolves', async ({ browser }) => {
  const [ctxA, anna] = await device(browser, 'anna');
  const label = `KONFLIKT-${Date.now()}`;
  await anna.getByRole('link', { name: 'Neuer Fall' }).click();
  await anna.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await anna.getByLabel('Beginn').fill('2026-11-02');
  await anna.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(anna.getByRole('heading', { name: label })).toBeVisible();
  await syncNow(anna);

  // Ben works on a phone-sized screen.
  const [ctxB, ben] = await device(browser, 'ben', true);
  await ben.getByRole('link', { name: label }).click();
  await expect(ben.getByRole('heading', { name: label })).toBeVisible();
  // Anna pulls once more, so she has the server's version of her case as well.
  await syncNow(anna);

  // Both lose the network and write the note differently.
  await ctxA.setOffline(true);
  await ctxB.setOffline(true);
  await anna.getByLabel('Notiz').fill('Mutter berichtet von neuer Arbeitsstelle.');
  await ben.getByLabel('Notiz').fill('Schule meldet häufige Fehlzeiten.');
  await expect(anna.getByTestId('unsent')).toHaveAttribute('data-count', '1');
  await expect(ben.getByTestId('unsent')).toHaveAttribute('data-count', '1');

  // Anna comes back first, then Ben: his push is the later one and wins on the server.
  await ctxA.setOffline(false);
  await syncNow(anna);
  await ctxB.setOffline(false);
  await syncNow(ben);
  await expect(ben.getByTestId('conflicts')).toHaveAttribute('data-count', '1');
  await expect(ben.getByRole('note')).toContainText('gleichzeitige Änderungen');

  // Ben opens the inbox: both texts, who wrote them, and the choices.
  await ben.getByTestId('conflicts').click();
  await expect(ben.getByRole('heading', { name: 'Konflikte' })).toBeVisible();
  const item = ben.getByTestId('conflict');
  await expect(item).toHaveCount(1);
  await expect(item.getByRole('heading', { level: 2 })).toHaveText(`Notiz in „${label}“`);
  await expect(item).toContainText('Schule meldet häufige Fehlzeiten.');
  await expect(item).toContainText('Mutter berichtet von neuer Arbeitsstelle.');
  await expect(item).toContainText('Anna Albers');
  await expect(item.getByRole('button', { name: 'Meine Version behalten' })).toBeVisible();
  await expect(item.getByRole('button', { name: 'Version von Anna Albers behalten' })).toBeVisible();
  // No horizontal scrolling at 360 px; the picture is for people to look at.
  expect(await ben.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await ben.screenshot({ path: test.info().outputPath('konflikte-360x640.png'), fullPage: true });
  await item.getByRole('button', { name: 'Beide behalten' }).click();
  await expect(ben.getByTestId('no-conflicts')).toBeVisible();
  await syncNow(ben);
  await expect(ben.getByTestId('conflicts')).toHaveCount(0);

  // Anna's device gets both texts and no open conflict.
  await syncNow(anna);
  await anna.goto('/');
  await unlock(anna);
  await anna.getByRole('link', { name: label }).click();
  const note = anna.getByLabel('Notiz');
  await expect(note).toHaveValue(/Schule meldet häufige Fehlzeiten\./);
  await expect(note).toHaveValue(/Mutter berichtet von neuer Arbeitsstelle\./);
  await expect(anna.getByTestId('conflicts')).toHaveCount(0);

  // The resolution survives a reload on Ben's device, offline from the service worker.
  await ctxB.setOffline(true);
  await ben.goto('/konflikte');
  await unlock(ben);
  await expect(ben.getByTestId('no-conflicts')).toBeVisible();

  await ctxA.close();
  await ctxB.close();
  expect(problems).toEqual([]);
});

test('a case deleted on one device while edited on another is shown, and can be restored', async ({ browser }) => {
  const [ctxA, anna] = await device(browser, 'anna');
  const label = `LOESCHEN-${Date.now()}`;
  await anna.getByRole('link', { name: 'Neuer Fall' }).click();
  await anna.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await anna.getByLabel('Beginn').fill('2026-11-04');
  await anna.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(anna.getByRole('heading', { name: label })).toBeVisible();
  await syncNow(anna);
  const [ctxB, ben] = await device(browser, 'ben');
  await ben.getByRole('link', { name: label }).click();
  await syncNow(anna);

  // Offline, Ben writes a note while Anna deletes the case.
  await ctxA.setOffline(true);
  await ctxB.setOffline(true);
  await ben.getByLabel('Notiz').fill('Wichtiger Hinweis der Schule.');
  anna.once('dialog', (d) => d.accept());
  await anna.getByRole('button', { name: 'Fall löschen' }).click();
  await expect(anna.getByRole('heading', { name: 'Fälle' })).toBeVisible();
  await expect(anna.getByRole('link', { name: label })).toHaveCount(0);

  // Ben's note reaches the server first; Anna's deletion comes later and wins, but is shown.
  await ctxB.setOffline(false);
  await syncNow(ben);
  await ctxA.setOffline(false);
  await syncNow(anna);
  await expect(anna.getByTestId('conflicts')).toHaveAttribute('data-count', '1');
  await anna.getByTestId('conflicts').click();
  const item = anna.getByTestId('conflict');
  await expect(item.getByRole('heading', { level: 2 })).toHaveText(`„${label}“ gelöscht, während er bearbeitet wurde`);
  await expect(item).toContainText('Ben Becker');
  await item.getByRole('button', { name: 'Fall wiederherstellen' }).click();
  await expect(anna.getByTestId('no-conflicts')).toBeVisible();
  await syncNow(anna);

  // The case is back on both devices, with Ben's note.
  await anna.goto('/');
  await unlock(anna);
  await anna.getByRole('link', { name: label }).click();
  await expect(anna.getByLabel('Notiz')).toHaveValue('Wichtiger Hinweis der Schule.');
  await syncNow(ben);
  await ben.goto('/');
  await unlock(ben);
  await ben.getByRole('link', { name: label }).click();
  await expect(ben.getByLabel('Notiz')).toHaveValue('Wichtiger Hinweis der Schule.');
  await expect(ben.getByTestId('conflicts')).toHaveCount(0);

  await ctxA.close();
  await ctxB.close();
  expect(problems).toEqual([]);
});
