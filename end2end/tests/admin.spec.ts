import { test, expect } from '@playwright/test';
import { expectNoA11yViolations, expectNoHorizontalScroll, login, setPin } from './helpers';

// Issue 6, point 2: the admin keeps accounts, teams and the catalog and sees no case file; a new
// account can log in; a published rate reaches the Fachkraft's device with her next sync; a
// deactivated account's session ends.
test.use({ viewport: { width: 360, height: 640 } });

test('admin: accounts, teams, catalog rate; no case files; deactivation ends the session', async ({ page, browser }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await login(page, 'adele');
  await expect(page.getByTestId('no-case-access')).toBeVisible();
  await page.getByRole('link', { name: 'Verwaltung' }).first().click();
  await expect(page.getByRole('heading', { name: 'Verwaltung' })).toBeVisible();
  await expect(page.getByTestId('users')).toContainText('Anna Albers');

  // A new account in a new team.
  const suffix = Date.now().toString().slice(-6);
  const team = `Team Ost ${suffix}`;
  await page.getByLabel('Neues Team').fill(team);
  await page.getByRole('button', { name: 'Team anlegen' }).click();
  await expect(page.getByTestId('admin-message')).toContainText(`Team „${team}“ angelegt.`);
  const username = `dora${suffix}`;
  const form = page.getByTestId('new-user');
  // The page reloads its lists after a change and draws the form anew: wait for that (the new team
  // is offered) before typing, or the reload may clear what was typed.
  await expect(form.getByLabel('Team', { exact: true }).locator('option', { hasText: team })).toHaveCount(1);
  await form.getByLabel('Benutzername').fill(username);
  await form.getByLabel('Name', { exact: true }).fill('Dora Demir');
  await form.getByLabel('Rolle', { exact: true }).selectOption('fachkraft_asd');
  await form.getByLabel('Team', { exact: true }).selectOption({ label: team });
  await form.getByLabel('Erstes Passwort (mindestens 12 Zeichen)').fill('kurz');
  await form.getByRole('button', { name: 'Konto anlegen' }).click();
  await expect(page.getByTestId('admin-error')).toContainText('mindestens 12 Zeichen');
  await form.getByLabel('Erstes Passwort (mindestens 12 Zeichen)').fill('dora-passwort-2026');
  await form.getByRole('button', { name: 'Konto anlegen' }).click();
  await expect(page.getByTestId('admin-message')).toContainText(`Konto „${username}“ angelegt.`);
  const dora = page.locator(`[data-testid="user"][data-username="${username}"]`);
  await expect(dora).toContainText(`Dora Demir (${username}) · Fachkraft (Jugendamt/ASD) · ${team}`);

  // A new rate for the Erziehungsbeistand (§ 30), in force from today. (No other spec composes with
  // it: the e2e server is shared, and the catalog is the whole team's.)
  await page.getByLabel('Modul', { exact: true }).selectOption({ label: 'Erziehungsbeistand / Betreuungshelfer' });
  await page.getByLabel('Betrag (€) je Einheit der Abrechnungsart des Moduls').fill('75,00');
  await page.getByLabel('Gültig ab').fill(new Date().toISOString().slice(0, 10));
  await page.getByLabel('Quelle').fill('Entgeltvereinbarung 2027');
  await page.getByRole('button', { name: 'Satz veröffentlichen' }).click();
  await expect(page.getByTestId('admin-message')).toContainText('Neuer Satz für „Erziehungsbeistand / Betreuungshelfer“ veröffentlicht.');
  await expect(page.getByTestId('catalog-version')).toContainText('Version');
  await expect(page.getByTestId('catalog-version')).not.toContainText('mitgeliefert');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('verwaltung-360x640.png') });
  await page.screenshot({ path: test.info().outputPath('verwaltung-ganz.png'), fullPage: true });

  // The admin's device never syncs case data: the server refuses it.
  const pull = await page.evaluate(async () => (await fetch('/api/v1/sync/pull?since=0&limit=10')).status);
  expect(pull).toBe(403);

  // Dora logs in, gets the new rate with her sync, and composes with it.
  const ctxD = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const d = await ctxD.newPage();
  await d.goto('/anmelden');
  await d.getByLabel('Benutzername').fill(username);
  await d.getByLabel('Passwort').fill('dora-passwort-2026');
  await d.getByRole('button', { name: 'Anmelden' }).click();
  await setPin(d);
  await expect(d.getByRole('heading', { name: 'Fälle' })).toBeVisible();
  await d.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(d.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  await d.getByRole('link', { name: 'Neuer Fall' }).click();
  await d.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(`OST-${suffix}`);
  await d.getByLabel('Beginn').fill('2027-01-04');
  await d.getByRole('button', { name: 'Fall anlegen' }).click();
  await d.getByRole('link', { name: 'Hilfesetting zusammenstellen' }).click();
  await d.getByLabel('Suche (Name oder Paragraf)').fill('Erziehungsbeistand');
  await d.getByRole('button', { name: 'Erziehungsbeistand / Betreuungshelfer hinzufügen' }).click();
  await d.getByTestId('instance').getByLabel('Stunden je Woche').fill('4');
  await expect(d.getByTestId('instance').getByTestId('formula')).toContainText('× 75,00\u00a0€/Std.');

  // Deactivated: her session ends at once.
  await dora.getByRole('button', { name: 'Deaktivieren' }).click();
  await expect(page.getByTestId('admin-message')).toContainText(`Konto „${username}“ deaktiviert.`);
  const me = await d.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
  expect(me).toBe(401);
  await ctxD.close();
  expect(problems).toEqual([]);
});
