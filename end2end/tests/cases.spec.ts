import { test, expect } from '@playwright/test';
import { expectNoA11yViolations, expectNoHorizontalScroll, login, unlock } from './helpers';

// Case creation with only the data the task needs, the list's search and filters, and the Clearing.
test.use({ viewport: { width: 360, height: 640 } });

test('cases: minimal creation, filters by status and Fachkraft, Clearing with category and deadline', async ({ page, context }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await login(page);
  await context.setOffline(true);

  const label = `CLEAR-${Date.now()}`;
  await page.getByRole('link', { name: 'Neuer Fall' }).click();
  await expectNoA11yViolations(page);
  await page.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await page.getByLabel('Geburtsjahr oder -datum (optional)').fill('20');
  await page.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(page.getByRole('alert')).toContainText('Geburtsjahr');
  await page.getByLabel('Geburtsjahr oder -datum (optional)').fill('2014');
  await page.getByLabel('Vormundschaft').check();
  await expect(page.getByLabel('Status')).toHaveValue('clearing');
  await expect(page.getByLabel('Zuständige Fachkraft')).toHaveValue('Anna Albers');
  await page.getByLabel('Zuständige Fachkraft').fill('Clara Clausen');
  await page.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(page.getByRole('heading', { name: label })).toBeVisible();
  await expect(page.getByLabel('Geburtsjahr oder -datum')).toHaveValue('2014');
  await expect(page.getByLabel('Vormundschaft')).toBeChecked();

  // The Clearing: resources typed field by field, a reason before the category, the deadline.
  await page.getByRole('link', { name: 'Clearing öffnen' }).click();
  await page.getByRole('button', { name: 'Clearing beginnen' }).click();
  await expect(page.getByTestId('clearing-deadline')).toContainText('noch 42 Tage');
  const familie = page.locator('fieldset.area').filter({ hasText: 'familiäre Ressourcen' });
  await familie.getByLabel('Ressourcen').pressSequentially('Großmutter hilft');
  await expect(familie.getByLabel('Ressourcen')).toHaveValue('Großmutter hilft');
  await page.getByLabel('Begründung').fill('Mehrere Lebensbereiche belastet');
  await expect(page.getByTestId('category-state')).toContainText('Noch keine Kategorie');
  await page.getByLabel('Fallkategorie B').check();
  await expect(page.getByTestId('category-state')).toContainText('Fallkategorie B festgelegt');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('clearing-360x640.png'), fullPage: true });
  await page.reload();
  await unlock(page);
  await expect(familie.getByLabel('Ressourcen')).toHaveValue('Großmutter hilft');
  await expect(page.getByLabel('Fallkategorie B')).toBeChecked();

  // The list: search, status and Fachkraft filters, clearing deadline.
  await page.goto('/');
  await unlock(page);
  await expect(page.getByRole('link', { name: label })).toBeVisible();
  await page.getByLabel('Status').selectOption('clearing');
  await expect(page.getByRole('link', { name: label })).toBeVisible();
  await page.getByLabel('Status').selectOption('beendet');
  await expect(page.getByRole('link', { name: label })).toHaveCount(0);
  await page.getByLabel('Status').selectOption('');
  await page.getByLabel('Fachkraft').selectOption('Clara Clausen');
  await expect(page.getByRole('link', { name: label })).toBeVisible();
  await expect(page.getByTestId('case-count')).toContainText('1 von');
  await page.getByLabel('Fachkraft').selectOption('');
  await page.getByLabel('Suche nach Aktenzeichen oder Pseudonym').fill(label.toLowerCase());
  await expect(page.getByTestId('case-count')).toContainText('1 von');
  await expectNoA11yViolations(page);

  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  expect(problems).toEqual([]);
});
