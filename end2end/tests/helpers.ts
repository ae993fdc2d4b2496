import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';

// WCAG 2.1 A and AA (BITV 2.0) as axe-core checks them. Violations are listed by rule and element,
// so a failure says what to fix.
export async function expectNoA11yViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`);
  expect(found, `axe-core violations on ${page.url()}`).toEqual([]);
}

// No horizontal scrolling at the phone width.
export async function expectNoHorizontalScroll(page: Page) {
  const { scroll, width, wide } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    // The innermost elements that reach past the right edge, to say what to fix.
    const wide = Array.from(document.querySelectorAll('body *'))
      .filter((e) => e.getBoundingClientRect().right > (e.parentElement?.getBoundingClientRect().right ?? width) + 0.5)
      .filter((e) => !Array.from(e.children).some((c) => c.getBoundingClientRect().right > e.getBoundingClientRect().right + 0.5))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${(e.className || '').toString().replace(/ /g, '.')} (${Math.round(e.getBoundingClientRect().right)}/${e.scrollWidth})`);
    return { scroll: document.documentElement.scrollWidth, width, wide };
  });
  expect(scroll, `horizontal scroll on ${page.url()}: ${wide.join(', ')}`).toBeLessThanOrEqual(width);
}

// A full-page screenshot at desktop width (checked for horizontal scrolling there too), then back
// to the phone. The screenshots at both widths are what a person looks at before calling a page done.
export async function desktopScreenshot(page: Page, name: string) {
  const phone = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 800 });
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: test.info().outputPath(`${name}-1280.png`), fullPage: true });
  if (phone) await page.setViewportSize(phone);
}

// The device PIN the tests set after logging in (from it the key that encrypts the store is derived).
export const PIN = '482916';

// Sets the device PIN, asked for after the first login on a device.
export async function setPin(page: Page) {
  await page.getByLabel('PIN (mindestens 6 Ziffern) oder Passwort (mindestens 8 Zeichen)').fill(PIN);
  await page.getByLabel('Noch einmal eingeben').fill(PIN);
  await page.getByRole('button', { name: 'PIN festlegen' }).click();
}

// Opens the lock screen a page load shows (the key lives only in the page's memory).
export async function unlock(page: Page) {
  await page.getByLabel('PIN oder Passwort des Geräts').fill(PIN);
  await page.getByRole('button', { name: 'Entsperren' }).click();
  await expect(page.getByRole('heading', { name: 'Passgenau ist gesperrt' })).toHaveCount(0);
}

// Logs in as a demo user and waits until the service worker controls the page (offline-ready).
export async function login(page: Page, username = 'anna') {
  await page.goto('/anmelden');
  await page.getByLabel('Benutzername').fill(username);
  await page.getByLabel('Passwort').fill('passgenau-demo');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await setPin(page);
  await expect(page.getByRole('heading', { name: 'Fälle' })).toBeVisible();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

// Creates a case from the case list with the minimal data and waits for its page.
export async function createCase(page: Page, label: string, start = '2026-11-03') {
  await page.getByRole('link', { name: 'Neuer Fall' }).click();
  await page.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await page.getByLabel('Beginn').fill(start);
  await page.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(page.getByRole('heading', { name: label })).toBeVisible();
}

// The kinds of the server's records that name the case `caseId` in their body, read page by page
// through the pull API of the logged-in page.
export async function serverKindsOfCase(page: Page, caseId: string | null): Promise<string[]> {
  return page.evaluate(async (id) => {
    const out: string[] = [];
    let since = 0;
    for (;;) {
      const p = await (await fetch(`/api/v1/sync/pull?since=${since}&limit=1000`)).json();
      out.push(...p.records.filter((r: any) => r.body?.case_id === id).map((r: any) => r.kind));
      if (!p.has_more) return out;
      since = p.cursor;
    }
  }, caseId);
}
