import { test, expect } from '@playwright/test';
import * as fs from 'node:fs';
import { createCase, expectNoA11yViolations, expectNoHorizontalScroll, login, unlock, desktopScreenshot } from './helpers';

// Issue 7, point 5: the Teamleitung's team view from the team's data on her device, offline:
// caseload, deadlines, Fachleistungsstunden planned against delivered, the reference week by form
// of help, cost against budget; each table as CSV. A Fachkraft does not get it.
test.use({ viewport: { width: 360, height: 640 } });

test('team view: caseload, deadlines, FLS planned and delivered, reference week, costs, CSV', async ({ page, context, browser }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.clock.install({ time: new Date('2026-11-24T09:00:00Z') });
  await login(page, 'tanja');
  await context.setOffline(true);
  const label = `TEAM-${Date.now()}`;
  await createCase(page, label, '2026-11-02');
  const caseUrl = page.url();
  await page.getByLabel('Zuständige Fachkraft').fill('Tanja Thiele');
  await page.getByLabel('Hilfeform').selectOption('einzelfall');

  // SPFH 4 hours a week from 2 November, a 12 000 € case budget.
  await page.getByRole('link', { name: 'Hilfesetting zusammenstellen' }).click();
  await page.getByLabel('Bewilligt von').fill('2026-11-02');
  await page.getByLabel('Bewilligt bis').fill('2027-04-30');
  await page.getByLabel('Fallbudget').selectOption('fallbudget');
  await page.getByLabel('Betrag (€)').fill('12.000,00');
  await page.getByLabel('Betrag (€)').press('Tab');
  await page.getByLabel('Suche (Name oder Paragraf)').fill('SPFH');
  await page.getByRole('button', { name: 'Sozialpädagogische Familienhilfe (SPFH) hinzufügen' }).click();
  await page.getByTestId('instance').getByLabel('Stunden je Woche').fill('4');
  await expect(page.getByTestId('cost-per-month')).toHaveText('1.209,87\u00a0€');

  // A home visit today: 30 minutes against the SPFH.
  await page.goto(caseUrl);
  await unlock(page);
  await page.getByRole('button', { name: 'Hausbesuch beginnen' }).click();
  await page.getByLabel('Abgerechnet über (Fachleistungsstunden)').selectOption({ label: 'Sozialpädagogische Familienhilfe (SPFH) (4 Std./Woche)' });
  await page.getByRole('button', { name: 'Zeit starten' }).click();
  await page.clock.fastForward('04:00');
  await page.getByRole('button', { name: 'Zeit stoppen' }).click();
  await expect(page.getByTestId('direct-time')).toContainText('0,07 Std.');

  await page.getByRole('link', { name: 'Team' }).first().click();
  await expect(page.getByRole('heading', { name: 'Team', exact: true })).toBeVisible();
  await page.getByLabel('Monat (Fachleistungsstunden)').fill('2026-11');
  await page.getByLabel('Tag der Stichwoche').fill('2026-11-24');
  const fls = page.getByTestId('team-fachleistungsstunden');
  await expect(fls.locator('tr', { hasText: label })).toContainText('Sozialpädagogische Familienhilfe (SPFH)17,330,070');
  const load = page.getByTestId('team-fallbelastung');
  await expect(load.locator('tr', { hasText: 'Tanja Thiele' })).toContainText('Tanja Thiele1');
  const week = page.getByTestId('team-stichwoche');
  await expect(week.getByRole('heading')).toHaveText('Stichwoche ab 23.11.2026');
  const einzelfall = await week.locator('tr', { hasText: 'Einzelfallhilfe' }).locator('td').nth(1).textContent();
  expect(Number(einzelfall)).toBeGreaterThanOrEqual(1);
  const costs = page.getByTestId('team-kosten');
  await expect(costs.locator('tr', { hasText: label })).toContainText('1.209,87\u00a0€');
  await expect(costs.locator('tr', { hasText: label })).toContainText('12.000,00\u00a0€');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('team-360x640.png'), fullPage: true });
  await desktopScreenshot(page, 'team');

  const downloading = page.waitForEvent('download');
  await fls.getByRole('link', { name: 'Als CSV herunterladen' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('team-fachleistungsstunden.csv');
  const csv = fs.readFileSync((await download.path())!, 'utf-8');
  expect(csv.startsWith('\ufeff"Fall";"Modul";"geplant (Std.)";"erbracht (Std.)";"erbracht in %"\r\n')).toBe(true);
  expect(csv).toContain(`"${label}";"Sozialpädagogische Familienhilfe (SPFH)";"17,33";"0,07";"0"\r\n`);

  // A Fachkraft has no team view.
  await context.setOffline(false);
  const other = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const anna = await other.newPage();
  await login(anna);
  await expect(anna.getByRole('link', { name: 'Team', exact: true })).toHaveCount(0);
  await anna.goto('/team');
  await unlock(anna);
  await expect(anna.getByRole('alert')).toHaveText('Die Teamübersicht ist der Teamleitung vorbehalten.');
  await other.close();
  expect(problems).toEqual([]);
});
