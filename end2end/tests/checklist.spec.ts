import { test, expect } from '@playwright/test';
import { expectNoA11yViolations, expectNoHorizontalScroll, login, unlock } from './helpers';

// The structure-quality checklist on a phone, offline: answer, move on, reload, resume, see what is open.
test.use({ viewport: { width: 360, height: 640 } });

test('checklist: answers section by section offline, survives a reload, lists open items, syncs', async ({ page, context }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await login(page);

  const label = `CHECK-${Date.now()}`;
  await page.getByRole('link', { name: 'Neuer Fall' }).click();
  await page.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await page.getByLabel('Beginn').fill('2026-11-05');
  await page.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(page.getByTestId('checklist-summary')).toContainText('0 von 28 Punkten entschieden');

  await context.setOffline(true);
  await page.getByRole('link', { name: 'Checkliste öffnen' }).click();
  await expect(page.getByRole('heading', { name: 'Checkliste Strukturqualität' })).toBeVisible();
  const items = page.locator('fieldset.item');
  const first = items.nth(0);
  await first.getByLabel('erfüllt').check();
  const second = items.nth(1);
  await second.getByLabel('nicht zutreffend').check();
  await second.getByLabel('Notiz zu diesem Punkt').fill('Keine Vereinbarung nötig, Hilfe im Verbund.');
  await expect(page.getByTestId('checklist-progress')).toContainText('2 von 28 Punkten entschieden');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: test.info().outputPath('checkliste-360x640.png'), fullPage: false });
  await page.screenshot({ path: test.info().outputPath('checkliste-ganz.png'), fullPage: true });

  await page.getByRole('link', { name: /^Weiter: / }).click();
  await expect(page.locator('nav.sections a[aria-current="page"]')).toContainText('Arbeitsansätze und Methoden');
  await items.nth(0).getByLabel('erfüllt').check();
  await expect(page.getByTestId('checklist-progress')).toContainText('3 von 28');

  // Reload while offline: the service worker serves the shell, the device store the answers.
  await page.reload();
  await unlock(page);
  await expect(page.getByTestId('checklist-progress')).toContainText('3 von 28');
  await expect(items.nth(0).getByLabel('erfüllt')).toBeChecked();
  await page.locator('nav.sections a').first().click();
  await expect(items.nth(1).getByLabel('nicht zutreffend')).toBeChecked();
  await expect(items.nth(1).getByLabel('Notiz zu diesem Punkt')).toHaveValue('Keine Vereinbarung nötig, Hilfe im Verbund.');

  await page.getByRole('link', { name: /^Offene Punkte/ }).first().click();
  await expect(page.getByTestId('open-items').locator('li')).toHaveCount(25);
  await expectNoA11yViolations(page);
  await page.getByTestId('open-items').locator('a').first().click();
  await expect(page.locator('fieldset.item').first()).toBeVisible();

  // Online again: one sync and the server has the three answers.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  const body = await page.evaluate(async (label) => {
    const recs = (await (await fetch('/api/v1/sync/pull?since=0&limit=1000')).json()).records;
    const c = recs.find((r: any) => r.kind === 'case' && r.body.label === label);
    return recs.find((r: any) => r.kind === 'checklist' && r.body.case_id === c.body.id)?.body;
  }, label);
  expect(Object.keys(body).filter((k) => k.startsWith('i.'))).toHaveLength(3);
  expect(problems).toEqual([]);
});
