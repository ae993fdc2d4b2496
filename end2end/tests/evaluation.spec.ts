import { test, expect } from '@playwright/test';
import { createCase, expectNoA11yViolations, expectNoHorizontalScroll, login, serverKindsOfCase, unlock, desktopScreenshot } from './helpers';

// Issue 7, points 2 and 6: the evaluation of seed 002 on a phone, offline: Fachcontrolling rated by
// all participants (its report is the progress report, compared with the last round), the
// evaluation at case end, the sustainability check at its follow-up day, the plain-language user
// questionnaire filled in on the device; then, synced, the Teamleitung's provider profile from the
// server with the number of cases behind each figure.
test.use({ viewport: { width: 360, height: 640 } });

test('evaluation: Fachcontrolling report, end, sustainability, questionnaires, provider profile', async ({ page, context, browser }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.clock.install({ time: new Date('2026-11-24T09:00:00Z') });
  await login(page);
  await context.setOffline(true);
  const label = `BEW-${Date.now()}`;
  // A provider name of this run only, so the profile's figures are this test's.
  const provider = `Jugendhilfe Nord ${Date.now()}`;
  await createCase(page, label, '2026-09-01');
  const caseUrl = page.url();

  // Setting with the provider, and one goal.
  await page.getByRole('link', { name: 'Hilfesetting zusammenstellen' }).click();
  await page.getByLabel('Suche (Name oder Paragraf)').fill('SPFH');
  await page.getByRole('button', { name: 'Sozialpädagogische Familienhilfe (SPFH) hinzufügen' }).click();
  await page.getByTestId('instance').getByLabel('Träger / Leistungserbringer').fill(provider);
  await page.getByTestId('instance').getByLabel('Träger / Leistungserbringer').press('Tab');
  await page.goto(caseUrl);
  await unlock(page);
  await page.getByRole('link', { name: 'Ziele und Einschätzungen' }).click();
  await page.getByRole('button', { name: 'Wirkungsziel hinzufügen' }).click();
  const wz = page.getByTestId('wirkungsziel');
  await wz.getByText('Handlungsziel hinzufügen').click();
  await wz.getByLabel('Handlungsziel (konkret und überprüfbar)').fill('Lena geht jeden Tag zur Schule');
  await wz.getByRole('button', { name: 'Handlungsziel speichern' }).click();
  await expect(page.getByTestId('handlungsziel')).toHaveCount(1);

  // First Fachcontrolling: participants, the provider proposed from the setting, ratings, course.
  await page.getByRole('link', { name: '← Zum Fall' }).click();
  await expect(page.getByTestId('evaluation-summary')).toContainText('Noch keine Bewertung.');
  await page.getByRole('link', { name: 'Fachcontrolling, Evaluation, Fragebogen' }).click();
  await expect(page.getByRole('heading', { name: 'Bewertung und Evaluation' })).toBeVisible();
  await page.getByRole('button', { name: 'Fachcontrolling beginnen' }).click();
  const form = page.getByTestId('evaluation-form');
  await expect(form.getByRole('heading', { name: 'Fachcontrolling / Erziehungsplanung' })).toBeVisible();
  await expect(form.getByLabel('Träger, dessen Arbeit bewertet wird')).toHaveValue(provider);
  await expect(form.getByLabel('Berichtszeitraum ab')).toHaveValue('2026-09-01');
  await form.getByLabel('Mutter').check();
  await form.getByLabel('Fachkraft Träger').check();
  const rating = form.getByTestId('fc-rating').filter({ hasText: 'Lena geht jeden Tag zur Schule' });
  await rating.getByLabel('Sicht Eltern').selectOption('1');
  await rating.getByLabel('Sicht junger Mensch').selectOption('-1');
  await form.getByLabel('Verlauf und Entwicklung').fill('Lena fehlt seltener.');
  const report = page.getByTestId('progress-report');
  await expect(report).toContainText('Beteiligte: Mutter, Fachkraft Träger');
  await expect(report).toContainText('Erstes Fachcontrolling: noch kein Vergleich.');
  await expect(report.locator('tbody tr')).toHaveText(['SchuleLena geht jeden Tag zur Schule-1+1––']);
  await expect(report.getByTestId('report-fls')).toContainText('Leistungsnachweis: 0,00 Std.');
  await expect(report).toContainText('Lena fehlt seltener.');

  // Second round: the report compares with the first.
  await page.getByRole('link', { name: '← Alle Bewertungen' }).click();
  await page.getByRole('button', { name: 'Fachcontrolling beginnen' }).click();
  await expect(form.getByLabel('Berichtszeitraum ab')).toHaveValue('2026-11-24');
  await form.getByTestId('fc-rating').getByLabel('Sicht Eltern').selectOption('2');
  await expect(report.locator('tbody tr')).toHaveText(['SchuleLena geht jeden Tag zur Schule– (-1)+2 (+1)––']);
  await expect(report).toContainText('In Klammern: Bewertung des Fachcontrollings vom 24.11.2026.');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('fachcontrolling-360x640.png'), fullPage: true });
  await desktopScreenshot(page, 'fachcontrolling');

  // Both rounds' ratings joined the goal's course.
  await page.goto(caseUrl.replace('/fall?', '/fall/ziele?'));
  await unlock(page);
  await expect(page.getByTestId('handlungsziel').locator('figure.chart svg circle')).toHaveCount(3);

  // End evaluation: reason, goal reached, the provider's work, follow-up day proposed in 6 months.
  await page.goto(caseUrl.replace('/fall?', '/fall/bewertung?'));
  await unlock(page);
  await page.getByRole('button', { name: 'Evaluation Fallbeendigung beginnen' }).click();
  await expect(form.getByRole('heading', { name: 'Evaluation Fallbeendigung' })).toBeVisible();
  await form.getByLabel('Grund der Beendigung').selectOption('planmaessig');
  await form.getByTestId('achievement').getByLabel('erreicht', { exact: true }).check();
  await form.getByLabel('Beteiligung von jungem Menschen und Eltern').selectOption('2');
  await form.getByLabel('Berichtswesen eingehalten (Termine, Dokumentation, Empfehlungen)').selectOption('-1');
  await form.getByLabel('Stärken').fill('Verlässlich im Kontakt mit der Schule.');
  await expect(form.getByLabel('Nachhaltigkeitsprüfung am')).toHaveValue('2027-05-24');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('abschluss-360x640.png'), fullPage: true });
  // A day before the evaluation is refused in German, and nothing is lost.
  await form.getByLabel('Nachhaltigkeitsprüfung am').fill('2026-01-01');
  await form.getByLabel('Nachhaltigkeitsprüfung am').press('Tab');
  const section = page.locator('section.evaluation');
  await expect(section.getByRole('alert')).toHaveText('Die Nachhaltigkeitsprüfung liegt vor dem Tag der Abschlussevaluation.');
  await form.getByLabel('Nachhaltigkeitsprüfung am').fill('2027-05-24');
  await form.getByLabel('Nachhaltigkeitsprüfung am').press('Tab');
  await expect(section.getByRole('alert')).toHaveCount(0);

  await page.getByRole('link', { name: '← Alle Bewertungen' }).click();
  await expect(page.getByTestId('follow-up-due')).toHaveText('Nachhaltigkeitsprüfung fällig am 24.05.2027.');
  await page.getByRole('button', { name: 'Nachhaltigkeit bewerten' }).click();
  await form.getByTestId('stability').getByLabel('stabil: das Erreichte hält').check();
  await form.getByLabel('nein', { exact: true }).check();
  await form.getByLabel('Situation heute').fill('Lena geht regelmäßig zur Schule.');
  await page.getByRole('link', { name: '← Alle Bewertungen' }).click();
  await expect(page.getByTestId('follow-up-due')).toHaveCount(0);
  await expect(page.getByTestId('evaluations').locator('li')).toHaveCount(4);

  // The questionnaire for a parent, in plain language, without case data on the screen.
  await page.getByRole('button', { name: 'Fragebogen für Eltern' }).click();
  await expect(page.getByRole('heading', { name: 'Ihre Meinung zählt' })).toBeVisible();
  await expect(page.locator('main')).not.toContainText(label);
  const q = page.getByTestId('question');
  await expect(q).toHaveCount(6);
  await q.filter({ hasText: 'Die Hilfe hat unserer Familie geholfen.' }).getByLabel('Stimmt genau').check();
  await q.filter({ hasText: 'ernst genommen' }).getByLabel('Stimmt eher', { exact: true }).check();
  await q.filter({ hasText: 'Termine wurden eingehalten' }).getByLabel('Weiß nicht').check();
  await page.getByLabel('Was war gut?').fill('Die Termine am Nachmittag.');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('fragebogen-360x640.png'), fullPage: true });
  // While the family holds the device, the header offers no way out (no logout, no lock button).
  await expect(page.getByRole('button', { name: 'Abmelden' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Fertig' }).click();
  await expect(page.getByTestId('questionnaire-done')).toHaveText('Vielen Dank! Bitte geben Sie das Gerät jetzt zurück.');
  // Taking the device back needs the worker's PIN.
  await page.getByRole('link', { name: 'Zurück zur Fachkraft-Ansicht' }).click();
  await expect(page.getByRole('heading', { name: 'Passgenau ist gesperrt' })).toBeVisible();
  await expect(page.locator('main')).not.toContainText(label);
  await unlock(page);
  await expect(page.getByRole('button', { name: 'Abmelden' })).toBeVisible();
  await page.getByRole('button', { name: 'Fragebogen für junge Menschen' }).click();
  await expect(page.getByRole('heading', { name: 'Deine Meinung zählt' })).toBeVisible();
  await page.getByTestId('question').filter({ hasText: 'Die Hilfe hat mir geholfen.' }).getByLabel('Stimmt eher nicht').check();
  // Leaving by the browser's back button locks the device too.
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Passgenau ist gesperrt' })).toBeVisible();

  // Reload offline: everything is still there.
  await page.goto(caseUrl.replace('/fall?', '/fall/bewertung?'));
  await unlock(page);
  await expect(page.getByTestId('evaluations').locator('li')).toHaveCount(4);
  await expect(page.getByTestId('questionnaires').locator('li')).toHaveText([
    '24.11.2026 · Mutter oder Vater · 3 von 6 Fragen beantwortet',
    '24.11.2026 · junger Mensch · 1 von 6 Fragen beantwortet',
  ]);

  // Online: synced, and the server holds the evaluations and questionnaires.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  const kinds = await serverKindsOfCase(page, new URL(caseUrl).searchParams.get('id'));
  expect(kinds.filter((k: string) => k === 'evaluation')).toHaveLength(4);
  expect(kinds.filter((k: string) => k === 'questionnaire')).toHaveLength(2);

  // The Teamleitung's provider profile, from the server: every figure with its cases; one case is
  // too few to call anything a strength.
  const lead = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const tanja = await lead.newPage();
  tanja.on('pageerror', (e) => problems.push(e.message));
  await login(tanja, 'tanja');
  await tanja.getByRole('link', { name: 'Team', exact: true }).click();
  await tanja.getByRole('link', { name: 'Trägerprofil: Stärken und Schwächen je Träger' }).click();
  await expect(tanja.getByRole('heading', { name: 'Trägerprofil' })).toBeVisible();
  const profile = tanja.getByTestId('team-traegerprofil');
  const row = (figure: string) => profile.locator('tr', { hasText: provider }).filter({ hasText: figure });
  await expect(row('Beteiligung von jungem Menschen und Eltern').locator('td')).toHaveText([
    provider, 'Beteiligung von jungem Menschen und Eltern', '+2,0', '1', '1', 'zu wenige Fälle (unter 3)',
  ]);
  await expect(row('Ziele erreicht').locator('td').nth(2)).toHaveText('100 %');
  await expect(row('Nachhaltig stabil').locator('td').nth(2)).toHaveText('100 %');
  // Parent "stimmt genau", young person "stimmt eher nicht": half agree, one case, two answers.
  await expect(row('Fragebogen: hat geholfen').locator('td')).toHaveText([
    provider, 'Fragebogen: hat geholfen', '50 %', '1', '2', 'zu wenige Fälle (unter 3)',
  ]);
  await expectNoHorizontalScroll(tanja);
  await expectNoA11yViolations(tanja);
  await tanja.screenshot({ path: test.info().outputPath('traegerprofil-360x640.png'), fullPage: true });
  await desktopScreenshot(tanja, 'traegerprofil');
  await lead.close();

  // A Fachkraft does not get the profile.
  await page.goto('/traeger');
  await unlock(page);
  await expect(page.getByRole('alert')).toHaveText('Das Trägerprofil ist der Teamleitung vorbehalten.');
  expect(problems).toEqual([]);
});
