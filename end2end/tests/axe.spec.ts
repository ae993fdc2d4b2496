import { test, expect } from '@playwright/test';
import { expectNoA11yViolations, expectNoHorizontalScroll, setPin, unlock } from './helpers';

// axe-core (WCAG 2.1 A/AA, BITV 2.0) on every page of the app, at phone width, with data on it.
test.use({ viewport: { width: 360, height: 640 } });

test('every page has no axe-core violations and no horizontal scrolling at 360 px', async ({ page }) => {
  await page.goto('/anmelden');
  await expect(page.getByLabel('Benutzername')).toBeVisible();
  await expectNoA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.getByLabel('Benutzername').fill('anna');
  await page.getByLabel('Passwort').fill('passgenau-demo');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  // The device-PIN step after the first login.
  await expect(page.getByRole('heading', { name: 'Geräte-PIN festlegen' })).toBeVisible();
  await expectNoA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await setPin(page);
  await expect(page.getByRole('heading', { name: 'Fälle' })).toBeVisible();
  // A demo case, synced on login.
  await expect(page.getByRole('link', { name: 'JA-2026-0142' })).toBeVisible();
  const caseUrl = await page.getByRole('link', { name: 'JA-2026-0142' }).getAttribute('href');
  const id = new URL(caseUrl!, 'http://x').searchParams.get('id');
  const pages = [
    '/',
    '/fall/neu',
    `/fall?id=${id}`,
    `/fall/checkliste?id=${id}`,
    `/fall/checkliste?id=${id}&abschnitt=offen`,
    `/fall/hilfesetting?id=${id}`,
    '/konflikte',
    '/nicht-uebertragen',
    '/sozialraum',
    '/gibt-es-nicht',
  ];
  for (const url of pages) {
    await page.goto(url);
    await unlock(page);
    await expect(page.locator('main h1').first()).toBeVisible();
    await expectNoA11yViolations(page);
    await expectNoHorizontalScroll(page);
  }
});
