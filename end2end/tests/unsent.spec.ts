import fs from 'node:fs';
import { test, expect } from '@playwright/test';
import { login, setPin, unlock } from './helpers';

// The device shows what it has not yet handed to the server, lets the user keep a copy as a file,
// and shows what the server refused, with the reason in German.

test('unsent changes are listed and downloadable; rejections are shown with their reason', async ({ browser }) => {
  const problems: string[] = [];
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  await page.goto('/anmelden');
  await page.getByLabel('Benutzername').fill('ben');
  await page.getByLabel('Passwort').fill('passgenau-demo');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await setPin(page);
  await expect(page.getByRole('heading', { name: 'Fälle' })).toBeVisible();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  const label = `UNSENT-${Date.now()}`;
  await page.getByRole('link', { name: 'Neuer Fall' }).click();
  await page.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await page.getByLabel('Beginn').fill('2026-11-03');
  await page.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(page.getByRole('heading', { name: label })).toBeVisible();
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');

  await ctx.setOffline(true);
  await page.getByLabel('Notiz').fill('Termin beim Kinderarzt vereinbart.');
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '1');
  await page.getByTestId('unsent').click();
  await expect(page.getByRole('heading', { name: 'Nicht übertragene Änderungen' })).toBeVisible();
  await expect(page.getByTestId('unsent-list')).toContainText(`${label} – geändert: Notiz`);
  // Logging out would wipe the device: refused while changes are unsent, with the two ways out.
  await page.getByRole('button', { name: 'Abmelden' }).click();
  await expect(page.getByRole('alert').filter({ hasText: '1 nicht übertragene Änderungen' })).toContainText(
    'als verschlüsselte Datei sichern',
  );

  // The file is encrypted with a passphrase of its own: nothing of the case is readable in it.
  await page.getByRole('button', { name: 'Verschlüsselt herunterladen' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'mindestens 8 Zeichen' })).toBeVisible();
  await page.getByLabel('Passwort für die Datei (mindestens 8 Zeichen)').fill('Datei-Passwort 1');
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Verschlüsselt herunterladen' }).click();
  const saved = await (await downloading).path();
  const text = fs.readFileSync(saved!, 'utf8');
  expect(JSON.parse(text).format).toBe('passgenau-unsent-changes-encrypted');
  expect(text).not.toContain('Kinderarzt');
  expect(text).not.toContain(label);

  // A new device of the same user takes the file back: a wrong passphrase is refused, the right one
  // queues the change again.
  const other = await browser.newContext();
  const page2 = await other.newPage();
  await login(page2);
  await expect(page2.getByRole('link', { name: label })).toBeVisible();
  await page2.getByTestId('unsent').click();
  await page2.getByLabel('Verschlüsselte Datei mit nicht übertragenen Änderungen').setInputFiles(saved!);
  await page2.getByLabel('Passwort der Datei').fill('falsches Passwort');
  await page2.getByRole('button', { name: 'Wiederherstellen' }).click();
  await expect(page2.getByTestId('import-result')).toContainText('Das Passwort passt nicht');
  await page2.getByLabel('Passwort der Datei').fill('Datei-Passwort 1');
  await page2.getByRole('button', { name: 'Wiederherstellen' }).click();
  await expect(page2.getByTestId('import-result')).toContainText('1 Änderungen übernommen');
  await expect(page2.getByTestId('unsent-list')).toContainText('geändert: Notiz');
  await other.close();

  // A change the server refused (as stored by a sync) is shown with its German reason until dismissed.
  await page.evaluate(() =>
    localStorage.setItem(
      'pg1:rej:000000009999',
      JSON.stringify({
        schema: 1,
        rejection: { mutation_id: 9999, reason: 'invalid record', reason_de: 'Das Beginndatum ist ungültig.' },
        mutation: null,
      }),
    ),
  );
  await page.reload();
  await unlock(page);
  await expect(page.getByTestId('rejected')).toHaveAttribute('data-count', '1');
  await expect(page.getByTestId('rejected-list')).toContainText('Das Beginndatum ist ungültig.');
  await page.getByRole('button', { name: 'Zur Kenntnis genommen' }).click();
  await expect(page.getByTestId('rejected')).toHaveCount(0);

  await ctx.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('nothing-unsent')).toBeVisible();
  await ctx.close();
  expect(problems).toEqual([]);
});
