import { test, expect } from '@playwright/test';
import { expectNoA11yViolations, expectNoHorizontalScroll, login, unlock } from './helpers';

// Goals offline on a phone: a Wirkungsziel of seed 000, a Handlungsziel, a step, two ratings from
// two perspectives on two dates, and the chart of their course.
test.use({ viewport: { width: 360, height: 640 } });

test('goals: Wirkungsziel, Handlungsziel, step, ratings from perspectives, SVG chart', async ({ page, context }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await login(page);
  await context.setOffline(true);
  const label = `ZIELE-${Date.now()}`;
  await page.getByRole('link', { name: 'Neuer Fall' }).click();
  await page.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await page.getByRole('button', { name: 'Fall anlegen' }).click();
  await page.getByRole('link', { name: 'Ziele und Einschätzungen' }).click();
  await expect(page.getByRole('heading', { name: 'Ziele und Einschätzungen' })).toBeVisible();

  await page.getByRole('button', { name: 'Wirkungsziel hinzufügen' }).click();
  const wz = page.getByTestId('wirkungsziel');
  await expect(wz).toHaveCount(1);
  await wz.getByText('Handlungsziel hinzufügen').click();
  await wz.getByLabel('Handlungsziel (konkret und überprüfbar)').fill('Paul geht an vier von fünf Tagen zur Schule');
  await wz.getByRole('button', { name: 'Handlungsziel speichern' }).click();
  const hz = page.getByTestId('handlungsziel');
  await expect(hz.getByRole('heading', { level: 3 })).toHaveText('Paul geht an vier von fünf Tagen zur Schule');
  await hz.getByLabel('Neuer Schritt').fill('Wecker stellen');
  await hz.getByLabel('Wer').fill('Mutter');
  await hz.getByRole('button', { name: 'Schritt hinzufügen' }).click();
  await expect(hz.locator('ul.steps')).toContainText('Wecker stellen (Mutter)');

  await hz.getByLabel('Datum').fill('2026-10-01');
  await hz.getByLabel('Sicht Eltern').selectOption('-1');
  await hz.getByLabel('Sicht Jugendamt').selectOption('-2');
  await hz.getByRole('button', { name: 'Einschätzung speichern' }).click();
  await hz.getByLabel('Datum').fill('2026-11-20');
  await hz.getByLabel('Sicht Eltern').selectOption('1');
  await hz.getByLabel('Sicht Jugendamt').selectOption('0');
  await hz.getByRole('button', { name: 'Einschätzung speichern' }).click();
  const chart = hz.locator('figure.chart svg[role="img"]');
  await expect(chart).toBeVisible();
  await expect(chart.locator('polyline')).toHaveCount(2);
  await expect(chart.locator('circle')).toHaveCount(4);
  await expect(hz.locator('figure.chart tbody tr')).toHaveCount(4);
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await hz.screenshot({ path: test.info().outputPath('ziele-360.png') });

  await page.reload();
  await unlock(page);
  await expect(page.getByTestId('handlungsziel').locator('figure.chart svg circle')).toHaveCount(4);
  await page.getByRole('link', { name: '← Zum Fall' }).click();
  await expect(page.getByTestId('goals-summary')).toContainText('Tendenz: verbessert');
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  expect(problems).toEqual([]);
});
