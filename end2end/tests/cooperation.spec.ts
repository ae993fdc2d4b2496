import { test, expect } from '@playwright/test';
import { createCase, expectNoA11yViolations, expectNoHorizontalScroll, login, serverKindsOfCase, unlock, desktopScreenshot } from './helpers';

// Issue 7, point 3 (seed 003), offline on a phone: the team's cooperation partners in the seed's
// forms, a referral under consent and one without, the routing slip through its stages, and the
// § 8a flow that cannot be concluded until two Fachkräfte, the expert, the involvement and the
// hand-on are documented.
test.use({ viewport: { width: 360, height: 640 } });

test('partners, referrals with Laufzettel under consent, and the § 8a flow', async ({ page, context }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.clock.install({ time: new Date('2026-11-24T09:00:00Z') });
  await login(page);
  await context.setOffline(true);
  const run = Date.now();
  const debt = `Schuldnerberatung ${run}`;
  const addiction = `Suchtberatung ${run}`;

  // Partners: a name is required; two partners paid by contract.
  await page.goto('/partner');
  await unlock(page);
  await expect(page.getByRole('heading', { name: 'Kooperationspartner', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Partner speichern' }).click();
  await expect(page.locator('main').getByRole('alert')).toHaveText('Bitte einen Namen angeben (höchstens 200 Zeichen).');
  for (const name of [debt, addiction]) {
    await page.getByLabel('Name (Einrichtung oder Dienst)').fill(name);
    await page.getByLabel('Beauftragte Dritte gegen Entgelt').check();
    await page.getByRole('button', { name: 'Partner speichern' }).click();
    await expect(page.locator('main').getByRole('status')).toHaveText(`„${name}“ ist als Kooperationspartner erfasst.`);
  }
  const partner = page.getByTestId('partner').filter({ hasText: debt });
  await expect(partner).toContainText('Grundlage: Auftrag, Entgelt, Bericht auf der Basis eines Vertrags (Entgelt- und Leistungsvereinbarung)');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);

  // A case with a consent for the debt counselling only.
  const label = `KOOP-${run}`;
  await page.getByRole('link', { name: 'Passgenau' }).click();
  await createCase(page, label, '2026-11-02');
  const caseUrl = page.url();
  await page.getByRole('link', { name: 'Einwilligungen' }).click();
  await page.getByLabel('Kooperationspartner (Empfänger)').fill(debt);
  await page.getByLabel('Stammdaten (Aktenzeichen, Geburt, Sorgerecht, Status)').check();
  await page.getByLabel('Zweck').fill('Schuldnerberatung');
  await page.getByLabel('Erteilt am').fill('2026-11-20');
  await page.getByRole('button', { name: 'Einwilligung speichern' }).click();
  await expect(page.getByTestId('consent')).toHaveCount(1);

  // Referrals: with consent, and without.
  await page.goto(caseUrl.replace('/fall?', '/fall/kooperation?'));
  await unlock(page);
  await page.getByLabel('Kooperationspartner', { exact: true }).selectOption({ label: `${debt} (Beauftragte Dritte gegen Entgelt)` });
  await page.getByLabel('Auftrag / Anliegen').fill('Schulden ordnen');
  await page.getByRole('button', { name: 'Vermitteln' }).click();
  await expect(page.locator('main').getByRole('status')).toContainText('Eine gültige Einwilligung deckt den Austausch.');
  await page.getByLabel('Kooperationspartner', { exact: true }).selectOption({ label: `${addiction} (Beauftragte Dritte gegen Entgelt)` });
  await page.getByRole('button', { name: 'Vermitteln' }).click();
  await expect(page.locator('main').getByRole('status')).toContainText('ohne Einwilligung');
  const withConsent = page.getByTestId('referral').filter({ hasText: debt });
  const without = page.getByTestId('referral').filter({ hasText: addiction });
  await expect(withConsent.getByTestId('referral-consent')).toHaveText('Datenaustausch mit Einwilligung.');
  await expect(without.getByTestId('referral-consent')).toContainText('Rückmeldungen nur über die Familie');

  // The routing slip: contact, first session, intensity; a first session before the contact is refused.
  await expect(withConsent.getByTestId('referral-stage')).toContainText('vermittelt, noch kein Kontakt');
  await withConsent.getByLabel('Kontakt aufgenommen am').fill('2026-11-26');
  await withConsent.getByLabel('Kontakt aufgenommen am').press('Tab');
  await expect(withConsent.getByTestId('referral-stage')).toContainText('Kontakt aufgenommen');
  await withConsent.getByLabel('Erstberatung am').fill('2026-11-25');
  await withConsent.getByLabel('Erstberatung am').press('Tab');
  await expect(page.locator('main').getByRole('alert')).toHaveText('Die Daten passen nicht zusammen: Erstberatung vor der Kontaktaufnahme.');
  await withConsent.getByLabel('Erstberatung am').fill('2026-12-01');
  await withConsent.getByLabel('Erstberatung am').press('Tab');
  await expect(withConsent.getByTestId('referral-stage')).toContainText('in Beratung');
  await withConsent.getByLabel('Beratungsintensität').fill('wöchentlich, 1 Stunde');
  await withConsent.getByLabel('Beratungsintensität').press('Tab');
  await withConsent.getByLabel('Abgeschlossen am').fill('2027-02-15');
  await withConsent.getByLabel('Abgeschlossen am').press('Tab');
  await withConsent.getByLabel('Ergebnis').fill('Ratenplan mit allen Gläubigern vereinbart.');
  await withConsent.getByLabel('Schriftlicher Bericht liegt vor').check();
  await expect(withConsent.getByTestId('referral-stage')).toContainText('abgeschlossen');
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('kooperation-360x640.png'), fullPage: true });
  await desktopScreenshot(page, 'kooperation');

  // § 8a: the missing steps are listed with their paragraphs; conclusion only when all are there.
  await page.goto(caseUrl);
  await unlock(page);
  await expect(page.getByTestId('cooperation-summary')).toContainText('1 laufende Vermittlung.');
  await page.getByRole('link', { name: 'Kinderschutz (§ 8a)' }).click();
  await page.getByRole('button', { name: '§ 8a-Einschätzung beginnen' }).click();
  const form = page.getByTestId('kinderschutz');
  await expect(form).toContainText('Einschätzung durch einen freien Träger (§ 8a Abs. 4)');
  const missing = form.getByTestId('ks-missing').locator('li');
  await expect(missing).toHaveCount(6);
  await expect(form.getByRole('button', { name: 'Einschätzung abschließen' })).toBeDisabled();
  await form.getByLabel('Gewichtige Anhaltspunkte').fill('Blaue Flecken am Arm, das Kind wirkt verängstigt.');
  await form.getByLabel('Einschätzende Fachkräfte (eine je Zeile, mindestens zwei)').fill('Anna Albers');
  await form.getByLabel('Einschätzende Fachkräfte (eine je Zeile, mindestens zwei)').press('Tab');
  await expect(missing.filter({ hasText: 'mindestens 2' })).toHaveCount(1);
  await form.getByLabel('Einschätzende Fachkräfte (eine je Zeile, mindestens zwei)').fill('Anna Albers\nTanja Thiele');
  await form.getByLabel('Einschätzende Fachkräfte (eine je Zeile, mindestens zwei)').press('Tab');
  await expect(missing.filter({ hasText: 'mindestens 2' })).toHaveCount(0);
  await form.getByLabel('Insoweit erfahrene Fachkraft (beratend)').fill('Frau Kern, Kinderschutzzentrum');
  await form.getByLabel('Insoweit erfahrene Fachkraft (beratend)').press('Tab');
  await form.getByLabel('Beraten am').fill('2026-11-24');
  await form.getByLabel('Beraten am').press('Tab');
  await form.getByTestId('ks-parents').getByLabel('beteiligt', { exact: true }).check();
  await form.getByTestId('ks-child').getByLabel('nicht beteiligt', { exact: false }).check();
  await expect(missing.filter({ hasText: 'Bitte begründen, warum das Kind / der Jugendliche nicht beteiligt wurde.' })).toHaveCount(1);
  await form.getByTestId('ks-child').getByLabel('Begründung').fill('Ein Gespräch jetzt würde das Kind gefährden.');
  await form.getByTestId('ks-child').getByLabel('Begründung').press('Tab');
  await form.getByLabel('Ergebnis der Einschätzung').selectOption('gefaehrdung');
  await expect(missing).toHaveText(['Bei Gefährdung ist das Jugendamt zu informieren (§ 8a Abs. 4 S. 2 SGB VIII).']);
  await form.getByLabel('Information an das Jugendamt (§ 8a Abs. 4 S. 2)').check();
  await expect(form.getByTestId('ks-complete')).toBeVisible();
  await expectNoHorizontalScroll(page);
  await expectNoA11yViolations(page);
  await page.screenshot({ path: test.info().outputPath('kinderschutz-360x640.png'), fullPage: true });
  await desktopScreenshot(page, 'kinderschutz');
  await form.getByRole('button', { name: 'Einschätzung abschließen' }).click();
  await expect(page.getByTestId('kinderschutz-done')).toHaveText(
    'Einschätzung vom 24.11.2026: Kindeswohlgefährdung, abgeschlossen am 24.11.2026.',
  );
  await expect(page.getByRole('button', { name: '§ 8a-Einschätzung beginnen' })).toBeVisible();

  // Reload offline: all there; online: synced.
  await page.goto(caseUrl.replace('/fall?', '/fall/kooperation?'));
  await unlock(page);
  await expect(page.getByTestId('referral')).toHaveCount(2);
  await expect(page.getByTestId('referral').filter({ hasText: debt }).getByLabel('Ergebnis')).toHaveValue('Ratenplan mit allen Gläubigern vereinbart.');
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Jetzt synchronisieren' }).click();
  await expect(page.getByTestId('unsent')).toHaveAttribute('data-count', '0');
  const kinds = await serverKindsOfCase(page, new URL(caseUrl).searchParams.get('id'));
  expect(kinds.filter((k: string) => k === 'referral')).toHaveLength(2);
  expect(kinds.filter((k: string) => k === 'kinderschutz')).toHaveLength(1);
  expect(problems).toEqual([]);
});
