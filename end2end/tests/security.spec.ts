import { test, expect } from '@playwright/test';
import { createCase, expectNoA11yViolations, login, PIN, unlock } from './helpers';

// Device encryption (issue 6): nothing readable in local storage, a lock screen on every start,
// auto-lock after the idle time, limited PIN attempts.
test.use({ viewport: { width: 360, height: 640 } });

const rawStore = () =>
  Object.keys(localStorage)
    .filter((k) => k.startsWith('pg1:'))
    .map((k) => [k, localStorage.getItem(k) ?? '']);

test('the device store holds no plaintext; a reload asks for the PIN; wrong PINs are counted', async ({ page }) => {
  // The CSP allows no inline script but Leptos' nonce-bearing bootstrap: the app must run under it.
  const blocked: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) blocked.push(m.text()); });
  await login(page);
  const label = `GEHEIM-${Date.now()}`;
  await createCase(page, label);
  await page.getByLabel('Notiz').fill('Mutter berichtet von Schulden und Streit.');
  // Retention (§ 9b SGB VIII) follows the birth: open-ended without one, 70 years after the 30th birthday.
  await expect(page.getByTestId('retention')).toContainText('ohne Enddatum');
  await page.getByLabel('Geburtsjahr oder -datum').fill('2014-05-03');
  await page.getByLabel('Geburtsjahr oder -datum').press('Tab');
  await expect(page.getByTestId('retention')).toContainText('Aufbewahrung bis 03.05.2114');

  // Raw local storage: every value but the lock is sealed, and no case datum appears anywhere.
  await expect.poll(() => page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('pg1:mut:')))).toBe(true);
  await page.waitForTimeout(200);
  const raw = await page.evaluate(rawStore);
  expect(raw.length).toBeGreaterThan(3);
  for (const [k, v] of raw) {
    if (k === 'pg1:lock') continue;
    expect(v, k).toMatch(/^e1:[A-Za-z0-9+/]+=*$/);
  }
  const all = raw.map(([k, v]) => k + v).join('\n');
  for (const secret of [label, 'Schulden', 'anna', 'Anna', 'Nord']) expect(all).not.toContain(secret);
  const lock = JSON.parse(raw.find(([k]) => k === 'pg1:lock')![1]);
  expect(lock.iterations).toBeGreaterThanOrEqual(600000);
  expect(JSON.stringify(lock)).not.toContain(PIN);

  // A reload forgets the key: the lock screen, readable and accessible, shows nothing of the case.
  const url = page.url();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Passgenau ist gesperrt' })).toBeVisible();
  await expect(page.getByText(label)).toHaveCount(0);
  await expectNoA11yViolations(page);
  await page.getByLabel('PIN oder Passwort des Geräts').fill('000001');
  await page.getByRole('button', { name: 'Entsperren' }).click();
  await expect(page.getByRole('alert')).toContainText('Die PIN ist falsch. Noch 9 Versuche');
  await unlock(page);
  await page.goto(url);
  await unlock(page);
  await expect(page.getByLabel('Notiz')).toHaveValue('Mutter berichtet von Schulden und Streit.');
  expect(blocked).toEqual([]);
});

test('the app locks itself after the idle time, and the tenth wrong PIN erases the device', async ({ page }) => {
  await login(page);
  // The idle time is stored with the lock; shorten it for the test (the choices start at 1 minute).
  await page.evaluate(() => {
    const m = JSON.parse(localStorage.getItem('pg1:lock')!);
    m.idle_secs = 2;
    localStorage.setItem('pg1:lock', JSON.stringify(m));
  });
  await expect(page.getByRole('heading', { name: 'Passgenau ist gesperrt' })).toBeVisible({ timeout: 10_000 });
  await unlock(page);
  await expect(page.getByRole('heading', { name: 'Fälle' })).toBeVisible();

  // Nine wrong attempts so far (the waiting time between them skipped), then the tenth.
  await page.evaluate(() => {
    const m = JSON.parse(localStorage.getItem('pg1:lock')!);
    m.failed = 9;
    m.blocked_until_ms = null;
    m.idle_secs = 300;
    localStorage.setItem('pg1:lock', JSON.stringify(m));
  });
  await page.reload();
  await page.getByLabel('PIN oder Passwort des Geräts').fill('135790');
  await page.getByRole('button', { name: 'Entsperren' }).click();
  await expect(page.getByRole('heading', { name: 'Anmelden' })).toBeVisible();
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('pg1:')))).toEqual([]);
});

test('viewing and exporting a case offline reach the audit log, which the Teamleitung reads', async ({ page, context, playwright, baseURL }) => {
  await login(page);
  const label = `AUDIT-${Date.now()}`;
  await createCase(page, label);
  const caseId = new URL(page.url()).searchParams.get('id')!;

  // Offline: the case is opened again from the list and its unsent change is saved to a file.
  await context.setOffline(true);
  await page.getByRole('link', { name: 'Passgenau' }).click();
  await page.getByRole('link', { name: label }).click();
  await expect(page.getByRole('heading', { name: label })).toBeVisible();
  await page.getByLabel('Notiz').fill('Offline ergänzt.');
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '1');
  await page.goto('/nicht-uebertragen');
  await unlock(page);
  await page.getByLabel('Passwort für die Datei (mindestens 8 Zeichen)').fill('Datei-Passwort 1');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Verschlüsselt herunterladen' }).click();
  await download;

  // Back online, one sync hands over the case and the recorded events.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');

  const lead = await playwright.request.newContext({ baseURL });
  expect((await lead.post('/api/v1/auth/login', { data: { username: 'tanja', password: 'passgenau-demo' } })).ok()).toBe(true);
  await expect.poll(async () => {
    const log = await (await lead.get(`/api/v1/audit?case_id=${caseId}`)).json();
    return log.map((e: any) => e.action).sort();
  }).toEqual(['case.export', 'case.view', 'case.view', 'record.put', 'record.put']);
  const log = await (await lead.get(`/api/v1/audit?case_id=${caseId}`)).json();
  expect(log.every((e: any) => e.actor === '3c1d9b7e-0c1a-4d7e-8b1e-5a0c00000001')).toBe(true);
  const exported = log.find((e: any) => e.action === 'case.export');
  expect(exported.device_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  // A Fachkraft may not read it.
  const fk = await playwright.request.newContext({ baseURL });
  await fk.post('/api/v1/auth/login', { data: { username: 'ben', password: 'passgenau-demo' } });
  expect((await fk.get('/api/v1/audit')).status()).toBe(403);
  await lead.dispose();
  await fk.dispose();
});
