import { test, expect, Page } from '@playwright/test';
import { createCase, login, unlock } from './helpers';

// Issue 5, point 8, in a real browser: localStorage is full. She gets a clear German message, nothing
// she typed is lost (not by locking either), the unsent changes can be downloaded, and once space is
// free again everything is written without her doing anything.
test.use({ viewport: { width: 360, height: 640 } });

// Fills the origin's localStorage to the last byte with entries that are not Passgenau's.
async function fillStorage(page: Page) {
  return page.evaluate(() => {
    let n = 0;
    for (let size = 1 << 20; size >= 1; size = Math.floor(size / 2)) {
      const chunk = 'x'.repeat(size);
      for (;;) {
        try {
          localStorage.setItem(`fremd-${n++}`, chunk);
        } catch {
          break;
        }
      }
    }
    return n;
  });
}

async function freeStorage(page: Page) {
  await page.evaluate(() => {
    for (const k of Object.keys(localStorage)) if (k.startsWith('fremd-')) localStorage.removeItem(k);
  });
}

test('a full storage: German message, nothing lost through lock and unlock, download, written once space frees', async ({ page, context }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await login(page);
  const label = `VOLL-${Date.now()}`;
  await createCase(page, label);
  await context.setOffline(true);

  await fillStorage(page);
  const note = page.getByLabel('Notiz');
  await note.fill('Notiz bei vollem Speicher');
  const alert = page.getByRole('alert').filter({ hasText: 'Der Speicher dieses Geräts ist voll' });
  await expect(alert).toBeVisible();
  await expect(note).toHaveValue('Notiz bei vollem Speicher');
  const raw = await page.evaluate(() => Object.values(localStorage).join(''));
  expect(raw).not.toContain('Notiz bei vollem Speicher');

  // Locking drops key and plaintext; what the storage refused is kept encrypted in memory.
  await page.getByRole('button', { name: 'Sperren' }).click();
  await expect(page.getByRole('heading', { name: 'Passgenau ist gesperrt' })).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'Bitte diese Seite nicht schließen' })).toBeVisible();
  await unlock(page);
  await expect(note).toHaveValue('Notiz bei vollem Speicher');

  // The way out the message names: the unsent changes as an encrypted file.
  await alert.getByRole('link', { name: 'die nicht übertragenen Änderungen herunterladen' }).click();
  await expect(page.getByRole('heading', { name: 'Nicht übertragene Änderungen' })).toBeVisible();
  await page.getByLabel('Passwort für die Datei (mindestens 8 Zeichen)').fill('datei-passwort-1');
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Verschlüsselt herunterladen' }).click();
  const file = await (await downloading).path();
  expect(file).toBeTruthy();

  // Space frees (another site's data gone): the kept values are written within seconds.
  await freeStorage(page);
  await expect(alert).toHaveCount(0, { timeout: 15_000 });
  await page.goto('/');
  await unlock(page);
  await page.getByRole('link', { name: label }).click();
  await expect(page.getByLabel('Notiz')).toHaveValue('Notiz bei vollem Speicher');

  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  expect(problems).toEqual([]);
});
