import { test, expect } from '@playwright/test';
import { expectNoA11yViolations, expectNoHorizontalScroll, login, unlock } from './helpers';

// Issue 5's proof, all offline after the first load on a phone: create a case, Clearing, answer the
// checklist, compose a setting of SPFH plus Tagesgruppe (euros from the domain crate's arithmetic,
// pinned in domain/src/setting.rs), set a goal, hold a home visit with timer, note and ratings,
// reload offline, find everything, sync.
test.use({ viewport: { width: 360, height: 640 } });

test('offline journey: case, checklist, setting, home visit with timer and note, reload, sync', async ({ page, context }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // A controllable clock, so the visit timer can run a quarter of an hour in a moment.
  await page.clock.install({ time: new Date('2026-11-24T09:00:00Z') });
  await login(page);

  await context.setOffline(true);
  const label = `BESUCH-${Date.now()}`;
  await page.getByRole('link', { name: 'Neuer Fall' }).click();
  await page.getByLabel('Aktenzeichen oder Pseudonym', { exact: true }).fill(label);
  await page.getByLabel('Beginn').fill('2026-11-24');
  await page.getByRole('button', { name: 'Fall anlegen' }).click();
  await expect(page.getByRole('heading', { name: label })).toBeVisible();
  const caseUrl = page.url();

  await page.getByRole('link', { name: 'Clearing öffnen' }).click();
  await page.getByRole('button', { name: 'Clearing beginnen' }).click();
  await expect(page.getByTestId('clearing-deadline')).toContainText('noch 42 Tage');
  await page.getByLabel('Begründung').fill('Schule und Familie belastet');
  await page.getByLabel('Fallkategorie B').check();
  await expect(page.getByTestId('category-state')).toContainText('Fallkategorie B festgelegt');
  await page.goto(caseUrl);
  await unlock(page);

  await page.getByRole('link', { name: 'Checkliste öffnen' }).click();
  await page.locator('fieldset.item').first().getByLabel('erfüllt').check();
  await page.goto(caseUrl);
  await unlock(page);
  await page.getByRole('link', { name: 'Hilfesetting zusammenstellen' }).click();
  await page.getByLabel('Suche (Name oder Paragraf)').fill('SPFH');
  await page.getByRole('button', { name: 'Sozialpädagogische Familienhilfe (SPFH) hinzufügen' }).click();
  await page.getByTestId('instance').getByLabel('Stunden je Woche').fill('4');
  await expect(page.getByTestId('cost-per-month')).toHaveText('1.209,87\u00a0€');
  await page.getByLabel('Suche (Name oder Paragraf)').fill('Tagesgruppe');
  await page.getByRole('button', { name: 'Erziehung in einer Tagesgruppe / heilpädagogische Tagesstätte hinzufügen' }).click();
  const tg = page.getByTestId('instance').filter({ hasText: 'Tagesgruppe' });
  await tg.getByLabel('Satz (€)').fill('98,50');
  await tg.getByLabel('Satz (€)').press('Tab');
  await tg.getByLabel('Tage je Woche').fill('5');
  await expect(page.getByTestId('cost-per-month')).toHaveText('3.344,04\u00a0€');
  await page.goto(caseUrl);
  await unlock(page);

  // A goal to rate during the visit.
  await page.getByRole('link', { name: 'Ziele und Einschätzungen' }).click();
  await page.getByRole('button', { name: 'Wirkungsziel hinzufügen' }).click();
  await page.getByText('Handlungsziel hinzufügen').click();
  await page.getByLabel('Handlungsziel (konkret und überprüfbar)').fill('Paul geht pünktlich zur Schule');
  await page.getByRole('button', { name: 'Handlungsziel speichern' }).click();
  await expect(page.getByTestId('handlungsziel')).toHaveCount(1);
  await page.goto(caseUrl);
  await unlock(page);

  // The home visit.
  await page.getByRole('button', { name: 'Hausbesuch beginnen' }).click();
  await expect(page.getByRole('heading', { name: 'Hausbesuch' })).toBeVisible();
  const visitUrl = page.url();
  await page.getByLabel('Abgerechnet über (Fachleistungsstunden)').selectOption({ label: 'Sozialpädagogische Familienhilfe (SPFH) (4 Std./Woche)' });
  await page.getByRole('button', { name: 'Zeit starten' }).click();
  // A quarter of an hour without touching the phone: the app locks itself (idle time 5 minutes);
  // the timer keeps running behind the lock.
  await page.clock.fastForward('15:00');
  await expect(page.getByRole('heading', { name: 'Passgenau ist gesperrt' })).toBeVisible();
  await unlock(page);
  await expect(page.getByTestId('direct-time')).toHaveText('0,25 Std. (0:15 h)');
  await page.getByLabel('Mutter').check();
  await page.getByLabel('Kind / Jugendliche:r').check();
  await page.getByLabel('Fahrzeit (Minuten, getrennt von der direkten Zeit)').fill('25');
  await page.getByLabel('Notiz', { exact: true }).fill('Mutter berichtet: Schulweg klappt wieder.');
  await page.getByRole('button', { name: 'Notiz festhalten' }).click();
  await expect(page.getByTestId('visit-notes')).toContainText('Mutter berichtet: Schulweg klappt wieder.');
  await expect(page.getByLabel('Notiz', { exact: true })).toHaveValue('');
  await page.getByLabel('Notiz', { exact: true }).fill('Nächster Termin mit der Schule');
  // Ratings of the goal during the visit, saved at once; a changed mind overwrites.
  const rating = page.getByTestId('besuch-rating').filter({ hasText: 'Paul geht pünktlich zur Schule' });
  await rating.getByLabel('Sicht Eltern').selectOption('-1');
  await rating.getByLabel('Sicht Eltern').selectOption('1');
  await rating.getByLabel('Sicht junger Mensch').selectOption('0');
  await rating.screenshot({ path: test.info().outputPath('besuch-einschaetzung-360.png') });
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('hausbesuch-unten-360x640.png') });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: test.info().outputPath('hausbesuch-360x640.png') });

  // Reload while offline and while the timer runs: nothing is lost, the timer keeps counting.
  await page.reload();
  await unlock(page);
  await expect(page.getByLabel('Notiz', { exact: true })).toHaveValue('Nächster Termin mit der Schule');
  await expect(page.getByRole('button', { name: 'Zeit stoppen' })).toBeVisible();
  await page.clock.fastForward('15:00');
  await unlock(page);
  await expect(page.getByTestId('direct-time')).toHaveText('0,50 Std. (0:30 h)');
  await expect(page.getByLabel('Mutter')).toBeChecked();
  await expect(page.getByLabel('Fahrzeit (Minuten, getrennt von der direkten Zeit)')).toHaveValue('25');
  await expect(rating.getByLabel('Sicht Eltern')).toHaveValue('1');
  await expect(rating.getByLabel('Sicht junger Mensch')).toHaveValue('0');
  await page.getByRole('button', { name: 'Besuch abschließen' }).click();
  await expect(page.getByRole('button', { name: 'Zeit starten' })).toBeVisible();
  await expect(page.getByTestId('visit-notes').locator('li')).toHaveCount(2);

  // The case page shows the visit and its notes; back online, everything syncs.
  await page.goto(caseUrl);
  await unlock(page);
  await expect(page.getByTestId('visits')).toContainText('24.11.2026 · 0,50 Std. (0:30 h) · abgeschlossen');
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  const server = await page.evaluate(async (label) => {
    const recs = (await (await fetch('/api/v1/sync/pull?since=0&limit=1000')).json()).records;
    const c = recs.find((r: any) => r.kind === 'case' && r.body.label === label);
    const of = (kind: string) => recs.filter((r: any) => r.kind === kind && r.body.case_id === c.body.id);
    const goals = of('goals')[0]?.body ?? {};
    const ratings = Object.keys(goals).filter((k) => k.startsWith('r.') && goals[k]).map((k) => goals[k]);
    return { visits: of('visit').map((r: any) => r.body), notes: of('visit_note').length, checklist: of('checklist').length,
      setting: of('hilfesetting').length, clearing: of('clearing').length, ratings };
  }, label);
  expect(server.visits).toHaveLength(1);
  // 30 minutes of fast-forwarded clock plus the real seconds the test itself took.
  expect(server.visits[0].direct_seconds).toBeGreaterThanOrEqual(1800);
  expect(server.visits[0].direct_seconds).toBeLessThan(1860);
  expect(server.visits[0].travel_minutes).toBe(25);
  expect(server.visits[0].participants).toEqual(['Mutter', 'Kind / Jugendliche:r']);
  expect(server.visits[0].finished).toBe(true);
  expect(server.notes).toBe(2);
  expect(server.checklist).toBe(1);
  expect(server.setting).toBe(1);
  expect(server.clearing).toBe(1);
  expect(server.ratings.map((r: any) => [r.perspective, r.score, r.on]).sort()).toEqual([['eltern', 1, '2026-11-24'], ['junger_mensch', 0, '2026-11-24']]);
  expect(visitUrl).toContain('/fall/besuch?id=');
  expect(problems).toEqual([]);
});
