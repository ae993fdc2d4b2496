import { test, expect, Page } from '@playwright/test';
import { createCase, expectNoA11yViolations, expectNoHorizontalScroll, login, unlock } from './helpers';

// Compose a Hilfesetting offline on a phone: SPFH 4 hours a week plus Tagesgruppe 5 days a week.
// The expected euros are the domain crate's arithmetic, pinned in
// domain/src/setting.rs (spfh_four_hours_plus_tagesgruppe_five_days_cost_what_the_e2e_test_expects).
test.use({ viewport: { width: 360, height: 640 } });

const nbsp = (s: string) => s.replace(/ €/g, '\u00a0€');

async function addModule(page: Page, search: string, name: string) {
  await page.getByLabel('Suche (Name oder Paragraf)').fill(search);
  await page.getByRole('button', { name: `${name} hinzufügen` }).click();
}

test('Hilfesetting: SPFH plus Tagesgruppe, live cost with formula, findings, mix, offline', async ({ page, context }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // Ben is a Fachkraft of the Jugendamt (ASD): he composes the setting and enters the approval.
  await login(page, 'ben');
  const label = `SETTING-${Date.now()}`;
  await page.getByRole('link', { name: 'Neuer Fall' }).click();
  await page.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await page.getByLabel('Beginn').fill('2026-12-01');
  await page.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(page.getByTestId('setting-summary')).toContainText('Noch keine Module');

  await context.setOffline(true);
  await page.getByRole('link', { name: 'Hilfesetting zusammenstellen' }).click();
  await expect(page.getByRole('heading', { name: 'Hilfesetting', exact: true })).toBeVisible();
  await page.getByLabel('Bewilligt von').fill('2026-12-01');
  await page.getByLabel('Bewilligt bis').fill('2027-05-31');

  // SPFH: the catalog's Fachleistungsstunde rate; 4 hours a week.
  await addModule(page, 'SPFH', 'Sozialpädagogische Familienhilfe (SPFH)');
  const spfh = page.getByTestId('instance').filter({ hasText: 'Sozialpädagogische Familienhilfe' });
  await spfh.getByLabel('Stunden je Woche').fill('4');
  await expect(spfh.getByTestId('formula')).toHaveText(nbsp('4 Std./Woche × 52 Wochen ÷ 12 Monate × 69,80 €/Std. = 1.209,87 € je Monat'));

  // Tagesgruppe: the catalog has no rate, so she enters the agreed Tagesentgelt; 5 days a week.
  await addModule(page, 'Tagesgruppe', 'Erziehung in einer Tagesgruppe / heilpädagogische Tagesstätte');
  const tg = page.getByTestId('instance').filter({ hasText: 'Tagesgruppe' });
  await expect(tg.getByTestId('formula')).toContainText('fehlt der Kostensatz');
  await tg.getByLabel('Satz (€)').fill('98,50');
  await tg.getByLabel('Satz (€)').press('Tab');
  await tg.getByLabel('Tage je Woche').fill('5');
  await expect(tg.getByTestId('formula')).toHaveText(nbsp('5 Tage/Woche × 52 Wochen ÷ 12 Monate × 98,50 €/Tag = 2.134,17 € je Monat'));

  await expect(page.getByTestId('cost-per-month')).toHaveText(nbsp('3.344,04 €'));
  await expect(page.getByTestId('setting-mix')).toContainText('1 ambulant, 1 teilstationär');
  await expect(page.getByTestId('setting-totals')).toContainText(nbsp('ambulant (1): 1.209,87 € je Monat, 36,2 %'));
  await expect(page.getByTestId('cost-period')).toBeVisible();
  // The rules speak German and name their paragraph (two modules: Einzelvereinbarung, § 78b).
  await expect(page.getByTestId('findings')).toContainText('§');

  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: test.info().outputPath('hilfesetting-360x640.png') });
  await page.screenshot({ path: test.info().outputPath('hilfesetting-ganz.png'), fullPage: true });
  await page.getByTestId('setting-totals').screenshot({ path: test.info().outputPath('hilfesetting-summe.png') });
  await tg.screenshot({ path: test.info().outputPath('hilfesetting-tagesgruppe.png') });

  // Reload offline: still there. Then the case page shows the sum.
  await page.reload();
  await unlock(page);
  await expect(page.getByTestId('cost-per-month')).toHaveText(nbsp('3.344,04 €'));
  await page.getByRole('link', { name: '← Zum Fall' }).click();
  await expect(page.getByTestId('setting-summary')).toContainText(nbsp('2 Module, 3.344,04 € je Monat'));

  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  const modules = await page.evaluate(async (label) => {
    const recs = (await (await fetch('/api/v1/sync/pull?since=0&limit=1000')).json()).records;
    const c = recs.find((r: any) => r.kind === 'case' && r.body.label === label);
    const hs = recs.find((r: any) => r.kind === 'hilfesetting' && r.body.case_id === c.body.id)?.body ?? {};
    return Object.keys(hs).filter((k) => k.startsWith('m.') && hs[k] !== null).length;
  }, label);
  expect(modules).toBe(2);
  expect(problems).toEqual([]);
});

test('a Fachkraft of a Träger sees the approval but cannot set it', async ({ page }) => {
  await login(page);
  await createCase(page, `BEWILLIGUNG-${Date.now()}`);
  await page.getByRole('link', { name: 'Hilfesetting zusammenstellen' }).click();
  await expect(page.getByTestId('approval-hint')).toHaveText('Die Bewilligung tragen das Jugendamt (ASD) oder die Teamleitung ein.');
  await expect(page.getByLabel('Bewilligt von')).toBeDisabled();
  await expect(page.getByLabel('Fallbudget')).toBeDisabled();
  await expectNoA11yViolations(page);
});
